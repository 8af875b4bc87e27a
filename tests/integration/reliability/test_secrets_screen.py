"""The console never shows a planted secret. Each screen the operator meets (the panes, an approval card, the help,
the kill switch's question, a model that refuses the key, a journal whose URL libpq quotes back in its error) is
read as the terminal would show it and scanned; so is the crash report of a bug, and a real terminal under tmux.

Planting and scanning: test_secrets.py.
"""

from __future__ import annotations

import io
import re
import shlex
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.pilot import Pilot

from catalyst_tui.app import CatalystApp
from catalyst_tui.clock import ControllableClock
from catalyst_tui.config.schema import Brain, BrokerSettings, BrokerSource, JournalSettings
from tests.fakes.anthropic_server import FakeClaude, error, text, tool_use, turn
from tests.integration.reliability.test_secrets import (
    MALFORMED,
    UNREACHABLE,
    leaks,
    planted,
    with_password,
)
from tests.integration.test_cli_cycle import REPO
from tests.postgres import PostgresServer
from tests.tui.conftest import FROZEN, SIZE, console_settings, ready, wait_for, xdg_env
from tests.tui.test_tmux import Tmux, tmux, until
from widgets.approval import ApprovalCard
from widgets.dialogs import HelpPanel, KillPanel
from widgets.transcript import TranscriptView

__all__ = ["tmux"]  # fixtures

# A bracket buy of AIA that the frozen market's gate passes (see tests/tui/test_snapshots.py), so a card comes up.
AIA = {"symbol": "1299.HK", "side": "BUY", "quantity": 1800, "order_type": "LMT", "limit_price": 72.25,
       "stop_loss": 69.0, "take_profit": 78.75, "reason": "momentum: up on the day on volume, above VWAP"}  # fmt: skip
CYCLE_CLOSED = re.compile(r"^── cycle \S+ \w+, model cost ")


def screen_text(app: CatalystApp) -> str:
    """The terminal's text now: the screen on top over the ones beneath, drawn as `App.export_screenshot` draws."""
    console = Console(width=app.size.width, height=app.size.height, file=io.StringIO(), record=True,
                      force_terminal=True, color_system="truecolor", legacy_windows=False, safe_box=False)  # fmt: skip
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


def console_app(env: dict[str, str], journal: str) -> CatalystApp:
    """Claude, supervised, on the embedded simulator (seed 7) at a frozen 10:00 in Hong Kong; the journal at `journal`,
    which holds the planted database password."""
    broker = replace(BrokerSettings(), source=BrokerSource.SIM, sim_always_open=True, sim_seed=7)
    settings = console_settings(broker)
    claude = replace(settings.agent, brain=Brain.CLAUDE)
    settings = replace(settings, agent=claude, journal=replace(JournalSettings(), url=journal),
                       source_file=REPO / "config" / "settings.yaml")  # fmt: skip
    return CatalystApp(settings, env, ControllableClock(FROZEN))


def cycles_closed(app: CatalystApp) -> int:
    return sum(bool(CYCLE_CLOSED.match(line)) for line in app.pane(TranscriptView).plain_lines())


async def shown_until(pilot: Pilot[Any], condition: Any, what: str) -> str:
    """Wait for `what`, then the screen as the operator sees it."""
    app = pilot.app
    assert isinstance(app, CatalystApp)
    await wait_for(pilot, condition, what)
    app.draw()
    await pilot.pause()
    return screen_text(app)


def scanned(screens: dict[str, str]) -> list[str]:
    return [leak for name, content in screens.items() for leak in leaks(f"the {name}", content)]


async def test_no_screen_of_the_console_shows_a_secret(tmp_path: Path, own_postgres: PostgresServer) -> None:
    env = planted(xdg_env(tmp_path), with_password(own_postgres.new_database()))
    screens: dict[str, str] = {}
    script = (turn(text("Reading the account."), tool_use("get_portfolio", {})),
              turn(text("AIA is up on volume: a bracket buy."), tool_use("execute_trade", AIA)),
              turn(text("The operator said no; nothing more today.")),
              error(401, "authentication_error", "invalid x-api-key"))  # fmt: skip
    with FakeClaude(*script) as claude:
        app = console_app({**env, "ANTHROPIC_BASE_URL": claude.base_url}, env["DATABASE_URL"])
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            screens["main screen"] = await shown_until(pilot, lambda: ready(app), "the console to settle")
            await pilot.press("c")
            screens["approval card"] = await shown_until(pilot, lambda: isinstance(app.screen, ApprovalCard), "a card")
            await pilot.press("n", "enter")
            screens["transcript of the cycle"] = await shown_until(pilot, lambda: cycles_closed(app) == 1, "its end")
            await pilot.press("question_mark")
            screens["help"] = await shown_until(pilot, lambda: app.pane(HelpPanel).display, "the help")
            await pilot.press("escape", "k")
            screens["kill question"] = await shown_until(pilot, lambda: isinstance(app.question, KillPanel), "the kill")
            await pilot.press("n", "c")
            screens["model's 401"] = await shown_until(pilot, lambda: cycles_closed(app) == 2, "the second cycle")
        claude.assert_done()

    assert "Approve?" in screens["approval card"] and "1299.HK" in screens["approval card"]
    assert "AuthenticationError" in screens["model's 401"]  # the failure is on screen, in words
    assert scanned(screens) == []


@pytest.mark.parametrize("url", MALFORMED.values(), ids=MALFORMED.keys())
async def test_a_journal_url_libpq_quotes_back_is_shown_without_its_password(tmp_path: Path, url: str) -> None:
    """The journal spools; `c` skips the cycle because today's model cost cannot be read, and says why, quoting
    libpq's error, which quotes the URL."""
    with FakeClaude() as claude:  # never asked: the cycle stops before the model
        app = console_app(planted(xdg_env(tmp_path), url) | {"ANTHROPIC_BASE_URL": claude.base_url}, url)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            screens = {"main screen, journal spooling": await shown_until(pilot, lambda: ready(app), "the console")}
            await pilot.press("c")
            screens["skipped cycle"] = await shown_until(pilot, lambda: cycles_closed(app) == 1, "the cycle's end")

    assert "journal spoolin" in screens["main screen, journal spooling"]  # the status bar, cut to its width
    assert "model cost is unknown" in screens["skipped cycle"] and "***" in screens["skipped cycle"]
    assert scanned(screens) == []


async def test_a_journal_that_takes_nothing_says_why_without_the_password(tmp_path: Path) -> None:
    """Neither the database (libpq quotes its URL back) nor the spool (its folder is a file) takes the first record
    of a cycle: the console says so in a toast, with the reason."""
    (tmp_path / "a-file").write_text("")
    url = MALFORMED["unclosed-ipv6"]
    env = planted(xdg_env(tmp_path), url) | {"XDG_DATA_HOME": str(tmp_path / "a-file" / "data")}
    app = console_app(env, url)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: ready(app), "the console to settle")
        await pilot.press("c")  # the cycle's first record is the first write
        toast = await shown_until(pilot, lambda: app.journal_failed and app.screen.query("Toast"), "its toast")

    assert "Journal failed" in toast and "IPv6 host address" in toast
    assert leaks("the journal's toast", toast) == []


class BuggyConsole(CatalystApp):
    """The console with a bug behind `c`: it raises, with the settings and the environment in its frame's locals
    and the journal URL in its message."""

    def action_cycle(self) -> None:
        settings, env = self.settings, self.env
        raise RuntimeError(f"a bug, journal {settings.journal.url}, {len(env)} variables")


async def test_the_crash_report_of_a_bug_shows_no_secret(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """Textual's own report prints every frame's locals (the settings, their journal URL); this one must not. The
    log gets the traceback too, redacted by the log file's filter (test_logs.py)."""
    env = planted(xdg_env(tmp_path), UNREACHABLE)
    base = console_app(env, UNREACHABLE)
    app = BuggyConsole(base.settings, env, base.clock)
    with pytest.raises(RuntimeError, match="a bug"):
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_for(pilot, lambda: ready(app), "the console to settle")
            await pilot.press("c")
            await wait_for(pilot, lambda: app.return_code == 1, "the console to close on the bug")
    report = capfd.readouterr().err

    assert "RuntimeError: a bug, journal" in report and "postgresql://pgadmin:[REDACTED]@127.0.0.1:1/journal" in report
    assert "action_cycle" in report  # the traceback, where the bug is
    assert [r.exc_info[0] for r in caplog.records if r.getMessage() == "the console crashed"] == [RuntimeError]
    assert leaks("the crash report", report) == []


def settings_file(tmp_path: Path) -> Path:
    """The repository's settings with the schedule off, so only `c` asks the model; the system prompt beside it."""
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "prompts").symlink_to(REPO / "config" / "prompts")
    text = (REPO / "config" / "settings.yaml").read_text()
    off = re.sub(r"(?m)^(schedule:\n  enabled: )true", r"\1false", text)
    assert off != text
    (folder / "settings.yaml").write_text(off)
    return folder / "settings.yaml"


def test_a_real_terminal_never_shows_a_secret(tmux: Tmux, tmp_path: Path, own_postgres: PostgresServer) -> None:
    """`catalyst --brain claude` under tmux at 120x40, every planted secret in its environment: the panes, a card,
    the help, the kill switch's question, and the terminal once it has quit."""
    env = planted({**xdg_env(tmp_path), "LANG": "C.UTF-8"}, with_password(own_postgres.new_database()))
    screens: dict[str, str] = {}

    def seen(name: str, *words: str) -> bool:
        screens[name] = tmux.screen()
        return all(word in screens[name] for word in words)

    exit_file = tmp_path / "exit-code"

    def quit_answered() -> bool:
        if "Quit?" in tmux.screen():
            tmux.press("y")
        return exit_file.exists()

    with FakeClaude(turn(text("AIA: a bracket buy."), tool_use("execute_trade", AIA)),
                    turn(text("Understood."))) as claude:  # fmt: skip
        env["ANTHROPIC_BASE_URL"] = claude.base_url
        variables = " ".join(f"{name}={shlex.quote(value)}" for name, value in env.items())
        app = shlex.join([sys.executable, "-m", "catalyst_tui", "--config", str(settings_file(tmp_path)), "--brain",
                          "claude"])  # fmt: skip
        tmux.start(f"cd {shlex.quote(str(tmp_path))} && env {variables} {app}; "
                   f"echo EXIT=$? > {shlex.quote(str(exit_file))}", *SIZE)  # fmt: skip
        tmux.run("set-option", "-w", "-t", "catalyst", "remain-on-exit", "on")  # the terminal stays to be read
        until(lambda: seen("main screen", "Positions", "Transcript", "SIMULATED", "1299.HK"), "the panes", tmux)
        tmux.press("c")
        until(lambda: seen("approval card", "Approve?"), "the approval card", tmux)
        tmux.press("n")
        until(lambda: seen("card asking a reason", "reason (optional)"), "the card to ask for a reason", tmux)
        tmux.press("Enter")
        until(lambda: seen("transcript of the cycle", " done, model cost "), "the cycle's end", tmux)
        tmux.press("?")
        until(lambda: seen("help", "escape, ? or q closes this help"), "the help", tmux)
        tmux.press("?")  # not Escape: an escape with a key after it reads as Alt and that key
        until(lambda: "closes this help" not in tmux.screen(), "the help to close", tmux)
        tmux.press("k")
        until(lambda: seen("kill question", "Kill switch: cancel every working order"), "the kill question", tmux)
        tmux.press("n")
        tmux.press("q")
        until(quit_answered, "the console to quit", tmux)
        screens["terminal after quitting"] = tmux.screen()  # whatever the process wrote once it left the screen
        claude.assert_done()

    assert exit_file.read_text().strip() == "EXIT=0" and screens["terminal after quitting"] != ""  # the pane stayed
    assert scanned(screens) == []
