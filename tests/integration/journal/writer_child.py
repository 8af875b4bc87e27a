"""A process that journals until it is killed: each group is a proposal with its 24 checks, the order it became,
and the order's first status, written together; it prints each group's number once the journal acknowledged it."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from catalyst_tui.journal import (
    Check,
    CheckOutcome,
    CycleStarted,
    IntentRecorded,
    Journal,
    OrderChanged,
    Proposal,
    ProposalMade,
    Record,
)
from catalyst_tui.models import Order, OrderStatus, OrderType, Side
from tests.integration.journal.examples import T0, TENCENT

CHECKS = 24


def group(n: int) -> tuple[Record, ...]:
    at = T0 + timedelta(seconds=n)
    checks = tuple(Check(f"check_{k}", CheckOutcome.PASS, str(k), str(k + 1)) for k in range(CHECKS))
    proposal = ProposalMade(
        Proposal(
            f"p-{n}",
            "execute_trade",
            "0700.HK",
            Side.BUY,
            Decimal(100),
            OrderType.LIMIT,
            cycle_id="cyc-kill",
            limit_price=Decimal("402.20"),
            reason=f"group {n}",
        ),
        at,
        checks=checks,
    )
    order = Order(f"i-{n}", TENCENT, Side.BUY, Decimal(100), OrderType.LIMIT, limit_price=Decimal("402.20"))
    submitted = Order(f"i-{n}", TENCENT, Side.BUY, Decimal(100), OrderType.LIMIT, OrderStatus.SUBMITTED,
                      Decimal("402.20"), broker_order_id=n + 1)  # fmt: skip
    return proposal, IntentRecorded(order, at, f"group {n}", f"p-{n}", "cyc-kill"), OrderChanged(submitted, at)


async def main(url: str, spool_dir: Path) -> None:
    journal = Journal(url, spool_dir)
    await journal.open()
    await journal.write(CycleStarted("cyc-kill", T0, "HK", "schedule", "rules"))
    n = 0
    while True:
        await journal.write(*group(n))
        print(n, flush=True)
        n += 1


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2])))
