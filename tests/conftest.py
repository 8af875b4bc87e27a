"""Every test runs with its own home directories and none of the operator's Catalyst, IB or Anthropic variables."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("catalyst", deadline=None)  # shared, noisy machines: no per-example timing
settings.load_profile("catalyst")

_OUTSIDE_VARIABLES = (
    "CATALYST_CONFIG",
    "IBKR_HOST",
    "IBKR_PORT",
    "IBKR_CLIENT_ID",
    "DATABASE_URL",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
)


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _OUTSIDE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):  # the SDK also reads ANTHROPIC_AUTH_TOKEN, _PROFILE, _CUSTOM_HEADERS, …
        if name.startswith("ANTHROPIC_"):
            monkeypatch.delenv(name, raising=False)
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
