"""The named stages of a build: reported as they run, and measured (time, records, peak memory) by a benchmark."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

import psutil

#: how often a meter samples memory (s); a sample reads /proc/<pid>/smaps_rollup of every process (about 1 ms)
SAMPLE_S = 0.05

Progress = Callable[[str], None]


@dataclass
class Stage:
    """Time, peak memory and records of one stage."""
    name: str
    seconds: float
    records: int
    peak_bytes: int


class StageMeter:
    """Wall time, records and peak memory per named stage, memory sampled every 50 ms.

    Memory is the proportional set size (PSS) of this process and its child
    processes (the workers a build forks) added up: a page shared by several
    processes counts once in the sum, so it is the physical memory the build
    holds, not ``n`` times the parent's resident set. A stage may be entered many times (once per batch);
    its time and records add up and its peak is the highest memory seen while it ran.
    """

    def __init__(self) -> None:
        self.stages: dict[str, Stage] = {}
        self.process = psutil.Process()

    @contextmanager
    def stage(self, name: str, records: int = 0) -> Iterator[Stage]:
        """Measure the block as (part of) stage ``name``."""
        stage = self.stages.setdefault(name, Stage(name, 0.0, 0, 0))
        done = threading.Event()
        sampler = threading.Thread(target=self._sample, args=(stage, done), daemon=True)
        sampler.start()
        started = time.perf_counter()
        try:
            yield stage
        finally:
            stage.seconds += time.perf_counter() - started
            stage.records += records
            done.set()
            sampler.join()
            stage.peak_bytes = max(stage.peak_bytes, self.physical_bytes())

    def measure(self, name: str, records: int, work: Callable):
        """Run ``work`` as (part of) stage ``name``; returns its result."""
        with self.stage(name, records):
            return work()

    def physical_bytes(self) -> int:
        """Physical memory of this process and its children now (PSS, shared pages divided among them)."""
        total = self.process.memory_full_info().pss
        for child in self.process.children(recursive=True):
            try:
                total += child.memory_full_info().pss
            except psutil.NoSuchProcess:  # ended between listing and asking
                pass
        return total

    def _sample(self, stage: Stage, done: threading.Event) -> None:
        while not done.is_set():
            stage.peak_bytes = max(stage.peak_bytes, self.physical_bytes())
            done.wait(SAMPLE_S)


class StageLog:
    """Reports each stage of a build with its duration through ``progress``; measures it when given a meter."""

    def __init__(self, progress: Progress = lambda message: None, meter: StageMeter | None = None) -> None:
        self.progress = progress
        self.meter = meter

    @contextmanager
    def __call__(self, title: str) -> Iterator[None]:
        """The block as the stage ``title``: announced, timed, and measured when there is a meter."""
        started = time.perf_counter()
        self.progress(f"… {title}")
        with self.meter.stage(title) if self.meter else nullcontext():
            yield
        self.progress(f"  klaar in {time.perf_counter() - started:.1f} s")

    def note(self, message: str) -> None:
        """A line under the current stage."""
        self.progress(f"  {message}")


def count_text(number: int) -> str:
    """A count with Dutch thousands separators (``9.979.336``)."""
    return f"{number:,}".replace(",", ".")


def decimal_text(number: float, digits: int = 1) -> str:
    """A number with a decimal comma (``2,5``)."""
    return f"{number:.{digits}f}".replace(".", ",")


def gib_text(size: int) -> str:
    """A memory size in GiB with a decimal comma (``1,25 GiB``)."""
    return f"{size / 2**30:.2f} GiB".replace(".", ",")
