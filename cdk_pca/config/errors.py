"""The errors of the config loader: one ConfigError carrying every problem of a file.

Each problem names its path in the file (`certificate_authorities[1].crl.expiration_days`).
"""

from __future__ import annotations

import reprlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

Loc = tuple[str | int, ...]


def format_path(loc: Sequence[str | int]) -> str:
    """('certificate_authorities', 1, 'crl') -> 'certificate_authorities[1].crl'."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def show(value: Any) -> str:
    """A value as the user wrote it in YAML, short enough for one line."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value if len(value) <= 80 else value[:77] + "...")
    if isinstance(value, int | float):
        return str(value)
    # Bounded: a YAML alias bomb must not turn one error message into gigabytes.
    text = _SHORT_REPR.repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxlevel = 3
_SHORT_REPR.maxdict = _SHORT_REPR.maxlist = _SHORT_REPR.maxtuple = 6
_SHORT_REPR.maxstring = _SHORT_REPR.maxother = 60


@dataclass(frozen=True)
class ConfigProblem:
    """One problem: where in the file (`path`, and `line` when known) and what is wrong."""

    path: str
    message: str
    line: int | None = None
    loc: Loc = field(default=(), compare=False, repr=False)

    @classmethod
    def at(cls, loc: Loc, message: str) -> ConfigProblem:
        return cls(path=format_path(loc), message=message, loc=loc)

    def __str__(self) -> str:
        text = f"{self.path}: {self.message}" if self.path else self.message
        return f"{text} (line {self.line})" if self.line is not None else text


class ConfigError(Exception):
    """A config file that cannot be used; `problems` lists every problem found, in file order."""

    def __init__(self, problems: Iterable[ConfigProblem], source: str | None = None) -> None:
        self.problems: list[ConfigProblem] = list(problems)
        self.source = source
        super().__init__("\n".join(str(problem) for problem in self.problems))
