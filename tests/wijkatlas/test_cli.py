import responses

from wijkatlas.cli import main


def test_user_errors_are_one_line_and_exit_1(tmp_path, capsys):
    assert main(["build", str(tmp_path / "weg.toml")]) == 1
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [f"fout: configuratie {tmp_path / 'weg.toml'} niet gevonden"]


def test_fetch_checks_its_arguments_before_going_online(tmp_path, capsys):
    assert main(["fetch", "--gemeente", "Den Helder", "--out", str(tmp_path)]) == 1
    assert "--gemeente is 'Den Helder' maar moet de vorm GMxxxx hebben" in capsys.readouterr().err
    assert main(["fetch", "--gemeente", "GM0400", "--peiljaren", "1999", "--out", str(tmp_path)]) == 1
    assert "peiljaren [1999] onbekend; bekend: [2019, 2020, 2021, 2022, 2023, 2024]" in capsys.readouterr().err


@responses.activate
def test_fetch_without_network_says_so(tmp_path, capsys):
    assert main(["fetch", "--gemeente", "GM0400", "--out", str(tmp_path / "bronnen")]) == 1
    assert "api.pdok.nl is niet bereikbaar" in capsys.readouterr().err
