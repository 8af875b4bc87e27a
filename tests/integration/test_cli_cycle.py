"""`catalyst cycle --once` as the operator runs it: against `catalyst sim-gateway` in another process, with the
rules brain, or with Claude at a fake Messages API on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from catalyst_tui.cli import main
from tests.fakes.anthropic_server import FakeClaude, text, tool_use, turn
from tests.integration.conftest import journal_rows

REPO = Path(__file__).resolve().parents[2]


def cycle(tmp_path: Path, port: int, brain: str, **env: str) -> subprocess.CompletedProcess[str]:
    journal = f"sqlite:///{tmp_path / 'journal.sqlite3'}"
    args = ["--config", str(REPO / "config" / "settings.yaml"), "cycle", "--once", "--brain", brain, "--mode",
            "autopilot", "--gateway", f"127.0.0.1:{port}", "--journal", journal]  # fmt: skip
    return subprocess.run([sys.executable, "-m", "catalyst_tui", *args], capture_output=True, text=True,
                          cwd=tmp_path, env={**os.environ, **env}, timeout=120)  # fmt: skip


def journal_of(tmp_path: Path, sql: str) -> list[dict[str, object]]:
    return journal_rows(f"sqlite:///{tmp_path / 'journal.sqlite3'}", sql)


def test_a_rules_cycle_against_the_running_simulator(tmp_path: Path, sim_port: int) -> None:
    done = cycle(tmp_path, sim_port, "rules")
    assert done.returncode == 0, done.stderr
    assert "→ scan_market" in done.stdout and " done: " in done.stdout
    [row] = journal_of(tmp_path, "SELECT brain, outcome, trigger FROM cycles")
    assert row == {"brain": "rules", "outcome": "done", "trigger": "command"}
    decided = journal_of(tmp_path, "SELECT decision FROM decision_log UNION ALL SELECT decision FROM proposals")
    assert decided  # it decided something: a trade, or why not


def test_a_claude_cycle_runs_the_scripted_conversation(
    tmp_path: Path, sim_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeClaude(
        turn(text("Reading the account."), tool_use("get_portfolio", {})),
        turn(tool_use("log_decision", {"decision": "no trade", "reasoning": "flat tape"})),
        turn(text("Nothing to do this cycle.")),
    ) as claude:
        done = cycle(tmp_path, sim_port, "claude", ANTHROPIC_API_KEY="test-key", ANTHROPIC_BASE_URL=claude.base_url)
        assert done.returncode == 0, done.stderr
        [portfolio] = claude.tool_results(1)
        assert portfolio["content"].startswith("Account DU1234567 (paper)") and not portfolio["is_error"]
        [logged] = claude.tool_results(2)
        assert logged["content"] == "logged: no trade"
    assert "Reading the account." in done.stdout and "test-key" not in done.stdout + done.stderr
    [row] = journal_of(tmp_path, "SELECT brain, model, outcome, input_tokens FROM cycles")
    assert row["brain"] == "claude" and row["outcome"] == "done" and row["input_tokens"] == 3 * 1200
    assert main(["journal", "--journal", f"sqlite:///{tmp_path / 'journal.sqlite3'}", "decisions", "--format",
                 "json"]) == 0  # fmt: skip
    [decision] = json.loads(capsys.readouterr().out)
    assert (decision["tool"], decision["decision"], decision["reason"]) == ("log_decision", "no trade", "flat tape")


def test_claude_without_a_key_is_a_usage_error(tmp_path: Path, sim_port: int) -> None:
    refused = cycle(tmp_path, sim_port, "claude")
    assert refused.returncode == 2 and "ANTHROPIC_API_KEY" in refused.stderr
