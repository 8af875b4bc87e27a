"""The approval card as an Approver: the desk asks, the card answers. Proposals queue, one card at a time."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from catalyst_tui.models import Decision, Proposal
from catalyst_tui.risk import Verdict

Ask = Callable[[Proposal, Verdict, int], Awaitable[Decision]]


class CardApprover:
    """`ask(proposal, verdict, waiting)` shows a card and returns what the operator decided (or its expiry)."""

    def __init__(self, ask: Ask) -> None:
        self.ask = ask
        self.waiting = 0  # proposals queued behind the card on screen
        self._one_card = asyncio.Lock()

    async def decide(self, proposal: Proposal, verdict: Verdict) -> Decision:
        self.waiting += 1
        try:
            await self._one_card.acquire()
        finally:
            self.waiting -= 1
        try:
            return await self.ask(proposal, verdict, self.waiting)
        finally:
            self._one_card.release()
