"""The disk under the SQLite journal fills up: one clear message, no new entries, nothing acknowledged lost, and the
journal back by itself once space is freed.

A real full disk: the console (or `catalyst cycle`) runs in a user and mount namespace of its own, with a small tmpfs
mounted over its data directory, where writes fail with ENOSPC as on any full disk. The simulator runs here, in the
test's process, on the real clock; the namespace shares the network, so the child reaches it on 127.0.0.1. What the
child wrote is read here through /proc/PID/root, the child's view of the files.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from brokers.sim.server import SimGateway
from catalyst_tui.clock import RealClock
from tests.integration.conftest import journal_rows, running_gateway
from tests.integration.reliability.full_disk_child import LEFT_FREE

REPO = Path(__file__).resolve().parents[3]
DISK_SIZE = "4m"
REQUIRE = "CATALYST_REQUIRE_UNSHARE"
STEP_SECONDS = 60.0  # a bound on a hung child, not a wait: a loaded machine takes 10 s to start the console
NO_SPACE = "no space left on device"
CONSOLE = (sys.executable, "-m", "tests.integration.reliability.full_disk_child")
CYCLE = (sys.executable, "-m", "tests.integration.reliability.full_disk_cycle")


def on_small_disk(disk: Path, *command: str) -> list[str]:
    """`command` in namespaces of its own, where a tmpfs of DISK_SIZE is mounted over `disk` (here it stays empty)."""
    return ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
            f'mount -t tmpfs -o size={DISK_SIZE} tmpfs "$0" && exec "$@"', str(disk), *command]  # fmt: skip


@functools.cache
def unshare_problem() -> str | None:
    if shutil.which("unshare") is None:
        return "there is no unshare command"
    with tempfile.TemporaryDirectory() as scratch:
        tried = subprocess.run(on_small_disk(Path(scratch), "true"), capture_output=True, text=True, timeout=10)
    return None if tried.returncode == 0 else f"unshare --user --mount cannot mount a tmpfs: {tried.stderr.strip()}"


@pytest.fixture(autouse=True)
def small_disks() -> None:
    """A machine without user namespaces cannot run these; in CI ($CATALYST_REQUIRE_UNSHARE=1) that is a failure."""
    problem = unshare_problem()
    if problem and os.environ.get(REQUIRE) == "1":
        pytest.fail(f"{problem}, and {REQUIRE}=1")
    if problem:
        pytest.skip(f"{problem}; set {REQUIRE}=1 to make this a failure")


@pytest.fixture
async def sim() -> AsyncIterator[SimGateway]:
    async with running_gateway(RealClock(), seed=7, always_open=True) as gateway:
        yield gateway


def at_the_sim(sim: SimGateway) -> dict[str, str]:
    """Every order the simulator was sent, by orderRef (the intent id), with its status now."""
    return {o.order_ref: o.status for o in sim.broker.orders.values()}


def bracket(intent: str) -> set[str]:
    return {intent, f"{intent}:tp", f"{intent}:sl"}


class Console:
    """The console in the child: each step's report, and the go-ahead for the next."""

    def __init__(self, process: asyncio.subprocess.Process, disk: Path, errors: Path) -> None:
        self.process, self.disk, self.errors = process, disk, errors

    async def step(self, name: str) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), STEP_SECONDS)
        if not line:
            raise AssertionError(f"the console ended before {name!r}:\n{self.errors.read_text()}")
        report: dict[str, Any] = json.loads(line)
        assert report.pop("step") == name, report
        return report

    async def go(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(b"go\n")
        await self.process.stdin.drain()

    def journal_copy(self, to: Path) -> str:
        """The journal on the child's disk, copied through /proc/PID/root (SQLite itself would resolve that link to
        this namespace's empty directory); answers the copy's URL."""
        there = Path(f"/proc/{self.process.pid}/root") / self.disk.relative_to("/") / "catalyst"
        to.mkdir()
        for file in there.glob("journal.sqlite3*"):
            shutil.copy(file, to / file.name)
        return f"sqlite:///{to / 'journal.sqlite3'}"


@asynccontextmanager
async def console_on_small_disk(tmp_path: Path, port: int) -> AsyncIterator[Console]:
    disk, errors = tmp_path / "disk", tmp_path / "child.stderr"
    disk.mkdir()
    command = on_small_disk(disk, *CONSOLE, str(disk), str(port), str(tmp_path / "state"))
    with errors.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            *command, cwd=REPO, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=stderr
        )
    try:
        yield Console(process, disk, errors)
        assert await asyncio.wait_for(process.wait(), STEP_SECONDS) == 0, errors.read_text()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_a_full_disk_stops_new_entries_says_why_and_heals_when_space_is_freed(
    tmp_path: Path, sim: SimGateway
) -> None:
    async with console_on_small_disk(tmp_path, sim.port) as console:
        journal_file = f"{console.disk}/catalyst/journal.sqlite3"
        working = await console.step("working")
        first, second = (r["intent"] for r in working["results"])
        assert [r["decided_by"] for r in working["results"]] == ["autopilot", "autopilot"]
        placed = at_the_sim(sim)
        assert set(placed) == bracket(first) | bracket(second)
        assert placed[first] == placed[second] == "Submitted"  # 2% under the ask: working, not filled
        await console.go()

        full = await console.step("full")
        # The session's own writes ran the disk out; what was acknowledged before is durable (checked at the end).
        assert 0 < full["left"] <= LEFT_FREE and full["acknowledged"], full
        message = full["refusal"]
        assert message.startswith(
            f"{NO_SPACE} for the journal at {journal_file}, and the spool failed too ({NO_SPACE} at "
        )
        assert message.endswith("new entries stopped; free space and the journal resumes by itself")
        assert full["journal"] == ["failed", message]
        assert (
            f"| JOURNAL FAILED, new entries stopped: {NO_SPACE} for the journal at {journal_file}, "
            in full["status_bar"]
        )
        failed_toast = f"Journal failed: new entries stopped: {message}"
        assert failed_toast in full["toasts"]
        await console.go()

        refused = await console.step("refused")
        assert refused["decided_by"] == "journal" and refused["intent"] is None
        assert refused["reason"] == f"the journal could not record it: {message}"
        assert at_the_sim(sim) == placed and set(sim.broker.placements) == set(placed)  # nothing new was sent
        await console.go()

        # Cancels and the kill switch take risk off: they go through with the journal down.
        cancelled = await console.step("cancelled")
        assert cancelled["selected"] in (first, second)
        assert at_the_sim(sim) == dict.fromkeys(placed, "Cancelled")
        assert "HALTED" in cancelled["banner"]
        await console.go()

        recovered = await console.step("recovered")
        assert recovered["seconds"] < 5  # the journal retries every 2 s: no restart, no key to press
        assert "JOURNAL FAILED" not in recovered["status_bar"]
        back = "Journal back: The journal takes records again: new entries are allowed."
        assert [t for t in recovered["toasts"] if t.startswith("Journal")] == [failed_toast, back]  # once each
        await console.go()

        traded = await console.step("traded")
        assert traded["decided_by"] == "autopilot" and traded["intent"]
        assert at_the_sim(sim)[traded["intent"]] == "Submitted"
        await console.go()

        await console.step("closed")
        url = console.journal_copy(tmp_path / "after")
        decisions = {r["record_id"] for r in journal_rows(url, "SELECT record_id FROM decision_log")}
        proposals = {r["id"] for r in journal_rows(url, "SELECT id FROM proposals")}
        statuses = {str(r["intent_id"]): r["status"] for r in journal_rows(url, "SELECT intent_id, status FROM orders")}
        orders = set(statuses)
        assert journal_rows(url, "PRAGMA integrity_check") == [{"integrity_check": "ok"}]
        await console.go()

    assert set(full["acknowledged"]) <= decisions  # every acknowledged write survived the full disk
    assert refused["proposal"] not in proposals  # what was refused was never traded, nor recorded
    assert {r["proposal"] for r in [*working["results"], traded]} <= proposals
    assert bracket(first) | bracket(second) | {traded["intent"]} <= orders

    log = (tmp_path / "state" / "catalyst" / "catalyst.log").read_text()
    assert log.count(f"ERROR catalyst_tui.journal.journal: journal now failed (0 spooled): {message}\n") == 1
    assert log.count("INFO catalyst_tui.journal.journal: journal now writing") == 1  # no flapping on the way back
    # What the broker reported while the disk was full (the cancels) was held in memory and written once it had room.
    assert {statuses[i] for i in bracket(first) | bracket(second)} == {"Cancelled"}
    assert "were lost while the journal" not in log
    assert "Traceback" not in log and "Traceback" not in (tmp_path / "child.stderr").read_text()


async def test_catalyst_cycle_on_a_full_disk_says_why_in_one_line_and_sends_nothing(
    tmp_path: Path, sim: SimGateway
) -> None:
    disk, state = tmp_path / "disk", tmp_path / "state"
    disk.mkdir()
    env = {**os.environ, "XDG_DATA_HOME": str(disk), "XDG_STATE_HOME": str(state),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        *on_small_disk(disk, *CYCLE, str(disk), str(sim.port)), cwd=REPO, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = (text.decode() for text in await asyncio.wait_for(process.communicate(), 60))

    assert process.returncode == 1, out + err
    [line] = err.splitlines()
    assert re.fullmatch(
        f"catalyst cycle: {NO_SPACE} for the journal at {disk}/catalyst/journal.sqlite3, and the spool failed too "
        rf"\({NO_SPACE} at {disk}/catalyst/journal-spool-\w+\.jsonl\): new entries stopped; "
        "free space and the journal resumes by itself",
        line,
    ), line
    assert sim.broker.placements == {}  # the agent never ran: no order without a record of it
    log = (state / "catalyst" / "catalyst.log").read_text()
    assert (
        f"ERROR catalyst_tui.journal.journal: journal now failed (0 spooled): {line.removeprefix('catalyst cycle: ')}"
        in log
    )
    assert "Traceback" not in out + err + log
