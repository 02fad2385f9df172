"""The errors of the config loader: one ConfigError carrying every problem of a file.

Each problem names its path in the file (`certificate_authorities[1].crl.expiration_days`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cdk_pca.rules import field_path

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class ConfigProblem:
    """One problem: where in the file (`path`, and `line` when known) and what is wrong."""

    path: str
    message: str
    line: int | None = None
    loc: Loc = field(default=(), compare=False, repr=False)

    @classmethod
    def at(cls, loc: Loc, message: str) -> ConfigProblem:
        return cls(path=field_path(loc), message=message, loc=loc)

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
