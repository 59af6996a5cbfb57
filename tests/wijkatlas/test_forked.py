"""Work beside the build in a forked process: its result lands, its error reaches the build."""

from __future__ import annotations

import errno
import os
import time

import pytest

from wijkatlas.errors import SourceError, WijkatlasError
from wijkatlas.forked import Beside, forked_map


def write_pid(path):
    path.write_text(str(os.getpid()))


def refuse(path):
    raise SourceError("blad te groot", source=path)


def crash(path):
    {}["geen sleutel"]


def test_the_work_runs_in_another_process_and_its_files_remain(tmp_path):
    beside = Beside(write_pid, tmp_path / "pid")
    beside.wait()
    assert int((tmp_path / "pid").read_text()) != os.getpid()


def test_a_wijkatlas_error_beside_is_raised_with_its_message(tmp_path):
    with pytest.raises(WijkatlasError, match=r"blad\.xlsx: blad te groot"):
        Beside(refuse, tmp_path / "blad.xlsx").wait()


def test_any_other_error_beside_is_raised_with_its_traceback():
    with pytest.raises(RuntimeError, match=r"crash mislukte in het zijproces:(.|\n)*KeyError: 'geen sleutel'"):
        Beside(crash, None).wait()


def test_stopping_ends_unfinished_work():
    beside = Beside(time.sleep, 60)
    assert beside.running
    beside.stop()
    assert not beside.running


def fill_disk(path):
    raise OSError(errno.ENOSPC, "No space left on device", str(path))


def test_an_os_error_beside_is_raised_as_it_was_so_the_build_names_a_full_disk(tmp_path):
    with pytest.raises(OSError) as raised:
        Beside(fill_disk, tmp_path / "datapakhuis.gpkg").wait()
    assert raised.value.errno == errno.ENOSPC and raised.value.filename == str(tmp_path / "datapakhuis.gpkg")


def test_forked_map_shares_what_the_work_reads_and_returns_results_in_order():
    shared = {"factor": 3}  # a closure over this process's memory: forked, never pickled

    def work(item: int) -> tuple[int, int]:
        return item * shared["factor"], os.getpid()

    results = forked_map(work, [1, 2, 3])
    assert [value for value, _ in results] == [3, 6, 9]
    assert len({pid for _, pid in results} | {os.getpid()}) > 1  # not computed here
