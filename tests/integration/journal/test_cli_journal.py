"""`catalyst journal` on both engines: for any order, the operator sees why it was placed, who allowed it and what
became of it; and reading never creates, upgrades or changes a journal."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Mapping
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

from catalyst_tui.cli import main
from catalyst_tui.journal import (
    Check,
    CheckOutcome,
    CycleEnded,
    CycleStarted,
    Decision,
    DecisionKind,
    FillRecorded,
    IntentRecorded,
    OrderChanged,
    Proposal,
    ProposalDecided,
    ProposalMade,
    Record,
    open_for_reading,
    open_store,
)
from catalyst_tui.journal.migrations import MIGRATIONS
from catalyst_tui.journal.writes import write_record
from catalyst_tui.models import BracketRole, Fill, Order, OrderStatus, OrderType, Side
from tests.integration.journal.examples import APPLE as US
from tests.integration.journal.examples import TENCENT as HK
from tests.net import free_port

DAY1 = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # 10:00 in Hong Kong
DAY2 = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)  # the 22nd wherever the tests run
ENTRY = Order("ord-hk", HK, Side.BUY, Decimal(100), OrderType.LIMIT, limit_price=Decimal("402.20"))
STOP = Order(
    "ord-hk-stop", HK, Side.SELL, Decimal(100), OrderType.STOP, stop_price=Decimal("380.00"),
    role=BracketRole.STOP_LOSS, parent_intent_id="ord-hk",
)  # fmt: skip
MARKET = Order("ord-us", US, Side.BUY, Decimal(10), OrderType.MARKET)


def day1() -> list[Record]:
    """A bracket the operator approved: the entry filled, the stop waits."""
    checks = (
        Check("max_order_value", CheckOutcome.WARN, "HKD 40,220", "HKD 50,000", "near the limit"),
        Check("market_open", CheckOutcome.PASS, "open", "open"),
    )
    proposal = Proposal(
        "prop-hk", "execute_trade", "0700.HK", Side.BUY, Decimal(100), OrderType.LIMIT, cycle_id="cyc-1",
        limit_price=Decimal("402.20"), stop_loss=Decimal("380.00"), reason="Results beat; buying the breakout",
    )  # fmt: skip
    filled = replace(ENTRY, status=OrderStatus.FILLED, filled=Decimal(100), broker_order_id=17)
    return [
        CycleStarted("cyc-1", DAY1, "HK", "schedule", "claude", "claude-sonnet"),
        ProposalMade(proposal, DAY1, checks),
        ProposalDecided("prop-hk", Decision(DecisionKind.APPROVED, "operator", DAY1, "size is fine")),
        IntentRecorded(ENTRY, DAY1, "Results beat; buying the breakout", "prop-hk", "cyc-1"),
        IntentRecorded(STOP, DAY1, "stop below the breakout"),
        OrderChanged(filled, DAY1, "filled"),
        FillRecorded(Fill("0001f.01", HK, Side.BUY, Decimal(100), Decimal("402.20"), DAY1, "ord-hk", Decimal("18.50"))),
        CycleEnded("cyc-1", DAY1, "done", 1200, 340, 800, 50, Decimal("0.0123")),
    ]


def day2() -> list[Record]:
    """One proposal the gate refused, one autopilot allowed."""
    fail = Check("max_order_value", CheckOutcome.FAIL, "USD 120,000", "USD 100,000")
    too_big = Proposal(
        "prop-big", "execute_trade", "AAPL", Side.BUY, Decimal(500), OrderType.MARKET, cycle_id="cyc-2",
        reason="All in",
    )  # fmt: skip
    small = Proposal("prop-us", "execute_trade", "AAPL", Side.BUY, Decimal(10), OrderType.MARKET, cycle_id="cyc-2")
    return [
        CycleStarted("cyc-2", DAY2, "US", "operator", "claude"),
        ProposalMade(too_big, DAY2, (fail,)),
        ProposalDecided("prop-big", Decision(DecisionKind.REJECTED, "gate", DAY2, "max_order_value failed")),
        ProposalMade(small, DAY2),
        ProposalDecided("prop-us", Decision(DecisionKind.AUTO, "autopilot", DAY2)),
        IntentRecorded(MARKET, DAY2, "a small starter position", "prop-us", "cyc-2"),
        CycleEnded("cyc-2", DAY2, "error", error="the broker hung up"),
    ]


def write(url: str, *records: Record, migrations: Any = MIGRATIONS) -> None:
    store = open_store(url, migrations)
    try:
        with store.transaction() as tx:
            for record in records:
                write_record(tx, record)
    finally:
        store.close()


def journal(
    capsys: pytest.CaptureFixture[str], *args: str, env: Mapping[str, str] | None = None
) -> tuple[int, str, str]:
    code = main(["journal", *args], {**os.environ, **(env or {})})
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def history(journal_url: str) -> str:
    write(journal_url, *day1(), *day2())
    return journal_url


def as_json(capsys: pytest.CaptureFixture[str], url: str, kind: str, *more: str) -> list[dict[str, Any]]:
    code, out, err = journal(capsys, "--journal", url, kind, "--format", "json", *more)
    assert code == 0, err
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


def pick(row: dict[str, Any], *names: str) -> tuple[Any, ...]:
    return tuple(row[name] for name in names)


def test_an_order_says_why_who_allowed_it_and_what_happened(history: str, capsys: pytest.CaptureFixture[str]) -> None:
    orders = as_json(capsys, history, "orders")
    assert [o["intent_id"] for o in orders] == ["ord-hk", "ord-hk-stop", "ord-us"]  # oldest first
    entry, stop, market = orders
    assert entry["reason"] == "Results beat; buying the breakout"
    assert pick(entry, "decision", "decided_by", "decision_reason") == ("approved", "operator", "size is fine")
    assert (entry["status"], entry["filled"], entry["broker_order_id"]) == ("Filled", "100", 17)
    assert (entry["limit_price"], entry["stop_price"], entry["currency"]) == ("402.20", None, "HKD")
    assert entry["created_at"] == "2026-11-18T02:00:00+00:00"
    # the stop was allowed with its parent, by the same decision
    assert (stop["role"], stop["parent_intent_id"], stop["stop_price"]) == ("stop_loss", "ord-hk", "380.00")
    assert (stop["decision"], stop["decided_by"], stop["proposal_id"]) == ("approved", "operator", "prop-hk")
    assert (market["decision"], market["decided_by"], market["status"]) == ("auto", "autopilot", "PendingSubmit")


def test_decisions_summarise_the_checks_that_failed_or_warned(history: str, capsys: pytest.CaptureFixture[str]) -> None:
    decisions = {d["proposal_id"]: d for d in as_json(capsys, history, "decisions")}
    assert list(decisions) == ["prop-hk", "prop-big", "prop-us"]
    assert decisions["prop-hk"]["checks"] == "max_order_value warn (HKD 40,220 vs limit HKD 50,000; near the limit)"
    refused = decisions["prop-big"]
    assert refused["checks"] == "max_order_value fail (USD 120,000 vs limit USD 100,000)"
    assert (refused["decision"], refused["decided_by"], refused["reason"]) == ("rejected", "gate", "All in")
    assert (decisions["prop-us"]["checks"], decisions["prop-us"]["limit_price"]) == ("", None)


def test_cycles_and_fills(history: str, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = as_json(capsys, history, "cycles")
    assert pick(first, "id", "model", "outcome", "cost_usd") == ("cyc-1", "claude-sonnet", "done", "0.0123")
    tokens = [first[f"{kind}_tokens"] for kind in ("input", "output", "cache_read", "cache_write")]
    assert tokens == [1200, 340, 800, 50]
    assert pick(second, "outcome", "error", "ended_at") == ("error", "the broker hung up", "2026-11-22T15:00:00+00:00")
    [fill] = as_json(capsys, history, "fills")
    assert fill == {
        "exec_id": "0001f.01", "executed_at": "2026-11-18T02:00:00+00:00", "intent_id": "ord-hk", "symbol": "0700.HK",
        "side": "BUY", "quantity": "100", "price": "402.20", "commission": "18.50", "realized_pnl": None,
        "currency": "HKD",
    }  # fmt: skip
    assert Decimal(fill["price"]) * Decimal(fill["quantity"]) == Decimal("40220.00")


def test_csv_is_a_header_and_one_row_each(history: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = journal(capsys, "--journal", history, "orders", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["intent_id"] for r in rows] == ["ord-hk", "ord-hk-stop", "ord-us"]
    assert (rows[0]["limit_price"], rows[0]["decided_by"], rows[0]["stop_price"]) == ("402.20", "operator", "")
    code, out, _ = journal(capsys, "--journal", history, "decisions", "--format", "csv")
    refused = list(csv.DictReader(io.StringIO(out)))[1]
    assert refused["checks"] == "max_order_value fail (USD 120,000 vs limit USD 100,000)"


@pytest.mark.parametrize("columns", [80, 100, 120])
def test_the_table_fits_the_terminal(history: str, capsys: pytest.CaptureFixture[str], columns: int) -> None:
    for kind in ("cycles", "decisions", "orders", "fills"):
        code, out, _ = journal(capsys, "--journal", history, kind, env={"COLUMNS": str(columns)})
        assert code == 0
        lines = out.splitlines()
        assert len(lines) == 2 + {"cycles": 2, "decisions": 3, "orders": 3, "fills": 1}[kind]
        assert max(len(line) for line in lines) <= columns, out
    assert "0700.HK" in out
    code, out, _ = journal(capsys, "--journal", history, "orders", env={"COLUMNS": str(columns)})
    entry, stop, market = out.splitlines()[2:]
    assert "0700.HK" in entry and "Filled" in entry and "approved" in entry and "Results" in entry
    assert "0700.HK" in stop and "380.00" in stop and "AAPL" in market and "auto" in market


def test_since_keeps_what_came_from_then_on(history: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert [o["intent_id"] for o in as_json(capsys, history, "orders", "--since", "2026-11-20")] == ["ord-us"]
    assert [c["id"] for c in as_json(capsys, history, "cycles", "--since", "2026-11-20")] == ["cyc-2"]
    assert as_json(capsys, history, "fills", "--since", "2026-11-20") == []
    at_day1 = "2026-11-18T10:00:00+08:00"  # DAY1 exactly: inclusive
    assert len(as_json(capsys, history, "orders", "--since", at_day1)) == 3
    assert len(as_json(capsys, history, "decisions", "--since", "2026-11-18T10:00:01+08:00")) == 2
    code, out, _ = journal(capsys, "--journal", history, "fills", "--since", "2026-11-20")
    assert code == 0
    assert out.startswith("no fills since 2026-11-20 00:00 ")  # local midnight, shown with the zone's name


def test_an_empty_journal_says_so(journal_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    write(journal_url)
    assert journal(capsys, "--journal", journal_url, "orders") == (0, "no orders in the journal\n", "")
    assert journal(capsys, "--journal", journal_url, "fills", "--format", "json") == (0, "[]\n", "")
    code, out, _ = journal(capsys, "--journal", journal_url, "cycles", "--format", "csv")
    assert code == 0
    assert out.splitlines() == ["id,market,trigger,started_at,ended_at,brain,model,input_tokens,output_tokens,"
                                "cache_read_tokens,cache_write_tokens,cost_usd,outcome,error"]  # fmt: skip


def test_it_reads_beside_a_writer_holding_a_transaction(history: str, capsys: pytest.CaptureFixture[str]) -> None:
    writer = open_store(history)
    try:
        with writer.transaction() as tx:
            write_record(tx, IntentRecorded(Order("ord-late", US, Side.SELL, Decimal(1), OrderType.MARKET), DAY2))
            assert len(as_json(capsys, history, "orders")) == 3  # not yet committed, and not waited for
    finally:
        writer.close()
    assert len(as_json(capsys, history, "orders")) == 4


def test_an_older_journal_is_read_as_it_is(journal_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    write(journal_url, *[r for r in day1() if not isinstance(r, OrderChanged)], migrations=MIGRATIONS[:1])
    [entry, _] = as_json(capsys, journal_url, "orders")
    assert (entry["decided_by"], entry["status"]) == ("operator", "PendingSubmit")
    store = open_for_reading(journal_url)
    try:
        assert store.rows("SELECT version FROM {s}schema_version") == [{"version": 1}]  # not upgraded
    finally:
        store.close()


def test_a_newer_journal_is_refused(journal_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    write(journal_url, migrations=(*MIGRATIONS, ("CREATE TABLE {s}from_the_future (x INTEGER)",)))
    code, out, err = journal(capsys, "--journal", journal_url, "orders")
    assert (code, out) == (1, "")
    assert f"schema version {len(MIGRATIONS) + 1}, newer than this Catalyst understands" in err


def test_a_database_catalyst_never_wrote_is_left_alone(journal_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    sqlite = journal_url.startswith("sqlite")
    if sqlite:
        path = journal_url.removeprefix("sqlite:///")
        sqlite3.connect(path).execute("CREATE TABLE someone_elses (x INTEGER)").connection.close()
    code, _, err = journal(capsys, "--journal", journal_url, "orders")
    assert code == 1
    assert "is empty: Catalyst has not written to it yet" in err
    if sqlite:
        with closing(sqlite3.connect(path)) as conn:
            assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("someone_elses",)]
    else:
        with psycopg.connect(journal_url) as conn:
            assert conn.execute("SELECT nspname FROM pg_namespace WHERE nspname = 'catalyst'").fetchall() == []


def test_a_missing_sqlite_file_is_not_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "nowhere" / "journal.sqlite3"
    code, out, err = journal(capsys, "--journal", f"sqlite:///{path}", "orders")
    assert (code, out) == (1, "")
    assert err == f"catalyst journal: no journal at sqlite:///{path}: the file does not exist\n"
    assert not path.parent.exists()
    default = Path(os.environ["XDG_DATA_HOME"]) / "catalyst" / "journal.sqlite3"
    assert (
        journal(capsys, "fills")[2] == f"catalyst journal: no journal at sqlite:///{default}: the file does not exist\n"
    )


def test_an_unreachable_server_exits_1_without_the_password(capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    code, out, err = journal(capsys, "--journal", f"postgresql://trader:s3cret-pw@127.0.0.1:{port}/journal", "orders")
    assert (code, out) == (1, "")
    assert err.startswith(f"catalyst journal: journal postgresql://trader:***@127.0.0.1:{port}/journal unavailable: ")
    assert "s3cret-pw" not in err


@pytest.mark.parametrize("since", ["yesterday", "2026-13-01", "20/11/2026"])
def test_a_bad_since_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], since: str) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["journal", "--journal", f"sqlite:///{tmp_path / 'j.sqlite3'}", "orders", "--since", since], {})
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --since: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+HH:MM], got {since!r}" in err


def catalyst(*args: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """The installed `catalyst` script, as the operator runs it (`python -m catalyst_tui` if it is not installed)."""
    script = Path(sys.executable).with_name("catalyst")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "catalyst_tui"]
    return subprocess.run([*command, *args], capture_output=True, text=True, env={**os.environ, **env}, timeout=60)


def test_the_installed_command_in_hong_kong(history: str) -> None:
    """A --since without an offset is the machine's local time: 10:00 in Hong Kong is DAY1 exactly."""
    hong_kong = {"TZ": "Asia/Hong_Kong"}
    done = catalyst(
        "journal", "--journal", history, "orders", "--format", "json", "--since", "2026-11-18T10:00", env=hong_kong
    )
    assert done.returncode == 0, done.stderr
    assert [o["intent_id"] for o in json.loads(done.stdout)] == ["ord-hk", "ord-hk-stop", "ord-us"]
    later = catalyst(
        "journal", "--journal", history, "orders", "--format", "json", "--since", "2026-11-18T10:01", env=hong_kong
    )
    assert [o["intent_id"] for o in json.loads(later.stdout)] == ["ord-us"]
    table = catalyst("journal", "--journal", history, "fills", env={**hong_kong, "COLUMNS": "120"})
    assert table.stdout.splitlines()[2].startswith("2026-11-18 10:00  ")  # the table shows local time
