"""The outputs of one build change together or not at all.

A build writes everything (store, reconciliation, rejections, exports, API
data, viewers) into a staging folder inside the output folder. Only when all of
it is written does a journal mark the staging folder complete; its entries are
then moved into place one by one. A run that is killed before the journal
leaves the previous outputs as they were (the staging folder is removed by the
next run); one killed during the moves is completed by the next run, so the
outputs are never a mix of two builds for longer than the moves take.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STAGING_PREFIX = ".bouw-"
JOURNAL = "KLAAR.json"
#: temporary files of the store's own atomic write (wijkatlas.store), left behind by a killed process
STALE_PATTERNS = (".datapakhuis-*.gpkg", ".datapakhuis-*.gpkg-journal")


@contextmanager
def staged_outputs(out: Path) -> Iterator[Path]:
    """A fresh staging folder in ``out``; when the block ends without error, its entries replace the outputs.

    An error in the block removes the staging folder and leaves every previous output untouched.
    """
    out.mkdir(parents=True, exist_ok=True)
    recover(out)
    staging = out / f"{STAGING_PREFIX}{uuid.uuid4().hex[:12]}"
    staging.mkdir()
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    entries = sorted(path.name for path in staging.iterdir())
    journal = staging / JOURNAL
    journal.write_text(json.dumps(entries), encoding="utf-8")
    _move_into_place(staging, out)


def recover(out: Path) -> list[str]:
    """Finish a swap a killed build had begun, drop unfinished builds and stale temporary stores.

    Returns
    -------
    list
        What was done, one Dutch line each (for the build's progress output).
    """
    done = []
    for staging in sorted(out.glob(f"{STAGING_PREFIX}*")):
        if (staging / JOURNAL).is_file():
            _move_into_place(staging, out)
            done.append(f"onderbroken vervanging van de uitvoer afgemaakt ({staging.name})")
        else:
            shutil.rmtree(staging, ignore_errors=True)
            done.append(f"onvoltooide bouw opgeruimd ({staging.name})")
    for pattern in STALE_PATTERNS:
        for stale in out.glob(pattern):
            stale.unlink(missing_ok=True)
            done.append(f"tijdelijk bestand van een afgebroken bouw verwijderd ({stale.name})")
    return done


def _move_into_place(staging: Path, out: Path) -> None:
    """Move every entry the journal names from ``staging`` to ``out``, replacing what is there."""
    entries = json.loads((staging / JOURNAL).read_text(encoding="utf-8"))
    trash = staging / ".oud"
    trash.mkdir(exist_ok=True)
    for name in entries:
        new = staging / name
        if not new.exists():  # moved before an interruption
            continue
        current = out / name
        if current.exists() or current.is_symlink():
            current.rename(trash / name)
        new.rename(current)
    shutil.rmtree(staging, ignore_errors=True)
