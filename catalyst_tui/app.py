"""The operator's console: four panes, a banner, a status bar, and keys; the engine runs in named workers.

The feed never touches a widget: the broker keeps the latest of everything, and one timer draws it at
`ui.quote_refresh_hz`. Cycles, the schedule and the engine are workers with groups of their own, so the screen
never waits on the broker, the model or the database, and an error in a cycle is shown, never fatal.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from catalyst_tui import markets
from catalyst_tui.agent.events import CycleClosed, CycleOpened, Event
from catalyst_tui.clock import Clock
from catalyst_tui.config import BrokerSource, Mode, Settings
from catalyst_tui.config.schema import Keys
from catalyst_tui.desk import day_start
from catalyst_tui.engine import Engine
from catalyst_tui.journal import JournalError, JournalState, JournalStatus
from catalyst_tui.logs import crash_report, known_secrets
from catalyst_tui.models import Decision, Market, Position, Proposal
from catalyst_tui.risk import Verdict
from catalyst_tui.tui_approver import CardApprover
from widgets.approval import ApprovalCard
from widgets.dialogs import ConfirmPanel, HelpPanel, KillPanel, Question
from widgets.keybar import KeyBar
from widgets.main_screen import MainScreen
from widgets.orders import OrdersTable
from widgets.positions import PositionsTable
from widgets.quotes import LiveQuotes, QuoteBoard
from widgets.status import Banner, StatusBar
from widgets.transcript import TranscriptView

W = TypeVar("W", bound=Widget)
T = TypeVar("T")
PANES = ("Positions", "Orders", "Quotes", "Transcript")
NARROW_WIDTH, SHORT_HEIGHT = 100, 30  # below either, one pane at a time (keys 1-4)
COST_EVERY_SECONDS = 10
JOURNAL_ALERT_SECONDS = 60  # a journal that takes nothing stops new entries: the toast stays a while


class CatalystApp(App[int]):
    TITLE = "Catalyst"
    ENABLE_COMMAND_PALETTE = False  # in supervised mode the card is the only path to the broker
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "cycle", "Cycle", id="cycle"),
        Binding("m", "mode", "Mode", id="mode"),
        Binding("k", "kill", "Kill", id="kill"),
        Binding("x", "cancel_order", "Cancel order", id="cancel"),
        Binding("t", "thinking", "Thinking", id="thinking"),
        Binding("r", "resume", "Resume", id="resume"),
        Binding("question_mark", "help", "Help", id="help", key_display="?"),
        Binding("q", "quit_app", "Quit", id="quit"),
        Binding("escape", "close_help", "Close", id="help.close"),
        Binding("q", "close_help", "Close", show=False, id="help.q"),
        *(Binding(str(n), f"pane({n - 1})", pane, show=False) for n, pane in enumerate(PANES, 1)),
    ]
    OWN_ACTIONS = frozenset(b.action.partition("(")[0] for b in BINDINGS if isinstance(b, Binding))
    # A question's keys: priority, so that a focused pane's own enter or y never takes them; live only while
    # that question is open (check_action). The question is not focused: moving focus restyles the screen.
    BINDINGS += [
        Binding("y", "kill_choice('halt')", "Halt", priority=True, id="kill.halt"),
        Binding("f", "kill_choice('flatten')", "Halt and flatten", priority=True, id="kill.flatten"),
        Binding("n", "kill_choice(None)", "Cancel", priority=True, id="kill.cancel"),
        Binding("escape", "kill_choice(None)", "Cancel", show=False, priority=True, id="kill.escape"),
        Binding("y", "confirm(True)", "Yes", priority=True, id="confirm.yes"),
        Binding("enter", "confirm(True)", "Yes", show=False, priority=True, id="confirm.enter"),
        Binding("n", "confirm(False)", "No", priority=True, id="confirm.no"),
        Binding("escape", "confirm(False)", "No", show=False, priority=True, id="confirm.escape"),
    ]
    ANSWERS: ClassVar[dict[str, type[Question[Any]]]] = {"confirm": ConfirmPanel, "kill_choice": KillPanel}
    CSS = """
    Screen { layers: base dialog; align: center middle; }
    #help-panel { layer: dialog; display: none; }
    Question { layer: dialog; display: none; }
    #panes { grid-size: 2 2; grid-columns: 5fr 6fr; grid-rows: 1fr 1fr; height: 1fr; }
    .pane { border: round $primary; border-title-align: left; }
    .pane:focus-within { border: round $accent; }
    #panes.narrow { grid-size: 1 1; grid-columns: 1fr; grid-rows: 1fr; }
    #panes.narrow > .pane { display: none; }
    #panes.narrow > .pane.shown { display: block; }
    """

    def __init__(self, settings: Settings, env: Mapping[str, str], clock: Clock, live: bool = False) -> None:
        super().__init__()
        self.settings, self.env, self.clock, self.live = settings, env, clock, live
        self.engine: Engine | None = None
        self.approver = CardApprover(self._ask)
        self.card: ApprovalCard | None = None
        self.note = "starting: connecting to the gateway"
        self.llm_cost: Decimal | None = None
        self.shown_pane = 3
        self.journal_failed = False
        self.help_panel = HelpPanel(id="help-panel")
        self.confirm_panel, self.kill_panel = ConfirmPanel(id="confirm-panel"), KillPanel(id="kill-panel")
        self.question: Question[Any] | None = None  # the dialog on screen, if any
        self._stop = asyncio.Event()  # set to shut the engine down in order before the app exits
        self.animation_level = "none"
        chosen = settings.ui.keys
        wanted = {"cycle": chosen.cycle, "mode": chosen.mode, "kill": chosen.kill, "help": chosen.help,
                  "quit": chosen.quit}  # fmt: skip
        default = Keys()
        # Only what differs: a remapped binding moves to the end of the footer.
        self.set_keymap({k: v for k, v in wanted.items() if getattr(default, k) != v})

    def get_default_screen(self) -> Screen[object]:
        """Quotes change a few lines many times a second: the main screen draws only the cells that changed, as soon
        as they change."""
        return MainScreen(id="_default")

    def compose(self) -> ComposeResult:
        yield Banner(id="banner")
        with Grid(id="panes"):
            for pane, widget in zip(PANES, self._pane_widgets(), strict=True):
                with Vertical(classes="pane", id=f"pane-{pane.lower()}") as box:
                    box.border_title = pane
                    yield widget
        yield StatusBar(id="status")
        yield KeyBar(id="keys")

    def _pane_widgets(self) -> tuple[object, ...]:
        return (PositionsTable(id="positions"), OrdersTable(id="orders"), QuoteBoard(id="quotes"),
                TranscriptView(max_lines=self.settings.ui.transcript_max_lines, id="transcript"))  # fmt: skip

    def pane(self, kind: type[W] | str, expect: type[W] | None = None) -> W:
        """A widget of the main screen: `query_one` looks in the screen on top, which may be a card or a dialog."""
        return self.screen_stack[0].query_one(kind, expect)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        self.theme = self.settings.ui.theme
        self.set_interval(1 / self.settings.ui.quote_refresh_hz, self.draw, name="draw")
        self.set_interval(1, self._tick_card, name="card-countdown")
        self.set_interval(COST_EVERY_SECONDS, self._refresh_cost, name="llm-cost")
        self._fit(self.size.width, self.size.height)

    def on_ready(self) -> None:
        """The first frame is out: the banner and status bar follow at once, not at the draw timer's first tick, and
        only then does the engine start, whose imports and simulator warm-up would share the CPU with that frame.
        The dialogs, hidden until asked for, are mounted then too: before the panes, as paint order counts from the
        last child, so showing one renumbers nothing."""
        self.screen_stack[0].mount(self.confirm_panel, self.kill_panel, self.help_panel, before=0)
        self.draw()
        self.run_engine()

    def _fatal_error(self) -> None:
        """Textual's crash report lists every frame's local variables, the settings and their journal URL among
        them; this one is the plain traceback, with every known secret redacted. The log file has it too."""
        logging.getLogger(__name__).critical("the console crashed", exc_info=True)
        self.bell()
        self.panic(Text(crash_report(known_secrets(self.env, [self.settings.journal.url]))))

    # The engine and its workers

    @work(group="engine", exit_on_error=False, name="engine")
    async def run_engine(self) -> None:
        async with Engine.started(self.settings, self.env, self.clock, self.approver, self.live) as engine:
            self.engine = engine
            engine.runner.listeners.append(self._on_event)
            engine.journal.status_listeners.append(self._on_journal_status)
            self._on_journal_status(engine.journal.status)
            for notice in engine.notices:
                self.pane(TranscriptView).note(notice)
            problems = await engine.broker.watch(list(self.settings.markets.watchlist))
            self.note = "; ".join(problems)[:200]
            gc.freeze()  # what start-up built lives all session: the collector need not walk it again (key latency)
            if self.settings.schedule.enabled:
                self.run_schedule()
            await self._stop.wait()

    @work(group="schedule", exit_on_error=False, name="scheduler")
    async def run_schedule(self) -> None:
        assert self.engine is not None
        self.engine.scheduler.start = self._scheduled_cycle
        await self.engine.scheduler.run()

    async def _scheduled_cycle(self, market: str, trigger: str) -> object:
        return await self.start_cycle(market, trigger).wait()

    def start_cycle(self, market: str, trigger: str) -> Worker[object]:
        assert self.engine is not None
        return self.run_worker(self.engine.runner.run(market, trigger), group="cycle", name=f"cycle-{market}",
                               exit_on_error=False)  # fmt: skip

    def _on_event(self, event: Event) -> None:
        """Called by the cycle runner, which may still be finishing while the console closes."""
        try:
            view = self.pane(TranscriptView)
        except NoMatches:
            return
        if isinstance(event, CycleOpened):
            view.open_cycle(event.cycle_id, event.market, event.at, event.brain)
        elif isinstance(event, CycleClosed):
            view.close_cycle(event.outcome, event.cost_usd)
            if event.outcome in ("error", "unavailable"):
                self.note = f"last cycle {event.outcome}: {event.reason}"[:200]
        else:
            view.add(event)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            self.note = f"{event.worker.name} failed: {type(error).__name__}: {error}"[:200]
            self.pane(TranscriptView).note(f"ERROR {self.note}")

    # Drawing, at a fixed rate

    def draw(self) -> None:
        if not self.is_running or not self.screen_stack or not self.screen_stack[0].is_mounted:
            return  # the console is closing: Textual prunes the panes before it stops this timer
        now = self.clock.now()
        engine = self.engine
        transcript = self.pane(TranscriptView)
        transcript.flush()
        broker = engine.broker if engine else None
        account = broker.account() if broker else None
        base = account.base_currency if account else "USD"
        if broker is not None:
            positions = broker.positions()
            self.pane(PositionsTable).show(positions, base)
            self.pane(OrdersTable).show(broker.open_orders())
            self.pane(QuoteBoard).show(self._quotes(positions), now)
        state = engine.desk.states.state.value if engine else "STARTING"
        mode = engine.desk.mode if engine else self.settings.agent.mode
        self.pane(Banner).show(self._kind(), mode.value.upper(), state)
        due = engine.scheduler.next_due if engine else None
        hk, us = self._phases(now)
        self.pane(StatusBar).show(
            broker.state if broker else None, hk, us,
            due.at if due else None, now, account.daily_pnl if account else None, base, self.llm_cost, self._note(),
        )  # fmt: skip

    def _quotes(self, positions: list[Position]) -> LiveQuotes:
        assert self.engine is not None
        symbols = [*self.settings.markets.watchlist, *(p.instrument.display for p in positions)]
        return LiveQuotes(symbols, self.engine.broker.quote)

    def _phases(self, now: datetime) -> tuple[str, str]:
        """The exchanges' own phases, or the simulator's round-the-clock market when that is what trades."""
        broker = self.settings.broker
        if broker.source is BrokerSource.SIM and broker.sim_always_open:
            return "open (sim)", "open (sim)"
        return markets.phase(Market.HK, now).value, markets.phase(Market.US, now).value

    def _kind(self) -> str:
        if self.settings.broker.source is BrokerSource.SIM:
            return "SIMULATED"
        paper = self.engine.broker.state.is_paper if self.engine else None
        return "CONNECTING" if paper is None else ("PAPER" if paper else "LIVE")

    def _note(self) -> str:
        status = self.engine.journal.status if self.engine else None
        if status is not None and status.state is JournalState.FAILED:
            return f"JOURNAL FAILED, new entries stopped: {status.reason}"
        if status is not None and status.state is not JournalState.WRITING:
            return f"journal {status.state} ({status.spooled} waiting)"
        return self.note

    def _on_journal_status(self, status: JournalStatus) -> None:
        """Nothing new is traded while the journal takes no record: say so at once, in a toast that no width of the
        status bar can crowd out, and say when it is over."""
        failed = status.state is JournalState.FAILED
        if failed and not self.journal_failed:
            self.notify(status.reason, title="Journal failed: new entries stopped", severity="error",
                        timeout=JOURNAL_ALERT_SECONDS)  # fmt: skip
        elif self.journal_failed and not failed:
            self.notify("The journal takes records again: new entries are allowed.", title="Journal back")
        self.journal_failed = failed

    @work(group="cost", exclusive=True, exit_on_error=False, name="llm-cost")
    async def _refresh_cost(self) -> None:
        if self.engine is not None:
            try:
                self.llm_cost = await self.engine.journal.cost_since(day_start(self.clock.now()))
            except JournalError:
                self.llm_cost = None

    # Approvals

    async def _ask(self, proposal: Proposal, verdict: Verdict, waiting: int) -> Decision:
        card = ApprovalCard(proposal, verdict, self.settings.agent.approval_timeout_seconds, self.clock.now,
                            queued=waiting)  # fmt: skip
        answered: asyncio.Future[Decision] = asyncio.get_running_loop().create_future()
        self.card = card
        self.push_screen(card, callback=lambda decision: answered.done() or answered.set_result(decision))
        try:
            return await answered
        finally:
            self.card = None

    def _tick_card(self) -> None:
        if self.card is not None and self.engine is not None:
            facts = self.card.verdict.facts
            symbol = facts.instrument.display if facts and facts.instrument else None
            self.card.update_quote(self.engine.broker.quote(symbol) if symbol else None)
            self.card.tick()

    # Keys

    def action_cycle(self) -> None:
        if self.engine is None:
            self.notify("Not connected yet.", severity="warning")
        elif any(w.group == "cycle" and w.is_running for w in self.workers):
            self.notify("A cycle is already running.", severity="warning")
        else:
            self.start_cycle("all", "operator")

    @work(group="keys", exit_on_error=False)
    async def action_mode(self) -> None:
        if self.engine is None:
            return
        to = Mode.SUPERVISED if self.engine.desk.mode is Mode.AUTOPILOT else Mode.AUTOPILOT
        r = self.settings.risk
        limits = (f"Orders will be sent without asking, within: order ≤ {r.max_order_value}, position ≤ "
                  f"{r.max_position_pct}% of equity, ≤ {r.max_orders_per_day} orders a day, daily loss halts at "
                  f"{r.daily_loss_hard_pct}%.")  # fmt: skip
        detail = limits if to is Mode.AUTOPILOT else "Every order will wait for your y."
        if await self.ask(self.confirm_panel.put(f"Switch to {to.value.upper()}?", detail)):
            self.engine.desk.set_mode(to)

    @work(group="keys", exit_on_error=False)
    async def action_kill(self) -> None:
        if self.engine is None:
            return
        choice = await self.ask(self.kill_panel)
        if choice is not None:
            await self.engine.kill(flatten=choice == "flatten")
            self.notify("HALTED: working orders cancelled" + (", positions closing" if choice == "flatten" else ""))

    @work(group="keys", exit_on_error=False)
    async def action_resume(self) -> None:
        if self.engine is None or self.engine.desk.states.state.value not in ("HALTED", "REDUCING"):
            return
        if await self.ask(self.confirm_panel.put("Resume trading (back to ACTIVE)?")):
            self.engine.desk.states.resume("resumed at the console")
            if self.settings.schedule.enabled and not any(w.group == "schedule" and w.is_running for w in self.workers):
                self.run_schedule()

    @work(group="keys", exit_on_error=False)
    async def action_cancel_order(self) -> None:
        intent = self.pane(OrdersTable).selected_intent()
        if self.engine is None or intent is None:
            return
        if await self.ask(self.confirm_panel.put(f"Cancel order {intent} (and its bracket)?")):
            cancelled = await self.engine.desk.cancel(intent)
            self.notify(f"cancelled {len(cancelled)} order(s)")

    def action_thinking(self) -> None:
        view = self.pane(TranscriptView)
        view.show_thinking = not view.show_thinking

    def action_help(self) -> None:
        """Show or hide the help panel over the panes. (A dialog on screen is modal: this key does not reach here.)"""
        if not self.help_panel.is_mounted:
            return  # the first frame is not out yet
        if self.help_panel.display:
            self.action_close_help()
            return
        bindings = [active.binding for active in self.active_bindings.values()]
        self.help_panel.list_keys(
            [(self.get_key_display(b), b.description) for b in bindings if b.show and b.description]
        )
        self.help_panel.display = True
        self.refresh_bindings()

    def action_close_help(self) -> None:
        self.help_panel.display = False
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A dialog or the help over the panes is modal: of the console's own keys only its keys work (Textual's,
        such as ctrl+q, still do)."""
        if action == "close_help":
            return self.help_panel.display and self.question is None
        if action in self.ANSWERS:  # and only on the main screen: a card that came up over it takes its own y and n
            return isinstance(self.question, self.ANSWERS[action]) and self.screen is self.screen_stack[0]
        if action not in self.OWN_ACTIONS:
            return True
        if self.question is not None:
            return False
        return action == "help" or not self.help_panel.display

    async def ask(self, question: Question[T]) -> T:
        """Show a question over the panes and wait for its answer."""
        self.question = question
        answered = question.open()
        question.display = True
        self.refresh_bindings()
        try:
            return await answered
        finally:
            self.question = None
            question.display = False
            self.refresh_bindings()

    def action_confirm(self, value: bool) -> None:
        if self.question is not None:
            self.question.answer(value)

    def action_kill_choice(self, choice: str | None) -> None:
        if self.question is not None:
            self.question.answer(choice)

    def action_pane(self, index: int) -> None:
        self.shown_pane = index
        self._fit(self.size.width, self.size.height)

    @work(group="keys", exit_on_error=False)
    async def action_quit_app(self) -> None:
        busy = self.engine is not None and (
            self.engine.broker.open_orders() or any(w.group == "cycle" and w.is_running for w in self.workers)
        )
        if not busy or await self.ask(self.confirm_panel.put("Quit? Orders are working or a cycle is running.",
                                                                 "Working orders stay at IB.")):  # fmt: skip
            await self.shut_down()
            self.exit(0)

    async def shut_down(self) -> None:
        """Cycles and the schedule stop, the broker disconnects, the journal writes what it holds."""
        self.workers.cancel_group(self, "cycle")
        self.workers.cancel_group(self, "schedule")
        self._stop.set()
        for worker in [w for w in self.workers if w.group == "engine"]:
            await worker.wait()

    def on_resize(self, event: object) -> None:
        self._fit(self.size.width, self.size.height)

    def _fit(self, width: int, height: int) -> None:
        """Wide enough, the four panes side by side; smaller (80×24), one at a time like tabs, keys 1-4."""
        narrow = width < NARROW_WIDTH or height < SHORT_HEIGHT
        self.pane("#panes", Grid).set_class(narrow, "narrow")
        others = "  ".join(f"{n}:{p}" for n, p in enumerate(PANES, 1) if n - 1 != self.shown_pane)
        for n, pane in enumerate(PANES):
            box = self.pane(f"#pane-{pane.lower()}", Vertical)
            box.set_class(n == self.shown_pane, "shown")
            box.border_title = f"{pane}  ({others})" if narrow else pane
