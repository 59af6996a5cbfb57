"""The errors Wijkatlas raises for problems a user can fix.

The command line prints a :class:`WijkatlasError` as one line and exits non-zero;
anything else is a bug and keeps its traceback. Messages are Dutch because they
are read by the people who supply the data.
"""

from __future__ import annotations

from pathlib import Path


class WijkatlasError(Exception):
    """Base class for problems with input, configuration or environment."""


class ConfigError(WijkatlasError):
    """The build configuration is missing, malformed or inconsistent."""


class SourceError(WijkatlasError):
    """A source file or service cannot be used; names the file, row and field.

    ``row`` is the row number as the user sees it in a spreadsheet (the header
    is row 1), so the message can be followed by opening the file.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | Path,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.source = str(source)
        self.row = row
        self.field = field
        where = [self.source]
        if row is not None:
            where.append(f"rij {row}")
        if field is not None:
            where.append(f"veld '{field}'")
        super().__init__(f"{', '.join(where)}: {message}")


class ValidationError(SourceError):
    """A source breaks its documented schema; lists every problem found at once."""

    def __init__(self, problems: list[str], *, source: str | Path) -> None:
        self.problems = problems
        shown = "; ".join(problems[:10])
        more = f" (en nog {len(problems) - 10})" if len(problems) > 10 else ""
        super().__init__(f"{len(problems)} probleem/problemen: {shown}{more}", source=source)


class CRSError(SourceError):
    """A source has no coordinate reference system, or one that cannot be used."""


class OfflineError(WijkatlasError):
    """An online source could not be reached."""
