"""The approval card: one proposal the risk gate judged, waiting for the operator's y or n.

It shows the order in words and numbers, its size in the instrument's and the account's currency, the agent's
reason, every check of the gate (failures first), the live quote and a countdown. `y` approves, only a proposal
that passed every check; `n` asks for an optional reason and rejects; no answer in time expires it (expired is
rejected: it is never executed late).

The card reads no clock: the app calls `tick()` every second and `update_quote()` as quotes arrive, and every time
on the card comes from the `now` it was given. The deadline is fixed when the card is made.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Static

from catalyst_tui.models import CheckOutcome, Decision, DecisionKind, OrderType, Proposal, Quote
from catalyst_tui.risk.gate import Verdict
from widgets.dialogs import OnceModal

OPERATOR = "operator"
CANNOT_APPROVE = "failed checks: cannot be approved"
FLASH_SECONDS = 3
CELL_LIMIT = 40  # characters of a measured value, a limit or a detail shown in the checks table
_SEVERITY = {CheckOutcome.FAIL: 0, CheckOutcome.WARN: 1, CheckOutcome.PASS: 2}
_OUTCOME_LABEL = {CheckOutcome.FAIL: "FAIL", CheckOutcome.WARN: "WARN", CheckOutcome.PASS: "pass"}


class ApprovalCard(OnceModal[Decision]):
    """A modal card that answers with exactly one Decision (APPROVED, REJECTED or EXPIRED), decided by "operator".

    CSS ids: #card (the box; class -passed, -warned or -failed, and -asking while a reason is typed),
    #card-order, #card-notional, #card-reason, #card-verdict, #card-checks (a DataTable), and #card-bottom (docked)
    holding #card-quote, #card-message (the flash line), #card-reason-input, #card-keys and #card-countdown.
    """

    DEFAULT_CSS = """
    ApprovalCard { align: center middle; }
    ApprovalCard > #card {
        width: 96%; max-width: 120; height: auto; max-height: 100%;
        border: thick $success; background: $surface; padding: 0 1;
        &.-warned { border: thick $warning; }
        &.-failed { border: thick $error; }
    }
    ApprovalCard #card-order { text-style: bold; }
    ApprovalCard #card-reason { max-height: 3; }
    ApprovalCard #card-verdict { margin-top: 1; }
    ApprovalCard .-failed #card-verdict { text-style: bold; color: $error; }
    ApprovalCard #card-checks { height: auto; max-height: 9; }
    ApprovalCard .-asking #card-checks { max-height: 6; }
    ApprovalCard #card-bottom { dock: bottom; height: auto; }
    ApprovalCard #card-message { text-style: bold; color: $error; display: none; }
    ApprovalCard #card-reason-input { display: none; }
    ApprovalCard #card-footer { height: 1; }
    ApprovalCard #card-keys { width: 1fr; }
    ApprovalCard #card-countdown { width: auto; text-style: bold; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "approve", "Approve", id="approval.approve"),
        Binding("n", "reject", "Reject", id="approval.reject"),
        Binding("escape", "close_reason", "Back", show=False, id="approval.close_reason"),
    ]

    def __init__(
        self,
        proposal: Proposal,
        verdict: Verdict,
        timeout_seconds: float,
        now: Callable[[], datetime],
        *,
        queued: int = 0,
    ) -> None:
        super().__init__()
        self.proposal, self.verdict, self.timeout_seconds, self.now = proposal, verdict, timeout_seconds, now
        self.queued = queued
        self.deadline = now() + timedelta(seconds=timeout_seconds)
        self.quote: Quote | None = verdict.facts.quote if verdict.facts else None
        self._flash_until: datetime | None = None

    @property
    def decision(self) -> Decision | None:
        """The decision once made, even while another screen covers the card and it is not yet dismissed."""
        return self.result

    # ---- layout -------------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        verdict = self.verdict
        state = "-failed" if not verdict.passed else "-warned" if verdict.warnings else "-passed"
        with Vertical(id="card", classes=state) as card:
            card.border_title = f"Approve? {self.proposal.tool} {_cut(self.proposal.proposal_id, 30)}"
            card.border_subtitle = self._queued_text()
            yield Static(order_line(self.proposal, self._display_symbol()), id="card-order", markup=False)
            yield Static(self._notional_text(), id="card-notional", markup=False)
            yield Static(f"reason: {_cut(self.proposal.reason, 500) or '(none given)'}", id="card-reason",
                         markup=False)  # fmt: skip
            yield Static(self._verdict_text(), id="card-verdict", markup=False)
            yield self._checks_table()
            with Vertical(id="card-bottom"):  # docked: the quote, the keys and the countdown are never cut off
                yield Static(self._quote_text(), id="card-quote", markup=False)
                yield Static("", id="card-message", markup=False)
                yield Input(placeholder="reason (optional): enter rejects, escape goes back", id="card-reason-input")
                with Horizontal(id="card-footer"):
                    yield Static(self._keys_text(), id="card-keys", markup=False)
                    yield Static(self._countdown_text(self.now()), id="card-countdown", markup=False)

    def _checks_table(self) -> DataTable[str]:
        table: DataTable[str] = DataTable(id="card-checks", cursor_type="row", zebra_stripes=True)
        table.add_columns("result", "check", "measured", "limit", "detail")
        for check in sorted(self.verdict.checks, key=lambda c: _SEVERITY[c.outcome]):
            table.add_row(_OUTCOME_LABEL[check.outcome], check.name, _cut(check.measured, CELL_LIMIT),
                          _cut(check.limit, CELL_LIMIT), _cut(check.detail, CELL_LIMIT))  # fmt: skip
        return table

    # ---- what the app calls --------------------------------------------------------------------------------------

    def tick(self) -> None:
        """Once a second: count down, clear an old flash, and expire the card when its time is up."""
        if self.answered:
            return
        now = self.now()
        if now >= self.deadline:
            self.answer(Decision(DecisionKind.EXPIRED, OPERATOR, now, f"no answer within {self.timeout_seconds:g} s"))
            return
        if not self.is_mounted:
            return
        self.query_one("#card-countdown", Static).update(self._countdown_text(now))
        if self._flash_until is not None and now >= self._flash_until:
            self._flash_until = None
            self.query_one("#card-message", Static).display = False

    def update_quote(self, quote: Quote | None) -> None:
        """Show the latest quote for the proposal's instrument (None: no quote now)."""
        self.quote = quote
        if self.is_mounted:
            self.query_one("#card-quote", Static).update(self._quote_text())

    def set_queued(self, queued: int) -> None:
        """How many more proposals wait behind this one: shown as "(+N more waiting)"."""
        self.queued = queued
        if self.is_mounted:
            self.query_one("#card", Vertical).border_subtitle = self._queued_text()

    def reject(self, reason: str = "rejected", decided_by: str = OPERATOR) -> bool:
        """Reject from outside the card (the kill switch, a shutdown); False when it was already decided."""
        return self.answer(Decision(DecisionKind.REJECTED, decided_by, self.now(), reason))

    # ---- keys --------------------------------------------------------------------------------------------------

    def action_approve(self) -> None:
        if self.answered:
            return
        if not self.verdict.passed:
            self._flash(CANNOT_APPROVE)
            self.app.bell()
            return
        self.answer(Decision(DecisionKind.APPROVED, OPERATOR, self.now()))

    def action_reject(self) -> None:
        if self.answered:
            return
        reason = self.query_one("#card-reason-input", Input)
        reason.display = True
        self.query_one("#card").add_class("-asking")
        self.set_focus(reason)  # at once: an Enter in the same read must reach the box

    def action_close_reason(self) -> None:
        reason = self.query_one("#card-reason-input", Input)
        if reason.display:
            reason.value = ""
            reason.display = False
            self.query_one("#card").remove_class("-asking")
            self.query_one("#card-checks", DataTable).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.reject(event.value.strip() or "rejected")

    # ---- text ----------------------------------------------------------------------------------------------------

    def _flash(self, text: str) -> None:
        message = self.query_one("#card-message", Static)
        message.update(text)
        message.display = True
        self._flash_until = self.now() + timedelta(seconds=FLASH_SECONDS)

    def _display_symbol(self) -> str:
        facts = self.verdict.facts
        if facts is not None and facts.instrument is not None:
            return facts.instrument.display
        return _cut(self.proposal.symbol, 40)

    def _queued_text(self) -> str:
        return f"(+{self.queued} more waiting)" if self.queued > 0 else ""

    def _notional_text(self) -> str:
        facts = self.verdict.facts
        if facts is None or facts.instrument is None or facts.notional is None:
            return "notional: unknown"
        local = money(facts.notional, facts.instrument.currency)
        if facts.base_currency == facts.instrument.currency:
            return f"notional: {local}"
        base = money(facts.notional_base, facts.base_currency) if facts.notional_base is not None else "unknown"
        return f"notional: {local} = {base}"

    def _verdict_text(self) -> str:
        checks = self.verdict.checks
        counts = {o: sum(c.outcome is o for c in checks) for o in CheckOutcome}
        tally = f"{counts[CheckOutcome.PASS]} pass, {counts[CheckOutcome.WARN]} warn, {counts[CheckOutcome.FAIL]} fail"
        if not self.verdict.passed:
            return f"checks: {tally} -- FAILED: cannot be approved"
        return f"checks: {tally} -- passed"

    def _keys_text(self) -> str:
        approve = "y approve" if self.verdict.passed else "y (not allowed)"
        return f"{approve}   n reject"

    def _countdown_text(self, now: datetime) -> str:
        left = max(0, math.ceil((self.deadline - now).total_seconds()))
        return f"expires in {left} s"

    def _quote_text(self) -> str:
        quote = self.quote
        if quote is None:
            return "quote: none"
        parts = [
            f"bid {num(quote.bid)}" + (f" x {num(quote.bid_size)}" if quote.bid_size is not None else ""),
            f"ask {num(quote.ask)}" + (f" x {num(quote.ask_size)}" if quote.ask_size is not None else ""),
            f"last {num(quote.last)}",
        ]
        change = quote.change_pct if _finite(quote.last) and _finite(quote.prev_close) else None
        if change is not None:
            parts.append(f"{change:+.2f}% today")
        limit = self.proposal.limit_price
        if _finite(limit) and limit and _finite(quote.last):
            parts.append(f"last vs limit {(quote.last - limit) / limit * 100:+.2f}%")  # type: ignore[operator]
        flags = [flag for flag, on in (("DELAYED", quote.delayed), ("STALE", quote.stale)) if on]
        when = ""
        if quote.time is not None:
            when = f" at {quote.time:%H:%M:%S}"
            with contextlib.suppress(TypeError):  # naive and aware times: show the time alone
                when += f" ({max(0, int((self.now() - quote.time).total_seconds()))} s ago)"
        return f"quote{when}: " + ", ".join(parts) + "".join(f" {flag}" for flag in flags)


def order_line(proposal: Proposal, symbol: str) -> str:
    """The order in words and numbers: "BUY 300 0700.HK limit 402.20, stop 390.00, target 425.00"."""
    p = proposal
    if p.order_type is OrderType.MARKET:
        how = "market"
    else:
        how = ("limit" if p.order_type is OrderType.LIMIT else "stop-entry") + (
            f" {num(p.limit_price)}" if p.limit_price is not None else ""
        )
    extras = [f"{label} {num(value)}" for label, value in (("stop", p.stop_loss), ("target", p.take_profit))
              if value is not None]  # fmt: skip
    return f"{p.side} {num(p.quantity)} {symbol} {how}" + "".join(f", {extra}" for extra in extras)


def num(value: Decimal | None) -> str:
    """A price or a quantity as given ("402.20", "300"); an absurd one (NaN, 1E+999999) stays short."""
    if value is None:
        return "-"
    if not value.is_finite() or not -7 <= value.adjusted() <= 15:
        return _cut(str(value), 24)
    return format(value, "f")


def money(amount: Decimal, currency: str) -> str:
    if not amount.is_finite() or abs(amount.adjusted()) > 15:
        return f"{currency} {_cut(str(amount), 24)}"
    return f"{currency} {amount:,.2f}"


def _finite(value: Decimal | None) -> bool:
    return value is not None and value.is_finite()


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
