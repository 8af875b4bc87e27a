"""`catalyst --config FILE` as an operator runs it: a bad file stops it with one line and exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SHIPPED = Path(__file__).parents[2] / "config" / "settings.yaml"


def catalyst(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "catalyst_tui", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=dict(os.environ),
        timeout=60,
    )


def broken(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "risk:\n  max_positions: 5\n  max_postions: 5\n",
            ":3: risk.max_postions: unknown key (did you mean max_positions?)",
        ),
        ("risk:\n  max_positions: five\n", ":2: risk.max_positions: expected a whole number, got five"),
        ("risk:\n  max_order_value: -500\n", ":2: risk.max_order_value: expected a number above 0, got -500"),
        ("risk:\n  max_positions: 5\n   bad: [\n", ": malformed YAML: "),
    ],
    ids=["unknown key", "string for a number", "negative limit", "broken YAML"],
)
def test_bad_config_exits_2_with_one_line(tmp_path: Path, text: str, expected: str) -> None:
    path = broken(tmp_path, text)
    result = catalyst("--config", str(path), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"catalyst: config error: {path}:")
    assert expected in lines[0]
    assert "Traceback" not in result.stderr


def test_broken_yaml_names_its_line(tmp_path: Path) -> None:
    path = broken(tmp_path, "broker:\n  port: 4002\nrisk:\n  max_positions: 5\n   bad: [\n")
    line = catalyst("--config", str(path), cwd=tmp_path).stderr.strip()
    assert line.startswith(f"catalyst: config error: {path}:5: malformed YAML: mapping values are not allowed here")


def test_config_from_the_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CATALYST_CONFIG", str(broken(tmp_path, "ui:\n  theme: 5\n  colour: red\n")))
    result = catalyst(cwd=tmp_path)
    assert result.returncode == 2
    assert "ui.colour: unknown key" in result.stderr


def test_bad_flag_value_exits_2(tmp_path: Path) -> None:
    result = catalyst("--gateway", "no-port-here", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "catalyst: config error: --gateway: expected HOST:PORT, got 'no-port-here'"


def test_usage_error_exits_2(tmp_path: Path) -> None:
    assert catalyst("--mode", "yolo", cwd=tmp_path).returncode == 2


def test_good_config_starts_and_says_where_it_would_trade(tmp_path: Path) -> None:
    result = catalyst("--config", str(SHIPPED), "--mode", "autopilot", "--gateway", "127.0.0.1:4010", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "AUTOPILOT" in result.stdout
    assert "IB Gateway at 127.0.0.1:4010" in result.stdout
    assert "HKEX" in result.stdout and "NYSE" in result.stdout
    assert result.stderr == ""
    log = Path(os.environ["XDG_STATE_HOME"]) / "catalyst" / "catalyst.log"
    assert "starting with settings from" in log.read_text()
