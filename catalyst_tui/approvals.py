"""Who decides whether a proposal the gate has judged goes to the broker: one protocol, three faces.

Autopilot approves exactly what the gate passed. The terminal prompt (headless supervised runs) shows the card as
text, reads y/n and expires; the TUI card (in the app) is the third. None of them can approve a proposal that
failed a check, and an unanswered proposal expires: it is never executed later.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from typing import Protocol, TextIO

from catalyst_tui.clock import Clock
from catalyst_tui.models import CheckOutcome, Decision, DecisionKind, Proposal
from catalyst_tui.risk import Verdict
from catalyst_tui.risk.results import money

OPERATOR, AUTOPILOT, GATE = "operator", "autopilot", "gate"


class Approver(Protocol):
    async def decide(self, proposal: Proposal, verdict: Verdict) -> Decision: ...


def refused_by_gate(verdict: Verdict, clock: Clock) -> Decision:
    return Decision(DecisionKind.REJECTED, GATE, clock.now(), verdict.summary())


class Autopilot:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def decide(self, proposal: Proposal, verdict: Verdict) -> Decision:
        if not verdict.passed:
            return refused_by_gate(verdict, self.clock)
        return Decision(DecisionKind.AUTO, AUTOPILOT, self.clock.now(), verdict.summary())


class TerminalInput:
    """Lines typed at the terminal, in a queue, so a card can ignore what was typed before it was shown."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self.lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._task = asyncio.get_running_loop().create_task(self._read(reader), name="terminal-input")

    @classmethod
    async def from_stdin(cls) -> TerminalInput:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        return cls(reader)

    async def _read(self, reader: asyncio.StreamReader) -> None:
        while line := await reader.readline():
            await self.lines.put(line.decode(errors="replace").strip())
        await self.lines.put(None)  # end of input: nobody is there to answer

    def discard_typed_ahead(self) -> int:
        """A late "y" meant for an expired card must not approve the next one."""
        dropped = 0
        while not self.lines.empty():
            if self.lines.get_nowait() is None:
                self.lines.put_nowait(None)
                break
            dropped += 1
        return dropped

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


class TerminalApprover:
    def __init__(self, clock: Clock, timeout_seconds: float, terminal: TerminalInput, out: TextIO) -> None:
        self.clock, self.timeout, self.terminal, self.out = clock, timeout_seconds, terminal, out
        self._one_at_a_time = asyncio.Lock()

    async def decide(self, proposal: Proposal, verdict: Verdict) -> Decision:
        async with self._one_at_a_time:
            self.terminal.discard_typed_ahead()
            self._say(card_text(proposal, verdict))
            if not verdict.passed:
                self._say("It failed a check and cannot be approved: rejected.\n")
                return refused_by_gate(verdict, self.clock)
            self._say(f"Approve? y / n [reason] (expires in {self.timeout:g} s): ")
            return await self._within_timeout()

    async def _within_timeout(self) -> Decision:
        answer = asyncio.ensure_future(self._answer())
        expiry = asyncio.ensure_future(self.clock.sleep(self.timeout))
        try:
            await asyncio.wait({answer, expiry}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (answer, expiry):
                task.cancel()
        if answer.done() and not answer.cancelled():
            return answer.result()
        self._say("\nNo answer in time: expired; it will not be executed.\n")
        return Decision(DecisionKind.EXPIRED, OPERATOR, self.clock.now(), f"no answer within {self.timeout:g} s")

    async def _answer(self) -> Decision:
        while True:
            line = await self.terminal.lines.get()
            if line is None:
                return Decision(DecisionKind.EXPIRED, OPERATOR, self.clock.now(), "no terminal to answer on")
            word, _, reason = line.partition(" ")
            if word.lower() in ("y", "yes"):
                return Decision(DecisionKind.APPROVED, OPERATOR, self.clock.now(), reason.strip())
            if word.lower() in ("n", "no"):
                return Decision(DecisionKind.REJECTED, OPERATOR, self.clock.now(), reason.strip() or "rejected")
            self._say("Type y to approve, or n and an optional reason: ")

    def _say(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()


def card_text(proposal: Proposal, verdict: Verdict) -> str:
    """The approval card as plain text: the order in words and numbers, its size, the reason, the checks, the quote."""
    p, facts = proposal, verdict.facts
    prices = "".join(
        f"  {label} {value}" for label, value in
        (("limit", p.limit_price), ("stop", p.stop_loss), ("take-profit", p.take_profit)) if value is not None
    )  # fmt: skip
    lines = [
        f"── proposal {p.proposal_id} ({p.tool}) ──",
        f"{p.side} {p.quantity} {p.symbol[:40]} {p.order_type}{prices}",
    ]
    if facts and facts.instrument and facts.notional is not None:
        base = f" = {money(facts.notional_base, facts.base_currency)}" if facts.notional_base is not None else ""
        lines.append(f"notional {money(facts.notional, facts.instrument.currency)}{base}")
    if p.reason:
        lines.append(f"reason: {p.reason[:500]}")
    counts = {o: sum(c.outcome is o for c in verdict.checks) for o in CheckOutcome}
    lines.append(f"checks: {counts[CheckOutcome.PASS]} pass, {counts[CheckOutcome.WARN]} warn, "
                 f"{counts[CheckOutcome.FAIL]} fail")  # fmt: skip
    lines += [f"  {c.outcome.upper():4} {c.name}: {c.measured} (limit {c.limit}) {c.detail}".rstrip()
              for c in verdict.checks if c.outcome is not CheckOutcome.PASS]  # fmt: skip
    if facts and facts.quote:
        q = facts.quote
        lines.append(f"quote: bid {q.bid} ask {q.ask} last {q.last}{' (delayed)' if q.delayed else ''}")
    return "\n".join(lines) + "\n"
