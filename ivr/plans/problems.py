"""What is wrong with a call plan, said so an admin can find it: file, place in the file, reason."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One finding. ``path`` is ``section[index].field...`` with the index inside ``file``'s list.

    ``str()`` gives ``file: path: message``; a warning reads ``file: path: warning: message`` so
    that an admin scanning the output can tell it will not stop ``ivr apply``.
    """

    file: str
    path: str
    message: str
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        place = f"{self.file}: {self.path}" if self.path else self.file
        label = "warning: " if self.severity is Severity.WARNING else ""
        return f"{place}: {label}{self.message}"


class PlanError(Exception):
    """The plan files could not be turned into a Plan; ``problems`` says every reason found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class UnreadablePlanError(PlanError):
    """At least one file could not be read or parsed as YAML (missing, unreadable, bad syntax)."""


def errors_in(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.is_error]
