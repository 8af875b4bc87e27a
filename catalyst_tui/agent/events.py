"""What a brain says while a cycle runs: deltas to show live, finished entries to show and journal, and what a
tool call came back with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from catalyst_tui.journal import EntryKind


@dataclass(frozen=True)
class Delta:
    """A piece of text or thinking as it streams: for the screen only (a retried turn may be shown twice)."""

    kind: EntryKind
    text: str


@dataclass(frozen=True)
class Entry:
    """A finished block: a paragraph, a thought, a tool call or its result. These are journaled."""

    role: str  # "assistant", "user" (tool results go back to the model as the user's) or "system"
    kind: EntryKind
    content: str
    streamed: bool = False  # its text was already shown, delta by delta


@dataclass(frozen=True)
class CycleOpened:
    """For the screen: a cycle begins (its transcript opens with the time, the market and the brain)."""

    cycle_id: str
    market: str
    at: datetime
    brain: str


@dataclass(frozen=True)
class CycleClosed:
    """For the screen: a cycle ended, how, and what the model cost."""

    cycle_id: str
    outcome: str
    cost_usd: Decimal
    reason: str = ""


Event = Delta | Entry | CycleOpened | CycleClosed
Emit = Callable[[Event], None]


@dataclass(frozen=True)
class ToolResult:
    content: str  # what the model reads
    is_error: bool = False
    data: object = None  # the same facts as values, for a brain in this process (the rules brain); never sent
