"""The IB Gateway container's safety rules, checked on the files as shipped.

The gateway's API has no authentication and its VNC desktop shows a logged-in account, so a port published beyond
localhost hands the account to anyone who can reach the server. Credentials belong in the git-ignored `.env` only.
Each checker is also run on bad examples, so a checker that passes everything cannot go unnoticed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
IBGA = ROOT / "ibga"
LOCALHOST = "127.0.0.1"

SECRET_WORDS = ("USERNAME", "PASSWORD", "PASS", "TOKEN", "SECRET", "KEY")
NOT_SECRET = frozenset({"IB_PREFER_IBKEY"})  # a boolean switch that happens to contain KEY
# `${VAR}`, `${VAR:-}` or `${VAR-}`: the value comes from `.env` or the shell, and there is no default to leak.
PURE_SUBSTITUTION = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(:?-)?\}")


def host_ip(port: str | int | dict[str, Any]) -> str | None:
    """The address a published port binds to; None means every interface, which is what Docker does by default."""
    if isinstance(port, dict):
        return port.get("host_ip") or None
    if isinstance(port, int):  # "4000", or "HOST:CONTAINER" unquoted, which YAML 1.1 reads as a base-60 number
        return None
    mapping = port.split("/", 1)[0]
    if mapping.startswith("["):
        return mapping[1 : mapping.index("]")]
    parts = mapping.rsplit(":", 2)
    if len(parts) < 3:
        return None
    return parts[0] or None


def unsafe_ports(ports: list[str | int | dict[str, Any]]) -> list[str | int | dict[str, Any]]:
    return [port for port in ports if host_ip(port) != LOCALHOST]


def environment(env: list[str] | dict[str, Any] | None) -> dict[str, str | None]:
    """Compose accepts a list of `NAME=value` or a map; None is a name passed through from the shell."""
    if env is None:
        return {}
    if isinstance(env, dict):
        return {name: None if value is None else str(value) for name, value in env.items()}
    pairs = (item.split("=", 1) for item in env)
    return {pair[0]: pair[1] if len(pair) == 2 else None for pair in pairs}


def is_secret(name: str) -> bool:
    return name not in NOT_SECRET and any(word in name.upper() for word in SECRET_WORDS)


def inline_secrets(env: list[str] | dict[str, Any] | None) -> list[str]:
    return [
        name
        for name, value in environment(env).items()
        if is_secret(name) and value is not None and not PURE_SUBSTITUTION.fullmatch(value)
    ]


def dotenv(path: Path) -> dict[str, str]:
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    pairs = (line.split("=", 1) for line in lines if line and not line.startswith("#"))
    return {name.strip(): value.strip() for name, value in pairs}


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    compose = yaml.safe_load((IBGA / "docker-compose.yml").read_text(encoding="utf-8"))
    return compose["services"]


# Ports


def test_every_published_port_is_bound_to_localhost(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        assert unsafe_ports(service.get("ports", [])) == [], f"{name} publishes a port beyond {LOCALHOST}"


def test_the_api_and_vnc_ports_are_published(services: dict[str, dict[str, Any]]) -> None:
    assert services["ibga"]["ports"] == ["127.0.0.1:4000:4000", "127.0.0.1:5800:5800"]


@pytest.mark.parametrize(
    "port",
    [
        "4000:4000",
        "0.0.0.0:4000:4000",
        "4000",
        4000,
        ":4000:4000",
        "[::]:4000:4000",
        "192.168.1.5:4000:4000/tcp",
        {"target": 4000, "published": 4000},
        {"target": 4000, "published": 4000, "host_ip": "0.0.0.0"},
    ],
)
def test_the_port_check_rejects_ports_open_beyond_localhost(port: str | int | dict[str, Any]) -> None:
    assert unsafe_ports([port]) == [port]


@pytest.mark.parametrize(
    "port",
    [
        "127.0.0.1:4000:4000",
        "127.0.0.1:5800:5800/tcp",
        "127.0.0.1:4000-4001:4000-4001",
        {"target": 4000, "published": 4000, "host_ip": "127.0.0.1"},
    ],
)
def test_the_port_check_accepts_localhost_ports(port: str | dict[str, Any]) -> None:
    assert unsafe_ports([port]) == []


# Credentials


def test_no_credential_is_written_in_the_compose_file(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        assert inline_secrets(service.get("environment")) == [], f"{name} has a credential inline"


def test_the_credentials_come_from_substitution(services: dict[str, dict[str, Any]]) -> None:
    env = environment(services["ibga"]["environment"])
    assert env["IB_USERNAME"] == "${IB_USERNAME}"
    assert env["IB_PASSWORD"] == "${IB_PASSWORD}"


@pytest.mark.parametrize(
    "env",
    [
        ["IB_PASSWORD=hunter2"],
        {"IB_PASSWORD": "hunter2"},
        ["IB_USERNAME=alice"],
        ["TOTP_KEY=JBSWY3DPEHPK3PXP"],
        ["API_TOKEN=abc"],
        ["IB_PASSWORD=${IB_PASSWORD:-hunter2}"],
        ["IB_PASSWORD=hunter2${IB_PASSWORD}"],
        {"DB_PASS": 1234},
    ],
)
def test_the_credential_check_rejects_inline_values(env: list[str] | dict[str, Any]) -> None:
    assert len(inline_secrets(env)) == 1


@pytest.mark.parametrize(
    "env",
    [
        ["IB_PASSWORD=${IB_PASSWORD}"],
        ["IB_PASSWORD=${IB_PASSWORD:-}"],
        {"IB_PASSWORD": "${IB_PASSWORD}"},
        ["IB_PASSWORD"],
        {"IB_PASSWORD": None},
        ["IB_PREFER_IBKEY=true", "IB_LOGINTYPE=Paper Trading"],
    ],
)
def test_the_credential_check_accepts_substitutions(env: list[str] | dict[str, Any]) -> None:
    assert inline_secrets(env) == []


def test_the_example_env_file_has_empty_credentials() -> None:
    example = dotenv(IBGA / ".env.example")
    assert example["IB_USERNAME"] == ""
    assert example["IB_PASSWORD"] == ""
    assert {name: value for name, value in example.items() if is_secret(name) and value} == {}


def test_git_ignores_the_env_file_and_the_gateway_state() -> None:
    ignored = {line.strip() for line in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()}
    assert {"ibga/.env", "ibga/run/"} <= ignored


# Paper by default, and a healthcheck


def test_the_login_defaults_to_paper_trading(services: dict[str, dict[str, Any]]) -> None:
    assert environment(services["ibga"]["environment"])["IB_LOGINTYPE"] == "${IB_LOGINTYPE:-Paper Trading}"
    assert dotenv(IBGA / ".env.example")["IB_LOGINTYPE"] == "Paper Trading"


def test_the_gateway_has_a_healthcheck(services: dict[str, dict[str, Any]]) -> None:
    healthcheck = services["ibga"]["healthcheck"]
    assert not healthcheck.get("disable", False)
    assert healthcheck["test"] == ["CMD", "nc", "-z", "localhost", "4000"]
