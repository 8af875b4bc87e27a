"""Known secrets are planted in the environment; every output a user or an attacker could read is scanned for them:
the terminal, the log file, the journal (every table), the spool, and what was sent to the model."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from catalyst_tui.journal import open_store
from tests.fakes.anthropic_server import FakeClaude, text, tool_use, turn
from tests.integration.test_cli_cycle import REPO
from tests.postgres import PostgresServer, require_postgres

API_KEY = "sk-ant-PLANTED-key-7f3a9c1e"
IB_PASSWORD = "PLANTED-ib-pass-4d2b"
DB_PASSWORD = "PLANTED-db-pass-8e6f"
SECRETS = (API_KEY, IB_PASSWORD, DB_PASSWORD)
TABLES = ("cycles", "transcript", "proposals", "proposal_checks", "orders", "fills", "order_events",
          "equity_snapshots", "errors", "trading_states", "decision_log")  # fmt: skip


@pytest.fixture
def server() -> Iterator[PostgresServer]:
    """Trust authentication: the password in the URL is carried along but never needed, as a leak would be."""
    own = PostgresServer(require_postgres())
    try:
        own.start()
        yield own
    finally:
        own.destroy()


def leaks(where: str, content: str) -> list[str]:
    return [f"{where} holds {secret}" for secret in SECRETS if secret in content]


def catalyst(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "catalyst_tui", "--config", str(REPO / "config" / "settings.yaml"),
                           *args], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)  # fmt: skip


def test_planted_secrets_appear_nowhere(tmp_path: Path, sim_port: int, server: PostgresServer) -> None:
    database = server.new_database().replace("pgadmin@", f"pgadmin:{DB_PASSWORD}@")
    env = {**os.environ, "ANTHROPIC_API_KEY": API_KEY, "IB_PASSWORD": IB_PASSWORD, "TWS_PASSWORD": IB_PASSWORD,
           "DATABASE_URL": database}  # fmt: skip
    with FakeClaude(
        turn(text("Reading the account."), tool_use("get_portfolio", {})),
        turn(
            tool_use(
                "execute_trade",
                {
                    "symbol": "0700.HK",
                    "side": "BUY",
                    "quantity": 1e12,
                    "order_type": "MKT",
                    "reason": "too big on purpose",
                },
            )
        ),
        turn(tool_use("no_such_tool", {"x": 1})),
        turn(text("Done.")),
    ) as claude:
        env["ANTHROPIC_BASE_URL"] = claude.base_url
        cycle = catalyst(tmp_path, env, "cycle", "--once", "--brain", "claude", "--mode", "autopilot",
                         "--gateway", f"127.0.0.1:{sim_port}")  # fmt: skip
        sent_to_the_model = "".join(str(r.body) for r in claude.requests)
    assert cycle.returncode == 0, cycle.stderr
    check = catalyst(tmp_path, env, "check", "--gateway", f"127.0.0.1:{sim_port}")
    report = catalyst(tmp_path, env, "journal", "orders", "--format", "json")
    unreachable = catalyst(tmp_path, {**env, "DATABASE_URL": database.replace(str(server.port), "1")}, "journal",
                           "cycles")  # fmt: skip
    assert unreachable.returncode == 1 and "***" in unreachable.stderr  # the failure names the URL, masked

    found: list[str] = []
    for name, run in (("cycle", cycle), ("check", check), ("journal", report), ("journal error", unreachable)):
        found += leaks(f"{name} stdout", run.stdout) + leaks(f"{name} stderr", run.stderr)
    found += leaks("requests to the model (bodies)", sent_to_the_model)
    for path in (Path(env["XDG_STATE_HOME"]) / "catalyst").glob("*"):
        found += leaks(str(path), path.read_text(errors="replace"))
    for path in (Path(env["XDG_DATA_HOME"]) / "catalyst").glob("*"):
        found += leaks(str(path), path.read_bytes().decode(errors="replace"))
    store = open_store(database)
    try:
        for table in TABLES:
            found += leaks(f"journal table {table}", str(store.rows(f"SELECT * FROM {{s}}{table}")))
        assert store.rows("SELECT COUNT(*) AS n FROM {s}transcript")[0]["n"] > 0  # there was something to scan
    finally:
        store.close()
    assert found == []
