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
            name = str(part) if len(str(part)) <= 60 else str(part)[:57] + "..."
            text += f".{name}" if text else name
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


# What a person reads of a broken file: the first problems, each on one bounded line, then how
# many more there are. A file of 20,000 bad CAs would otherwise print megabytes.
MAX_PROBLEMS_SHOWN = 50
MAX_LINE_LENGTH = 300


def problem_lines(problems: Sequence[ConfigProblem]) -> list[str]:
    """At most MAX_PROBLEMS_SHOWN lines of at most MAX_LINE_LENGTH characters, then a count."""
    lines = [_bounded(str(problem)) for problem in problems[:MAX_PROBLEMS_SHOWN]]
    rest = len(problems) - len(lines)
    if rest > 0:
        lines.append(f"... and {rest} more problem{'s' if rest != 1 else ''}")
    return lines


def _bounded(line: str) -> str:
    line = " ".join(line.split())  # one line, whatever a value held
    return line if len(line) <= MAX_LINE_LENGTH else line[: MAX_LINE_LENGTH - 3] + "..."


class ConfigError(Exception):
    """A config file that cannot be used; `problems` lists every problem found, in file order.

    Its text is problem_lines(): every problem is in `problems`, the text shows the first ones.
    """

    def __init__(self, problems: Iterable[ConfigProblem], source: str | None = None) -> None:
        self.problems: list[ConfigProblem] = list(problems)
        self.source = source
        super().__init__("\n".join(problem_lines(self.problems)))
