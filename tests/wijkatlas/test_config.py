import pytest

from wijkatlas.config import ComputeSettings, load_config
from wijkatlas.errors import ConfigError
from wijkatlas.geo.gebieden import BoundaryFile

from helpers import REPO

MINIMAL = """
[gemeente]
code = "GM0001"
naam = "Proefdorp"
[gebieden]
file = "kaart.gpkg"
[bag]
file = "bag.gpkg"
"""


def test_demo_config_is_the_worked_example():
    config = load_config(REPO / "data" / "demo.toml")
    assert config.gebied.code == "GM9901"
    assert [k.peiljaar for k in config.kerncijfers] == [2022, 2023, 2024]
    assert [r.name for r in config.registrations] == ["sportvoorzieningen", "kavels", "meldingen"]
    assert config.registrations[1].geometry.file == REPO / "data" / "registraties" / "kavels.gpkg"


def test_paths_are_relative_to_the_config_file(tmp_path):
    (tmp_path / "gemeente.toml").write_text(MINIMAL)
    config = load_config(tmp_path / "gemeente.toml")
    assert config.gebieden == (BoundaryFile(tmp_path / "kaart.gpkg"),) and config.registrations == ()
    assert config.bag == tmp_path / "bag.gpkg"


def test_only_gemeente_and_boundaries_are_required(tmp_path):
    (tmp_path / "grenzen.toml").write_text('[gemeente]\ncode = "GM0534"\nnaam = "Hillegom"\n'
                                           '[gebieden]\nfile = "buurten.geojson"\ncrs = "EPSG:28992"\n')
    config = load_config(tmp_path / "grenzen.toml")
    assert config.bag is None and config.kerncijfers == () and config.rasters == ()
    assert config.gebieden == (BoundaryFile(tmp_path / "buurten.geojson", crs="EPSG:28992"),)


def test_boundaries_may_come_as_a_file_per_level(tmp_path):
    (tmp_path / "lagen.toml").write_text(
        '[gemeente]\ncode = "GM0534"\nnaam = "Hillegom"\n'
        '[gebieden.buurten]\nfile = "buurt.gpkg"\nlayer = "buurt_gegeneraliseerd"\n'
        '[gebieden.wijken]\nfile = "wijk.shp"\ncode = "WIJKCODE"\nnaam = "WIJKNAAM"\n')
    config = load_config(tmp_path / "lagen.toml")
    assert config.gebieden == (BoundaryFile(tmp_path / "buurt.gpkg", "buurt_gegeneraliseerd"),
                               BoundaryFile(tmp_path / "wijk.shp", code="WIJKCODE", naam="WIJKNAAM"))


def test_empty_paths_typed_years_and_geocoding_without_bag_are_named(tmp_path):
    (tmp_path / "fout.toml").write_text(
        '[gemeente]\ncode = "GM0534"\nnaam = "Hillegom"\n[gebieden]\nfile = "b.geojson"\n[bag]\nfile = ""\n'
        '[[kerncijfers]]\nfile = "k.json"\npeiljaar = "2024a"\n[indicators]\npeiljaar = "x"\n')
    message = config_problems(tmp_path / "fout.toml")
    assert "bag.file is leeg; geef het BAG-bestand op, of laat [bag] weg" in message
    assert "kerncijfers[0].peiljaar is '2024a' maar moet een jaartal zijn" in message
    assert "indicators.peiljaar is 'x' maar moet een jaartal zijn" in message
    (tmp_path / "adres.toml").write_text(
        '[gemeente]\ncode = "GM0534"\nnaam = "Hillegom"\n[gebieden]\nfile = "b.geojson"\n'
        '[registraties.sport]\nfile = "s.csv"\nid = "id"\npostcode = "pc"\nhuisnummer = "nr"\n')
    assert "postcode + huisnummer zoekt adressen op in de BAG, maar [bag] ontbreekt" in config_problems(
        tmp_path / "adres.toml")


def config_problems(path) -> str:
    """The message of the ConfigError that loading ``path`` raises."""
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    return str(raised.value)


def test_every_problem_is_reported_at_once(tmp_path):
    (tmp_path / "fout.toml").write_text(MINIMAL.replace("GM0001", "0001") + """
[registraties.meldingen]
file = "m.csv"
kolom = "x"
decimal = ";"
""")
    message = config_problems(tmp_path / "fout.toml")
    assert "gemeente.code is '0001' maar moet de vorm GMxxxx hebben" in message
    assert "onbekende sleutel 'registraties.meldingen.kolom'; toegestaan: [" in message
    assert "sleutel 'registraties.meldingen.id' ontbreekt" in message
    assert "registraties.meldingen.decimal is ';'" in message
    assert "geef een locatie op" in message


def test_registration_names_may_not_clash_with_store_layers(tmp_path):
    (tmp_path / "c.toml").write_text(MINIMAL + '[registraties.buurten]\nfile = "b.csv"\nid = "id"\nx = "x"\ny = "y"\n')
    with pytest.raises(ConfigError, match=r"registraties\.buurten: naam moet"):
        load_config(tmp_path / "c.toml")


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(ConfigError, match=r"configuratie .*weg\.toml niet gevonden"):
        load_config(tmp_path / "weg.toml")
    (tmp_path / "kapot.toml").write_text("[gemeente\n")
    with pytest.raises(ConfigError, match=r"kapot\.toml: geen geldige TOML"):
        load_config(tmp_path / "kapot.toml")


def test_compute_engine_is_chosen_in_the_config(tmp_path):
    (tmp_path / "lokaal.toml").write_text(MINIMAL)
    assert load_config(tmp_path / "lokaal.toml").compute == ComputeSettings("lokaal", 8, None, 2)
    (tmp_path / "dask.toml").write_text(MINIMAL + '[rekenen]\nmotor = "dask"\npartities = 16\n'
                                        'scheduler = "tcp://10.0.0.5:8786"\n')
    assert load_config(tmp_path / "dask.toml").compute == ComputeSettings("dask", 16, "tcp://10.0.0.5:8786", 2)
    (tmp_path / "fout.toml").write_text(MINIMAL + '[rekenen]\nmotor = "spark"\npartities = 0\nkernen = 4\n')
    message = config_problems(tmp_path / "fout.toml")
    assert "rekenen.motor is 'spark' maar moet een van ['lokaal', 'dask'] zijn" in message
    assert "rekenen.partities is '0' maar moet een positief geheel getal zijn" in message
    assert "onbekende sleutel 'rekenen.kernen'" in message


def test_gebied_covers_several_gemeenten_or_all(tmp_path):
    boundaries = '[gebieden]\nfile = "kaart.gpkg"\n'
    (tmp_path / "regio.toml").write_text('[gebied]\nnaam = "HLT"\ngemeenten = ["GM0534", "GM0553", "GM1525"]\n'
                                         + boundaries)
    gebied = load_config(tmp_path / "regio.toml").gebied
    assert (gebied.code, gebied.naam, gebied.gemeenten, gebied.is_regio) == (
        "RG01", "HLT", ("GM0534", "GM0553", "GM1525"), True)
    (tmp_path / "land.toml").write_text('[gebied]\nnaam = "Nederland"\nalle = true\n' + boundaries)
    gebied = load_config(tmp_path / "land.toml").gebied
    assert (gebied.code, gebied.gemeenten, gebied.is_regio) == ("NL01", None, True)
    assert not load_config(REPO / "data" / "demo.toml").gebied.is_regio


@pytest.mark.parametrize(("text", "message"), [
    ('[gemeente]\ncode = "GM0001"\nnaam = "A"\n[gebied]\nnaam = "B"\nalle = true\n', r"niet beide of geen van beide"),
    ('[gebied]\nnaam = "B"\ngemeenten = ["GM0534"]\n', r"twee of meer codes GMxxxx.*gebruik je \[gemeente\]"),
    ('[gebied]\nnaam = "B"\ngemeenten = ["GM0534", "0553"]\n', r"twee of meer codes GMxxxx"),
    ('[gebied]\nnaam = "B"\ngemeenten = ["GM0534", "GM0534"]\n', r"noemt een gemeente dubbel"),
    ('[gebied]\nnaam = "B"\n', r"gemeenten = \[.*\], alle = true of provincie = \"PV28\""),
    ('[gebied]\nnaam = "B"\nalle = true\ncode = "GM0001"\n', r"gebied.code is 'GM0001'.*niet BU/WK/GM"),
])
def test_a_wrong_gebied_is_explained(tmp_path, text, message):
    (tmp_path / "fout.toml").write_text(text + '[gebieden]\nfile = "kaart.gpkg"\n')
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path / "fout.toml")
