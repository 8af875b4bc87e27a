"""The typed, frozen settings. Defaults here are the safe ones and match `config/settings.yaml` exactly.

Field metadata carries the limits the loader enforces: `min`, `max` (inclusive), `above` (exclusive),
`symbols` (entries go through the market normaliser) and `times` (entries are HH:MM).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

D = Decimal


def limits(default: Any, **rules: Any) -> Any:
    return field(default=default, metadata=rules)


class BrokerSource(StrEnum):
    SIM = "sim"
    GATEWAY = "gateway"


class Brain(StrEnum):
    AUTO = "auto"
    CLAUDE = "claude"
    RULES = "rules"


class Mode(StrEnum):
    SUPERVISED = "supervised"
    AUTOPILOT = "autopilot"


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class BrokerSettings:
    source: BrokerSource = BrokerSource.SIM
    host: str = "127.0.0.1"
    port: int = limits(4002, min=1, max=65535)
    client_id: int = limits(1, min=0, max=2_147_483_647)
    connect_timeout_seconds: int = limits(10, min=1, max=300)
    reconnect_max_seconds: int = limits(60, min=1, max=3600)
    allow_live: bool = False
    sim_seed: int = limits(7, min=0)
    sim_always_open: bool = True


@dataclass(frozen=True)
class MarketsSettings:
    hk_enabled: bool = True
    us_enabled: bool = True
    watchlist: tuple[str, ...] = limits(
        (
            "0700.HK", "9988.HK", "0005.HK", "1810.HK", "3690.HK", "1299.HK",
            "AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "JPM",
        ),
        symbols=True,
    )  # fmt: skip


@dataclass(frozen=True)
class Prices:
    """USD per million tokens."""

    input: Decimal = limits(D("2"), min=0)
    output: Decimal = limits(D("10"), min=0)
    cache_write: Decimal = limits(D("2.5"), min=0)
    cache_read: Decimal = limits(D("0.2"), min=0)


@dataclass(frozen=True)
class AgentSettings:
    mode: Mode = Mode.SUPERVISED
    brain: Brain = Brain.AUTO
    model: str = "claude-sonnet-5-5"
    prices: Prices = field(default_factory=Prices)
    max_turns: int = limits(12, min=1, max=100)
    max_output_tokens: int = limits(4096, min=256, max=64000)
    cycle_token_budget: int = limits(200_000, min=1000)
    daily_cost_cap: Decimal = limits(D("5.00"), min=0)
    approval_timeout_seconds: int = limits(120, min=5, max=3600)


@dataclass(frozen=True)
class RiskSettings:
    max_order_value: Decimal = limits(D("20000"), above=0)
    max_position_pct: Decimal = limits(D("20"), above=0, max=100)
    max_positions: int = limits(6, min=1, max=200)
    min_position_value: Decimal = limits(D("1000"), min=0)
    daily_loss_soft_pct: Decimal = limits(D("1.5"), above=0, max=100)
    daily_loss_hard_pct: Decimal = limits(D("2.0"), above=0, max=100)
    flatten_on_hard_limit: bool = False
    max_orders_per_day: int = limits(20, min=0, max=10_000)
    require_stop: bool = True
    max_stop_distance_pct: Decimal = limits(D("8"), above=0, max=100)
    min_reward_risk: Decimal = limits(D("1.5"), min=0)
    max_risk_per_trade_pct: Decimal = limits(D("1.0"), above=0, max=100)
    price_collar_pct: Decimal = limits(D("3"), above=0, max=100)
    quote_stale_seconds: int = limits(30, min=1, max=3600)
    symbol_allow: tuple[str, ...] = limits((), symbols=True)
    symbol_deny: tuple[str, ...] = limits((), symbols=True)
    allow_short: bool = False


@dataclass(frozen=True)
class ScheduleSettings:
    enabled: bool = True
    hk_times: tuple[time, ...] = limits(
        tuple(time.fromisoformat(t) for t in ("09:35", "10:30", "11:30", "13:05", "14:00", "15:00", "15:45")),
        times=True,
    )
    us_times: tuple[time, ...] = limits(
        tuple(time.fromisoformat(t) for t in ("09:35", "10:30", "11:30", "13:00", "14:00", "15:00", "15:45")),
        times=True,
    )
    always_open_interval_minutes: int = limits(15, min=1, max=1440)


@dataclass(frozen=True)
class JournalSettings:
    url: str = field(default="", repr=False)  # may carry the database password: never in a repr or a traceback
    log_level: LogLevel = LogLevel.INFO
    log_keep_days: int = limits(30, min=1, max=3650)


@dataclass(frozen=True)
class Keys:
    cycle: str = "c"
    mode: str = "m"
    kill: str = "k"
    approve: str = "y"
    reject: str = "n"
    help: str = "question_mark"
    quit: str = "q"


@dataclass(frozen=True)
class UiSettings:
    quote_refresh_hz: int = limits(10, min=1, max=30)
    transcript_max_lines: int = limits(5000, min=100, max=1_000_000)
    theme: str = "textual-dark"
    keys: Keys = field(default_factory=Keys)


@dataclass(frozen=True)
class Settings:
    broker: BrokerSettings = field(default_factory=BrokerSettings)
    markets: MarketsSettings = field(default_factory=MarketsSettings)
    agent: AgentSettings = field(default_factory=AgentSettings)
    risk: RiskSettings = field(default_factory=RiskSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    journal: JournalSettings = field(default_factory=JournalSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    source_file: Path | None = field(default=None, compare=False)
