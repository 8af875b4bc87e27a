from __future__ import annotations

import dataclasses
import re
from datetime import time
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from catalyst_tui.config import (
    BrokerSource,
    ConfigError,
    Mode,
    Override,
    Settings,
    find_config_file,
    gateway_overrides,
    load_settings,
)
from catalyst_tui.config.schema import JournalSettings
from catalyst_tui.journal.urls import parse_journal_url

SHIPPED = Path(__file__).parents[2] / "config" / "settings.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "settings.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def fail(path: Path, env: dict[str, str] | None = None, flags: list[Override] | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as err:
        load_settings(path, env or {}, flags or [])
    return err.value


# The shipped file


def test_the_shipped_file_holds_exactly_the_built_in_defaults() -> None:
    assert load_settings(SHIPPED, {}) == Settings()


def _leaf_paths(obj: object, prefix: str = "") -> set[str]:
    found: set[str] = set()
    for f in dataclasses.fields(obj):  # type: ignore[arg-type]
        if f.name == "source_file":
            continue
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            found |= _leaf_paths(value, f"{prefix}{f.name}.")
        else:
            found.add(f"{prefix}{f.name}")
    return found


def _file_paths(mapping: dict, prefix: str = "") -> set[str]:
    found: set[str] = set()
    for key, value in mapping.items():
        if isinstance(value, dict):
            found |= _file_paths(value, f"{prefix}{key}.")
        else:
            found.add(f"{prefix}{key}")
    return found


def test_the_shipped_file_names_every_setting() -> None:
    assert _file_paths(yaml.safe_load(SHIPPED.read_text())) == _leaf_paths(Settings())


def test_every_key_in_the_shipped_file_has_a_comment() -> None:
    keys = [line for line in SHIPPED.read_text().splitlines() if re.match(r"\s+\w+:", line)]
    assert keys
    assert [line for line in keys if "#" not in line] == []


def test_the_sections_are_the_ones_the_brief_names() -> None:
    assert list(yaml.safe_load(SHIPPED.read_text())) == [
        "broker",
        "markets",
        "agent",
        "risk",
        "schedule",
        "journal",
        "ui",
    ]


# Typed values


def test_values_are_typed_and_decimals_exact(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "risk:\n  max_stop_distance_pct: 0.1\n  max_positions: 3\n  allow_short: true\n"
        "schedule:\n  hk_times: ['10:00', '14:00']\nmarkets:\n  watchlist: [700, brk-b]\n",
    )
    s = load_settings(path, {})
    assert s.risk.max_stop_distance_pct == Decimal("0.1")
    assert s.risk.max_positions == 3
    assert s.risk.allow_short is True
    assert s.schedule.hk_times == (time(10, 0), time(14, 0))
    assert s.markets.watchlist == ("0700.HK", "BRK.B")
    assert s.source_file == path


def test_settings_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().risk.max_positions = 99  # type: ignore[misc]


def test_an_empty_file_gives_the_defaults(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, "# nothing\n"), {}) == Settings()


# Precedence: defaults < file < environment < flags


def test_precedence(tmp_path: Path) -> None:
    path = write(tmp_path, "broker:\n  port: 5000\n  client_id: 3\nagent:\n  mode: autopilot\n")
    assert load_settings(None, {}).broker.port == 4002
    assert load_settings(path, {}).broker.port == 5000
    from_env = load_settings(path, {"IBKR_PORT": "6000", "IBKR_CLIENT_ID": "9"})
    assert (from_env.broker.port, from_env.broker.client_id, from_env.broker.source) == (6000, 9, BrokerSource.GATEWAY)
    from_flags = load_settings(
        path,
        {"IBKR_PORT": "6000"},
        [*gateway_overrides("gw.local:7000"), Override("agent.mode", "supervised", "--mode")],
    )
    assert (from_flags.broker.host, from_flags.broker.port) == ("gw.local", 7000)
    assert from_flags.agent.mode is Mode.SUPERVISED


def test_sim_flag_wins_over_ibkr_host(tmp_path: Path) -> None:
    s = load_settings(None, {"IBKR_HOST": "10.0.0.5"}, [Override("broker.source", "sim", "--sim")])
    assert s.broker.source is BrokerSource.SIM


def test_database_url_may_carry_a_password_from_the_environment() -> None:
    url = "postgresql://catalyst:hunter22@db.local/trading"
    assert load_settings(None, {"DATABASE_URL": url}).journal.url == url


def test_config_file_discovery(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    local = tmp_path / "config" / "settings.yaml"
    assert find_config_file(None, {}, tmp_path) is None
    local.write_text("")
    assert find_config_file(None, {}, tmp_path) == local
    assert find_config_file(None, {"CATALYST_CONFIG": "/etc/c.yaml"}, tmp_path) == Path("/etc/c.yaml")
    assert find_config_file("mine.yaml", {"CATALYST_CONFIG": "/etc/c.yaml"}, tmp_path) == Path("mine.yaml")


# Bad input: one line with file, line, key path and what was expected


def test_unknown_key_suggests_the_closest(tmp_path: Path) -> None:
    err = fail(write(tmp_path, "risk:\n  max_positons: 5\n"))
    assert str(err) == f"{tmp_path}/settings.yaml:2: risk.max_positons: unknown key (did you mean max_positions?)"


def test_unknown_section(tmp_path: Path) -> None:
    err = fail(write(tmp_path, "broker:\n  port: 4002\nrisks:\n  x: 1\n"))
    assert (err.where, err.key) == (f"{tmp_path}/settings.yaml:3", "risks")


@pytest.mark.parametrize("value", ['"5"', "five", "5.5", "true"])
def test_not_a_whole_number(tmp_path: Path, value: str) -> None:
    err = fail(write(tmp_path, f"risk:\n  max_positions: {value}\n"))
    assert err.where.endswith(":2")
    assert err.key == "risk.max_positions"
    assert err.problem.startswith("expected a whole number, got ")


def test_negative_limit(tmp_path: Path) -> None:
    err = fail(write(tmp_path, "risk:\n  max_order_value: -100\n"))
    assert str(err).endswith("settings.yaml:2: risk.max_order_value: expected a number above 0, got -100")


def test_out_of_range(tmp_path: Path) -> None:
    err = fail(write(tmp_path, "broker:\n  port: 70000\n"))
    assert err.problem == "expected a number of at most 65535, got 70000"


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    err = fail(write(tmp_path, "risk:\n  max_positions: 5\n  bad: [unclosed\nui:\n  theme: x\n"))
    assert re.fullmatch(rf"{tmp_path}/settings.yaml:\d+", err.where)
    assert err.problem.startswith("malformed YAML")


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    assert "mapping" in fail(write(tmp_path, "- a\n- b\n")).problem


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    err = fail(write(tmp_path, "risk:\n  max_positions: 5\n  max_positions: 6\n"))
    assert (err.where.split(":")[-1], err.key, err.problem) == ("3", "risk.max_positions", "duplicate key")


def test_wrong_shapes(tmp_path: Path) -> None:
    assert "section" in fail(write(tmp_path, "risk: 5\n")).problem
    assert "list" in fail(write(tmp_path, "markets:\n  watchlist: AAPL\n")).problem
    assert "single value" in fail(write(tmp_path, "risk:\n  max_positions: [1, 2]\n")).problem


def test_bad_choice_lists_the_choices(tmp_path: Path) -> None:
    err = fail(write(tmp_path, "agent:\n  mode: yolo\n"))
    assert err.problem == "expected one of supervised or autopilot, got yolo"


def test_bad_symbol_names_its_index(tmp_path: Path) -> None:
    err = fail(write(tmp_path, "markets:\n  watchlist: [AAPL, $$$]\n"))
    assert err.key == "markets.watchlist[1]"


def test_bad_time(tmp_path: Path) -> None:
    assert fail(write(tmp_path, "schedule:\n  hk_times: ['25:00']\n")).key == "schedule.hk_times[0]"


def test_soft_loss_limit_above_hard_is_refused(tmp_path: Path) -> None:
    err = fail(write(tmp_path, "risk:\n  daily_loss_soft_pct: 3\n  daily_loss_hard_pct: 2\n"))
    assert (err.where.split(":")[-1], err.key) == ("2", "risk.daily_loss_soft_pct")


def test_bad_journal_url(tmp_path: Path) -> None:
    assert fail(write(tmp_path, "journal:\n  url: mysql://x\n")).key == "journal.url"


@pytest.mark.parametrize(
    "text",
    [
        "agent:\n  api_key: abc\n",
        "journal:\n  password: abc\n",
        "journal:\n  url: postgresql://u:s3cret@db/x\n",
        "agent:\n  model: sk-ant-api03-abcdefghijkl\n",
    ],
)
def test_a_file_holding_a_secret_is_refused_without_repeating_it(tmp_path: Path, text: str) -> None:
    err = fail(write(tmp_path, text))
    assert "secrets are never read from the config file" in err.problem
    assert "s3cret" not in str(err)
    assert "sk-ant" not in str(err)


def test_bad_environment_value_names_the_variable() -> None:
    err = fail(None, {"IBKR_PORT": "abc"})  # type: ignore[arg-type]
    assert str(err) == "environment IBKR_PORT: broker.port: expected a whole number, got abc"


def test_bad_gateway_flag() -> None:
    with pytest.raises(ConfigError, match="expected HOST:PORT"):
        gateway_overrides("localhost")
    err = fail(None, {}, gateway_overrides("localhost:http"))  # type: ignore[arg-type]
    assert (err.where, err.key) == ("--gateway", "broker.port")


def test_missing_file(tmp_path: Path) -> None:
    assert fail(tmp_path / "nope.yaml").problem == "config file not found"


def test_a_journal_url_never_shows_in_a_repr() -> None:
    """A crash report or a debug print of the settings must not carry the database password."""

    url = "postgresql://catalyst:hunter2-secret@127.0.0.1:5432/journal"
    assert "hunter2" not in repr(JournalSettings(url=url))
    assert "hunter2" not in repr(parse_journal_url(url))
