"""Known secrets are planted in the environment; every output a user or an attacker could read is scanned for them:
the terminal, the log file, the journal (every table), the spool, and what was sent to the model. The failures that
have a secret in reach (the model refusing the key, journal URLs that libpq quotes back in its errors) are scanned
too. The console's screens and its crash report: test_secrets_screen.py."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import anthropic
import pytest

from catalyst_tui.journal import open_store
from catalyst_tui.logs import known_secrets, setup_logging
from tests.fakes.anthropic_server import FakeClaude, error, text, tool_use, turn
from tests.integration.test_cli_cycle import REPO
from tests.postgres import PostgresServer

API_KEY = "sk-ant-api03-PLANTEDkey7f3a9c1e"
IB_PASSWORD = "PLANTEDib4d2b9a"  # no run of FRAGMENT characters is shared by two secrets
DB_PASSWORD = "PLANTEDdb8e6f5c"
SECRETS = (API_KEY, IB_PASSWORD, DB_PASSWORD)
FRAGMENT = 8  # a secret cut by a line break still leaves a run this long on one side of the cut
TABLES = ("cycles", "transcript", "proposals", "proposal_checks", "orders", "fills", "order_events",
          "equity_snapshots", "errors", "trading_states", "decision_log")  # fmt: skip
UNREACHABLE = f"postgresql://pgadmin:{DB_PASSWORD}@127.0.0.1:1/journal"
# Journal URLs libpq cannot parse, each of which its error message quotes back, the password with it.
MALFORMED = {
    "unclosed-ipv6": f"postgresql://pgadmin:{DB_PASSWORD}@[::1/journal",
    "bad-percent": f"postgresql://pgadmin:{DB_PASSWORD}%zz@127.0.0.1:1/journal",
}


def with_password(url: str) -> str:
    return url.replace("pgadmin@", f"pgadmin:{DB_PASSWORD}@")


def planted(env: Mapping[str, str], database: str) -> dict[str, str]:
    """`env` with every secret in it: the API key, the IB password (read by the gateway's container, never by
    Catalyst) and a journal URL carrying the database password."""
    return {**env, "ANTHROPIC_API_KEY": API_KEY, "IB_PASSWORD": IB_PASSWORD, "TWS_PASSWORD": IB_PASSWORD,
            "DATABASE_URL": database}  # fmt: skip


def leaks(where: str, content: str) -> list[str]:
    """Each secret of which `content` holds the whole, or any FRAGMENT characters in a row."""
    found = []
    for secret in SECRETS:
        if any(secret[i : i + FRAGMENT] in content for i in range(len(secret) - FRAGMENT + 1)):
            found.append(f"{where} holds {secret!r}{'' if secret in content else ' in part'}")
    return found


def files_under(*directories: Path) -> Iterator[tuple[str, str]]:
    """Every file below the directories (logs, the spool, a SQLite journal), as text."""
    for directory in directories:
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            yield str(path), path.read_bytes().decode(errors="replace")


def catalyst(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "catalyst_tui", "--config", str(REPO / "config" / "settings.yaml"),
                           *args], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)  # fmt: skip


def test_planted_secrets_appear_nowhere(tmp_path: Path, sim_port: int, own_postgres: PostgresServer) -> None:
    database = with_password(own_postgres.new_database())
    env = planted(os.environ, database)
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
    unreachable = catalyst(tmp_path, {**env, "DATABASE_URL": database.replace(str(own_postgres.port), "1")}, "journal",
                           "cycles")  # fmt: skip
    assert unreachable.returncode == 1 and "***" in unreachable.stderr  # the failure names the URL, masked

    found: list[str] = []
    for name, run in (("cycle", cycle), ("check", check), ("journal", report), ("journal error", unreachable)):
        found += leaks(f"{name} stdout", run.stdout) + leaks(f"{name} stderr", run.stderr)
    found += leaks("requests to the model (bodies)", sent_to_the_model)
    for path, content in files_under(Path(env["XDG_STATE_HOME"]), Path(env["XDG_DATA_HOME"])):
        found += leaks(path, content)
    store = open_store(database)
    try:
        for table in TABLES:
            found += leaks(f"journal table {table}", str(store.rows(f"SELECT * FROM {{s}}{table}")))
        assert store.rows("SELECT COUNT(*) AS n FROM {s}transcript")[0]["n"] > 0  # there was something to scan
    finally:
        store.close()
    assert found == []


def start(tmp_path: Path, name: str, env: Mapping[str, str], *args: str) -> tuple[subprocess.Popen[str], Path]:
    """`catalyst ARGS` in a home of its own, not waited for, so the runs of a test overlap."""
    home = tmp_path / name
    home.mkdir()
    own = {**env, **{v: str(home / v.lower()) for v in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")}}
    process = subprocess.Popen([sys.executable, "-m", "catalyst_tui", "--config",
                                str(REPO / "config" / "settings.yaml"), *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, cwd=home,
                               env=own)  # fmt: skip
    return process, home


def test_failures_with_a_secret_in_reach_print_it_nowhere(tmp_path: Path) -> None:
    """The model refuses the key (401); the journal is unreachable; libpq cannot parse the journal URL and quotes
    it back in its error. `catalyst cycle`, `catalyst journal` and `catalyst` (no terminal) say what failed, and
    neither the terminal, the log nor the spool holds a secret."""
    env = planted(os.environ, UNREACHABLE)
    sqlite = ("--journal", "sqlite:///journal.sqlite3")  # so the cycle reaches the model; DATABASE_URL stays planted
    crash = {"ANTHROPIC_BASE_URL": "http://127.0.0.1:notaport"}  # the SDK's client raises, uncaught, beside the key
    with FakeClaude(error(401, "authentication_error", "invalid x-api-key")) as claude:
        runs = {
            "cycle, model 401": start(tmp_path, "model-401", {**env, "ANTHROPIC_BASE_URL": claude.base_url}, *sqlite,
                                      "cycle", "--once", "--brain", "claude", "--mode", "autopilot"),
            "cycle, crash (bad ANTHROPIC_BASE_URL)": start(tmp_path, "crash", {**env, **crash}, *sqlite, "cycle",
                                                           "--once", "--brain", "claude", "--mode", "autopilot"),
            "console, journal unreachable": start(tmp_path, "console", env),
            **{f"journal, {name} URL": start(tmp_path, f"journal-{name}", {**env, "DATABASE_URL": url}, "journal",
                                            "cycles") for name, url in MALFORMED.items()},
            "cycle, unclosed-ipv6 URL": start(tmp_path, "cycle-malformed",
                                              {**env, "DATABASE_URL": MALFORMED["unclosed-ipv6"]}, "cycle", "--once",
                                              "--brain", "rules", "--mode", "autopilot"),
            "journal, --journal flag": start(tmp_path, "journal-flag", {**os.environ}, "--journal",
                                             MALFORMED["unclosed-ipv6"], "journal", "cycles"),
        }  # fmt: skip
        outputs = {name: (process, home, *process.communicate(timeout=120)) for name, (process, home) in runs.items()}

    said = {name: (process.returncode, out + err) for name, (process, _, out, err) in outputs.items()}
    assert said["cycle, model 401"][0] == 1 and "AuthenticationError" in said["cycle, model 401"][1]
    crashed = said["cycle, crash (bad ANTHROPIC_BASE_URL)"]
    assert crashed[0] == 1 and "Traceback" in crashed[1] and "InvalidURL" in crashed[1]  # the key was in scope
    crash_log = "".join(text for _, text in files_under(outputs["cycle, crash (bad ANTHROPIC_BASE_URL)"][1]))
    assert "uncaught exception" in crash_log and "InvalidURL" in crash_log  # the log has the traceback too
    assert said["cycle, unclosed-ipv6 URL"][0] == 0  # the journal spools; the cycle runs
    assert "journal" in said["console, journal unreachable"][1] and "***" in said["console, journal unreachable"][1]
    for name in [n for n in said if n.startswith("journal, ")]:
        assert said[name][0] == 1 and "unavailable" in said[name][1], said[name]
    found: list[str] = []
    for name, (_, home, out, err) in outputs.items():
        found += leaks(f"{name}: stdout", out) + leaks(f"{name}: stderr", err)
        for path, content in files_under(home):
            found += leaks(f"{name}: {path}", content)
    assert found == [], "\n".join(found)


def test_a_key_the_http_client_refuses_is_kept_out_of_the_log(tmp_path: Path) -> None:
    """A key read from a Windows-edited env file ends in a carriage return; the HTTP client refuses the header and
    quotes it, escaped (`…\\r'`), in the exception behind the SDK's "Connection error." The log file has it
    redacted all the same."""
    env = {"ANTHROPIC_API_KEY": API_KEY + "\r"}
    path = setup_logging(tmp_path / "logs", "debug", 1, known_secrets(env))
    try:
        with FakeClaude() as claude:
            client = anthropic.Anthropic(api_key=env["ANTHROPIC_API_KEY"], base_url=claude.base_url, max_retries=0)
            with pytest.raises(anthropic.APIConnectionError) as failed:
                client.messages.create(model="claude-sonnet-5-5", max_tokens=10,
                                       messages=[{"role": "user", "content": "hi"}])  # fmt: skip
            logging.getLogger("catalyst_tui.test").error("the model call failed", exc_info=failed.value)
    finally:
        for handler in list(logging.getLogger().handlers):
            logging.getLogger().removeHandler(handler)
            handler.close()
    logged = path.read_text()
    assert "LocalProtocolError" in logged  # the exception that carried the key was logged, with its cause
    assert leaks("the log", logged) == []
