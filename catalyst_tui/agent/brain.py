"""What every brain is: it reads the context, calls tools through the executor, and says how it ended."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from catalyst_tui.agent.events import Emit
from catalyst_tui.agent.executor import ToolExecutor
from catalyst_tui.config.schema import Prices

MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class Usage:
    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.input + other.input, self.output + other.output, self.cache_read + other.cache_read,
                     self.cache_write + other.cache_write)  # fmt: skip

    @property
    def total(self) -> int:
        return self.input + self.output + self.cache_read + self.cache_write

    def cost(self, prices: Prices) -> Decimal:
        """USD, from the settings' price table (per million tokens)."""
        return (self.input * prices.input + self.output * prices.output + self.cache_read * prices.cache_read
                + self.cache_write * prices.cache_write) / MILLION  # fmt: skip


@dataclass(frozen=True)
class BrainOutcome:
    outcome: str  # "done", "refusal", "max_tokens", "max_turns", "budget", "error"
    usage: Usage = Usage()
    error: str | None = None


class Brain(Protocol):
    name: str
    model: str | None

    async def run(self, context: str, tools: ToolExecutor, emit: Emit) -> BrainOutcome: ...
