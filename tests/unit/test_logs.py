from __future__ import annotations

import logging
from pathlib import Path

import pytest

from catalyst_tui.logs import REDACTED, known_secrets, setup_logging

KEY = "sk-ant-api03-PLANTED-secret-key"
DB_PASSWORD = "db-pa55word"


@pytest.fixture
def log_file(tmp_path: Path) -> object:
    env = {"ANTHROPIC_API_KEY": KEY, "DATABASE_URL": f"postgresql://cat:{DB_PASSWORD}@db/x"}
    path = setup_logging(tmp_path / "logs", "debug", 7, known_secrets(env))
    yield path
    for handler in list(logging.getLogger().handlers):
        logging.getLogger().removeHandler(handler)
        handler.close()


def flush() -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()


def test_known_secrets_come_from_the_environment() -> None:
    env = {"ANTHROPIC_API_KEY": KEY, "DATABASE_URL": f"postgresql://cat:{DB_PASSWORD}@db/x", "PGPASSWORD": "abc"}
    assert set(known_secrets(env)) == {KEY, DB_PASSWORD}  # three characters is too short to redact safely


def test_secrets_are_redacted_in_messages_arguments_and_tracebacks(log_file: Path, capfd) -> None:
    log = logging.getLogger("catalyst.test")
    log.info("calling with key %s", KEY)
    log.warning(f"url postgresql://cat:{DB_PASSWORD}@db/x")
    try:
        raise RuntimeError(f"auth failed for {KEY}")
    except RuntimeError:
        log.exception("request failed")
    flush()
    text = log_file.read_text()
    assert KEY not in text
    assert DB_PASSWORD not in text
    assert text.count(REDACTED) == 3  # two messages and the exception's text
    assert "RuntimeError" in text
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")  # nothing reaches the terminal
