"""SIGKILL a process while it journals: every group it was told is safe is there, whole; nothing is half there."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from catalyst_tui.journal import open_store
from tests.integration.journal.writer_child import CHECKS

REPO = Path(__file__).resolve().parents[3]
ACKNOWLEDGED_BEFORE_KILL = 40


def run_until_killed(url: str, spool_dir: Path) -> list[int]:
    """The numbers of the groups the child's journal acknowledged before it died."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.journal.writer_child", url, str(spool_dir)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stdout is not None
    acknowledged: list[int] = []
    try:
        for line in child.stdout:
            acknowledged.append(int(line))
            if len(acknowledged) == ACKNOWLEDGED_BEFORE_KILL:
                child.send_signal(signal.SIGKILL)  # mid-stream: the next group is already on its way
                break
        child.wait(timeout=30)
    finally:
        child.kill()
    assert child.returncode == -signal.SIGKILL, child.stderr.read() if child.stderr else ""
    return acknowledged


def test_a_killed_writer_leaves_whole_records_only(journal_url: str, tmp_path: Path) -> None:
    acknowledged = run_until_killed(journal_url, tmp_path / "spool")
    store = open_store(journal_url)
    try:
        proposals = {r["id"] for r in store.rows("SELECT id FROM {s}proposals")}
        checks = store.rows("SELECT proposal_id, COUNT(*) AS n FROM {s}proposal_checks GROUP BY proposal_id")
        orders = store.rows("SELECT intent_id, proposal_id, status, broker_order_id FROM {s}orders")
        events = store.rows("SELECT intent_id FROM {s}order_events")
        if journal_url.startswith("sqlite"):
            assert store.rows("PRAGMA integrity_check") == [{"integrity_check": "ok"}]
    finally:
        store.close()
    assert {f"p-{n}" for n in acknowledged} <= proposals  # acknowledged means durable
    assert {r["proposal_id"]: r["n"] for r in checks} == {p: CHECKS for p in proposals}
    assert {r["proposal_id"] for r in orders} == proposals
    assert all(r["status"] == "Submitted" and r["broker_order_id"] for r in orders)
    assert sorted(r["intent_id"] for r in events) == sorted(r["intent_id"] for r in orders)
