"""`catalyst check` as an operator (or cron) runs it, against real processes and sockets."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from tests.integration.test_cli_sim_gateway import start_sim_gateway
from tests.net import free_port


def check(tmp_path: Path, *args: str, timeout_seconds: int = 10) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "settings.yaml"
    config.write_text(f"broker:\n  connect_timeout_seconds: {timeout_seconds}\n")
    return subprocess.run(
        [sys.executable, "-m", "catalyst_tui", "--config", str(config), "check", *args],
        capture_output=True, text=True, cwd=tmp_path, env=dict(os.environ), timeout=timeout_seconds + 30,
    )  # fmt: skip


def test_check_against_a_running_sim_gateway(tmp_path: Path) -> None:
    port = free_port()
    sim = start_sim_gateway(tmp_path, port, "--always-open", stdin=subprocess.PIPE)
    try:
        sim.stdout.readline()
        result = check(tmp_path, "--gateway", f"127.0.0.1:{port}")
        assert result.returncode == 0, result.stdout + result.stderr
        lines = result.stdout.splitlines()
        assert lines[0] == "catalyst check: OK"
        assert f"127.0.0.1:{port}, server version 178" in lines[1]
        assert "DU1234567 PAPER" in lines[2]
        assert lines[3].split()[:2] == ["0700.HK", "live:"] and lines[4].split()[:2] == ["AAPL", "live:"]
        assert lines[5:] == ["  open orders  0", "  positions    0"]
        quiet = check(tmp_path, "--gateway", f"127.0.0.1:{port}", "--quiet")
        assert quiet.returncode == 0 and len(quiet.stdout.splitlines()) == 1 and quiet.stdout.startswith("OK ")

        sim.stdin.write("logout\n")
        sim.stdin.flush()
        sim.stdout.readline()
        logged_out = check(tmp_path, "--gateway", f"127.0.0.1:{port}", "--quiet")
        assert logged_out.returncode == 1
        assert "not logged in (approve the IB Key login on your phone)" in logged_out.stdout
    finally:
        sim.send_signal(signal.SIGINT)
        sim.communicate(timeout=20)


def test_a_closed_port_fails_with_the_hint(tmp_path: Path) -> None:
    port = free_port()
    result = check(tmp_path, "--gateway", f"127.0.0.1:{port}", timeout_seconds=2)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "catalyst check: FAILED", f"  connection refused: is IB Gateway running on 127.0.0.1:{port}?",
    ]  # fmt: skip
    assert "Traceback" not in result.stderr


def test_a_gateway_that_never_answers_times_out(tmp_path: Path) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        result = check(tmp_path, "--gateway", f"127.0.0.1:{port}", "--quiet", timeout_seconds=1)
    assert result.returncode == 1
    assert result.stdout.startswith(f"FAILED timed out after 1 s: 127.0.0.1:{port} accepted the connection")
