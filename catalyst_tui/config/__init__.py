"""Settings: typed and frozen, from defaults, `config/settings.yaml`, the environment and flags."""

from catalyst_tui.config.errors import ConfigError
from catalyst_tui.config.loader import (
    Override,
    find_config_file,
    gateway_overrides,
    load_settings,
)
from catalyst_tui.config.schema import (
    AgentSettings,
    Brain,
    BrokerSettings,
    BrokerSource,
    JournalSettings,
    Keys,
    LogLevel,
    MarketsSettings,
    Mode,
    Prices,
    RiskSettings,
    ScheduleSettings,
    Settings,
    UiSettings,
)

__all__ = [
    "AgentSettings",
    "Brain",
    "BrokerSettings",
    "BrokerSource",
    "ConfigError",
    "JournalSettings",
    "Keys",
    "LogLevel",
    "MarketsSettings",
    "Mode",
    "Override",
    "Prices",
    "RiskSettings",
    "ScheduleSettings",
    "Settings",
    "UiSettings",
    "find_config_file",
    "gateway_overrides",
    "load_settings",
]
