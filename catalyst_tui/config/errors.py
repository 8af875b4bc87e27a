"""The one error the configuration raises: where it came from, which key, and what was expected."""

from __future__ import annotations


class ConfigError(Exception):
    """Shown to the operator as one line, e.g. `settings.yaml:41: risk.max_positions: expected …`."""

    def __init__(self, where: str, key: str, problem: str) -> None:
        self.where = where
        self.key = key
        self.problem = problem
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [p for p in (self.where, self.key, self.problem) if p]
        return ": ".join(parts)
