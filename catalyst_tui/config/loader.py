"""Load settings with the precedence: built-in defaults < the file < environment < command-line flags.

Every problem becomes one ConfigError naming the file and line (or the variable or flag), the key path and
what was expected. Secrets are never read from the file: a file that holds one is refused.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from catalyst_tui.config import values
from catalyst_tui.config.errors import ConfigError
from catalyst_tui.config.schema import Settings
from catalyst_tui.config.values import Raw, RawList

ENV_CONFIG = "CATALYST_CONFIG"
_SECRET_KEY = re.compile(r"^(.*_)?(api_?key|password|passwd|secret|token)$", re.IGNORECASE)
_SECRET_VALUE = re.compile(r"sk-ant-[A-Za-z0-9_\-]{8,}")


@dataclass
class Tree:
    """A mapping as written, each key with the place it was written."""

    where: str
    entries: dict[str, Tree | Raw | RawList] = field(default_factory=dict)
    key_where: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Override:
    """A setting given outside the file: `key` is a dotted path, `where` names the variable or flag."""

    key: str
    text: str
    where: str


def find_config_file(explicit: str | None, env: Mapping[str, str], cwd: Path) -> Path | None:
    """--config, then $CATALYST_CONFIG, then ./config/settings.yaml, then the user's config directory."""
    chosen = explicit or env.get(ENV_CONFIG)
    if chosen:
        return Path(chosen).expanduser()
    config_home = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    for candidate in (cwd / "config" / "settings.yaml", config_home / "catalyst" / "settings.yaml"):
        if candidate.is_file():
            return candidate
    return None


def load_settings(
    path: Path | None,
    env: Mapping[str, str] | None = None,
    flags: typing.Sequence[Override] = (),
) -> Settings:
    env = os.environ if env is None else env
    tree = read_file(path) if path is not None else Tree(where="defaults")
    for override in (*env_overrides(env), *flags):
        _overlay(tree, override)
    settings = _build(Settings, tree, "")
    _check_consistency(settings, tree)
    return dataclasses.replace(settings, source_file=path)


def env_overrides(env: Mapping[str, str]) -> list[Override]:
    """IBKR_HOST / IBKR_PORT point the app at a real gateway; DATABASE_URL chooses the journal."""
    found: list[Override] = []
    for name, key in (("IBKR_HOST", "broker.host"), ("IBKR_PORT", "broker.port")):
        if env.get(name):
            found += [
                Override(key, env[name], f"environment {name}"),
                Override("broker.source", "gateway", name),
            ]
    if env.get("IBKR_CLIENT_ID"):
        found.append(Override("broker.client_id", env["IBKR_CLIENT_ID"], "environment IBKR_CLIENT_ID"))
    if env.get("DATABASE_URL"):
        found.append(Override("journal.url", env["DATABASE_URL"], "environment DATABASE_URL"))
    return found


def gateway_overrides(text: str, where: str = "--gateway") -> list[Override]:
    """`HOST:PORT` → the broker's host, port and source."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port:
        raise ConfigError(where, "", f"expected HOST:PORT, got {text!r}")
    return [
        Override("broker.source", "gateway", where),
        Override("broker.host", host.strip("[]"), where),
        Override("broker.port", port, where),
    ]


def read_file(path: Path) -> Tree:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), "", "config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), "", f"cannot read the config file ({exc.__class__.__name__})") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(where, "", f"malformed YAML: {problem}") from None
    if node is None:
        return Tree(where=str(path))
    if not isinstance(node, yaml.MappingNode):
        raise ConfigError(_where(path, node), "", "expected a mapping of sections (broker:, risk:, …) at the top")
    return _tree(path, node, "")


def _where(path: Path, node: yaml.Node) -> str:
    return f"{path}:{node.start_mark.line + 1}"


def _tree(path: Path, node: yaml.MappingNode, prefix: str) -> Tree:
    tree = Tree(where=_where(path, node))
    for key_node, value_node in node.value:
        key = str(key_node.value)
        dotted = f"{prefix}{key}"
        where = _where(path, key_node)
        if key in tree.entries:
            raise ConfigError(where, dotted, "duplicate key")
        if _SECRET_KEY.search(key):
            raise ConfigError(where, dotted, "secrets are never read from the config file; set them in the environment")
        tree.entries[key] = _entry(path, value_node, dotted)
        tree.key_where[key] = where
    return tree


def _entry(path: Path, node: yaml.Node, dotted: str) -> Tree | Raw | RawList:
    if isinstance(node, yaml.MappingNode):
        return _tree(path, node, f"{dotted}.")
    if isinstance(node, yaml.SequenceNode):
        items = tuple(_scalar(path, item, f"{dotted}[{i}]") for i, item in enumerate(node.value))
        return RawList(items, _where(path, node))
    return _scalar(path, node, dotted)


def _scalar(path: Path, node: yaml.Node, dotted: str) -> Raw:
    if not isinstance(node, yaml.ScalarNode):
        raise ConfigError(_where(path, node), dotted, "expected a single value, got a nested list or mapping")
    is_null = node.tag == "tag:yaml.org,2002:null"
    raw = Raw(None if is_null else node.value, node.style is None, _where(path, node))
    if raw.text and (_SECRET_VALUE.search(raw.text) or _url_password(raw.text)):
        raise ConfigError(raw.where, dotted, "secrets are never read from the config file; set them in the environment")
    return raw


def _url_password(text: str) -> bool:
    if "://" not in text:
        return False
    try:
        return bool(urlsplit(text).password)
    except ValueError:
        return False


def _overlay(tree: Tree, override: Override) -> None:
    *sections, leaf = override.key.split(".")
    for name in sections:
        child = tree.entries.get(name)
        if not isinstance(child, Tree):
            child = tree.entries[name] = Tree(where=override.where)
        tree = child
    tree.entries[leaf] = Raw(override.text, True, override.where)
    tree.key_where[leaf] = override.where


def _build(cls: type, tree: Tree, prefix: str) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init and f.name != "source_file"}
    for key in tree.entries:
        if key not in fields:
            close = difflib.get_close_matches(key, fields, n=1)
            hint = f" (did you mean {close[0]}?)" if close else f" (known: {', '.join(fields)})"
            raise ConfigError(tree.key_where.get(key, tree.where), f"{prefix}{key}", "unknown key" + hint)
    kwargs = {
        name: _convert(hints[name], f, tree.entries[name], f"{prefix}{name}")
        for name, f in fields.items()
        if name in tree.entries
    }
    return cls(**kwargs)


def _convert(hint: Any, f: dataclasses.Field[Any], entry: Tree | Raw | RawList, key: str) -> Any:
    if dataclasses.is_dataclass(hint):
        if not isinstance(entry, Tree):
            raise ConfigError(entry.where, key, f"expected a section of settings ({key}: with keys below it)")
        return _build(hint, entry, f"{key}.")
    if typing.get_origin(hint) is tuple:
        return _convert_list(typing.get_args(hint)[0], f, entry, key)
    if not isinstance(entry, Raw):
        raise ConfigError(entry.where, key, "expected a single value, got a list or a section")
    value = _convert_scalar(hint, f, entry, key)
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        values.check_limits(value, entry, key, dict(f.metadata))
    return value


def _convert_list(item_type: Any, f: dataclasses.Field[Any], entry: Tree | Raw | RawList, key: str) -> tuple[Any, ...]:
    if isinstance(entry, Raw) and entry.text is None:
        return ()
    if not isinstance(entry, RawList):
        raise ConfigError(entry.where, key, "expected a list, like [a, b]")
    return tuple(_convert_scalar(item_type, f, item, f"{key}[{i}]") for i, item in enumerate(entry.items))


def _convert_scalar(hint: Any, f: dataclasses.Field[Any], raw: Raw, key: str) -> Any:
    if f.metadata.get("symbols"):
        return values.to_symbol(raw, key)
    if hint is time:
        return values.to_time(raw, key)
    if hint is bool:
        return values.to_bool(raw, key)
    if hint is int:
        return values.to_int(raw, key)
    if hint is Decimal:
        return values.to_decimal(raw, key)
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return values.to_choice(raw, key, hint)
    if hint is str:
        return values.to_text(raw, key)
    raise TypeError(f"no converter for {key}: {hint!r}")


def _check_consistency(settings: Settings, tree: Tree) -> None:
    """Rules that span keys; the message names the key that has to change."""
    risk = settings.risk
    if risk.daily_loss_soft_pct > risk.daily_loss_hard_pct:
        raise ConfigError(
            _key_where(tree, "risk", "daily_loss_soft_pct"),
            "risk.daily_loss_soft_pct",
            f"expected at most risk.daily_loss_hard_pct ({risk.daily_loss_hard_pct}), got {risk.daily_loss_soft_pct}",
        )
    url = settings.journal.url
    if url and not url.startswith(("sqlite:///", "postgresql://", "postgres://")):
        raise ConfigError(
            _key_where(tree, "journal", "url"),
            "journal.url",
            "expected sqlite:///PATH or postgresql://…, or empty for SQLite in the data directory",
        )


def _key_where(tree: Tree, section: str, key: str) -> str:
    child = tree.entries.get(section)
    if isinstance(child, Tree):
        return child.key_where.get(key, child.where)
    return tree.where
