"""`catalyst --sim --brain rules` in a real terminal: tmux runs it at 120x40, the test reads the screen and types.

Without tmux this skips, unless CATALYST_REQUIRE_TMUX=1 (as `.ci/run` sets): then it fails.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from catalyst_tui.paths import default_journal_url
from tests.integration.conftest import journal_rows
from tests.tui.conftest import xdg_env

REPO = Path(__file__).resolve().parents[2]
PANE_TITLES = ("Positions", "Orders", "Quotes", "Transcript")
CYCLE_DONE = re.compile(r"── cycle cyc-\S+ done")
CARD = re.compile(r"Approve\? \S+ (prop-\w+)")
WAIT_SECONDS = 30.0


class Tmux:
    """A tmux server of our own (its own socket and config) running one session, "catalyst"."""

    def __init__(self, socket: str, config: Path) -> None:
        self.socket, self.config = socket, config
        self.socket_path: Path | None = None

    def run(self, *args: str, check: bool = True) -> str:
        """The server inherits this environment; a COLUMNS=80 LINES=24 from the test runner would reach the app in
        the pane, which believes them over the terminal and draws at 80x24."""
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        done = subprocess.run(["tmux", "-L", self.socket, "-f", str(self.config), *args], capture_output=True,
                              text=True, check=check, timeout=10, env=env)  # fmt: skip
        return done.stdout

    def start(self, command: str, width: int, height: int) -> None:
        # The default size too: a window made at 80x24 and resized at once can leave the app drawing at 80x24.
        self.config.write_text(f"set -g default-size {width}x{height}\n")
        self.run("new-session", "-d", "-s", "catalyst", "-x", str(width), "-y", str(height), command)
        found = self.run("display-message", "-p", "#{socket_path}", check=False).strip()
        self.socket_path = Path(found) if found else None

    def screen(self) -> str:
        """What the pane shows now; empty once the session has ended."""
        return self.run("capture-pane", "-p", "-t", "catalyst", check=False)

    def press(self, *keys: str) -> None:
        self.run("send-keys", "-t", "catalyst", *keys)

    def kill(self) -> None:
        self.run("kill-server", check=False)
        if self.socket_path is not None:  # tmux leaves it behind
            self.socket_path.unlink(missing_ok=True)


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        if os.environ.get("CATALYST_REQUIRE_TMUX") == "1":
            pytest.fail("tmux not found, and CATALYST_REQUIRE_TMUX=1")
        pytest.skip("tmux not found")
    server = Tmux(f"catalyst-test-{uuid.uuid4().hex[:12]}", tmp_path / "tmux.conf")
    try:
        yield server
    finally:
        server.kill()


def until(condition: Callable[[], object], what: str, tmux: Tmux) -> None:
    """Poll `condition` for up to WAIT_SECONDS; on a timeout, fail showing the screen as it was."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            screen = tmux.screen() or "(nothing: the session has ended)"
            raise AssertionError(f"timed out waiting for {what}; the screen:\n{screen}")
        time.sleep(0.1)


def test_the_console_starts_runs_a_cycle_and_quits_in_a_terminal(tmux: Tmux, tmp_path: Path) -> None:
    exit_file = tmp_path / "exit-code"
    env = {**xdg_env(tmp_path), "LANG": "C.UTF-8"}
    app = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "catalyst_tui", "--sim", "--brain", "rules"])
    variables = " ".join(f"{name}={shlex.quote(value)}" for name, value in env.items())
    tmux.start(f"cd {shlex.quote(str(REPO))} && env {variables} {app}; echo EXIT=$? > {shlex.quote(str(exit_file))}",
               120, 40)  # fmt: skip
    ready = (*PANE_TITLES, "SIMULATED", "gateway connected")  # before that, `c` says "Not connected yet"
    until(lambda: all(word in tmux.screen() for word in ready), "the panes, the banner and the gateway", tmux)

    tmux.press("c")
    answered: dict[str, str] = {}  # proposal id -> the last key pressed on its card

    def cycle_done() -> bool:
        """Turn down each proposal the rules brain makes (n, then Enter once the reason is asked for)."""
        screen = tmux.screen()
        card = CARD.search(screen)
        if card is None:
            return CYCLE_DONE.search(screen) is not None
        proposal = card.group(1)
        if proposal not in answered:
            tmux.press("n")
            answered[proposal] = "n"
        elif answered[proposal] == "n" and "reason (optional)" in screen:  # n and Enter in one write lose the Enter
            tmux.press("Enter")
            answered[proposal] = "Enter"
        return False

    until(cycle_done, "the cycle to finish in the transcript", tmux)

    tmux.press("q")

    def exited() -> bool:
        if "Quit?" in tmux.screen():
            tmux.press("y")
        return exit_file.exists()

    until(exited, "the console to exit", tmux)
    assert exit_file.read_text().strip() == "EXIT=0"
    # The schedule (every 15 minutes on the simulator) may also run a cycle meanwhile; either way one ran to its end,
    # and every proposal answered on a card was turned down by the operator.
    cycles = journal_rows(default_journal_url(env), "SELECT outcome FROM cycles")
    assert {"outcome": "done"} in cycles
    decided = journal_rows(
        default_journal_url(env), "SELECT decision, decided_by FROM proposals WHERE decision IS NOT NULL"
    )
    assert decided == [{"decision": "rejected", "decided_by": "operator"}] * len(answered)
