"""A collector of Problems that turns (section, index, sub-path) into a file and a file path."""

from __future__ import annotations

from ivr.plans.loader import Origins
from ivr.plans.problems import Problem, Severity


class Findings:
    def __init__(self, origins: Origins) -> None:
        self.origins = origins
        self.problems: list[Problem] = []

    def problem(
        self, section: str, index: int, suffix: str, message: str, severity: Severity
    ) -> Problem:
        file, path = self.origins.where(section, index, suffix)
        return Problem(file, path, message, severity)

    def error(self, section: str, index: int, suffix: str, message: str) -> None:
        self.problems.append(self.problem(section, index, suffix, message, Severity.ERROR))

    def warning(self, section: str, index: int, suffix: str, message: str) -> None:
        self.problems.append(self.problem(section, index, suffix, message, Severity.WARNING))

    def place(self, section: str, index: int, suffix: str = "") -> str:
        """``file: path`` of an item, to name the first of two duplicates in a message."""
        file, path = self.origins.where(section, index, suffix)
        return f"{file}: {path}"
