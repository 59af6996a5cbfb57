"""Work beside the build: one output written in a forked process while the build writes another.

A forked process shares the build's memory (its products, pages it only reads) instead of receiving
a pickled copy, so the second core writes spreadsheets while the first writes the GeoPackage. An error
in the forked work is raised again where the build waits for it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import multiprocessing
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import Connection
from typing import Any

import pyarrow

from wijkatlas.errors import WijkatlasError


def release_freed() -> None:
    """Give the memory of frames let go back to the system: glibc and Arrow keep freed memory for reuse, and a
    process forked after that keeps it too (a national build let go of 10 M records before disclosure control)."""
    gc.collect()
    pyarrow.default_memory_pool().release_unused()
    trim = getattr(ctypes.CDLL(ctypes.util.find_library("c")), "malloc_trim", None)  # glibc's
    if trim is not None:
        trim(0)


def forked_map(work: Callable[[Any], Any], items: list) -> list:
    """``work(item)`` for each of ``items``, each in a process of its own forked from this one (``work`` and what it
    reads are shared, never pickled; ``items`` and the results are); the results in the order of ``items``."""
    global _WORK
    _WORK = work
    try:
        with ProcessPoolExecutor(len(items), mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_work_on, items))
    finally:
        _WORK = None


#: the work :func:`forked_map` shares with its forked processes
_WORK: Callable[[Any], Any] | None = None


def _work_on(item: object) -> object:
    assert _WORK is not None, "only called in processes forked by forked_map"
    return _WORK(item)


class Beside:
    """``work(*args)`` running in a forked process from the moment this is made; :meth:`wait` for its end."""

    def __init__(self, work: Callable[..., object], *args: object) -> None:
        context = multiprocessing.get_context("fork")
        self._outcome, sender = context.Pipe(duplex=False)
        self._process = context.Process(target=_run, args=(sender, work, args), name=getattr(work, "__name__", "werk"))
        self._process.start()
        sender.close()

    def wait(self) -> None:
        """Wait for the work; its error is raised here (a Wijkatlas error with its message, an OSError as it was, any
        other with its traceback)."""
        try:
            error = self._outcome.recv()
        except EOFError:  # ended without a word: killed, or out of memory
            error = WijkatlasError(f"{self._process.name} stopte onverwacht")
        self._process.join()
        self._outcome.close()
        if isinstance(error, BaseException):
            raise error
        if error is not None:
            raise RuntimeError(f"{self._process.name} mislukte in het zijproces:\n{error}")

    @property
    def running(self) -> bool:
        """Whether the work is still going."""
        return self._process.is_alive()

    def stop(self) -> None:
        """End the work unfinished (the build failed elsewhere)."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._outcome.close()


def _run(outcome: Connection, work: Callable[..., object], args: tuple) -> None:
    try:
        work(*args)
        outcome.send(None)
    except WijkatlasError as error:
        outcome.send(WijkatlasError(str(error)))  # its message; a subclass may not unpickle from its args
    except OSError as error:  # a full disk, a folder that is gone: the waiting side reports it as its own
        outcome.send(error)
    except BaseException:  # noqa: BLE001 -- reported to the waiting build, with where it happened
        outcome.send(traceback.format_exc())
    finally:
        outcome.close()
