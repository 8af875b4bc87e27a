"""Logging to a daily-rotating file, never to the terminal, with known secrets redacted before anything is written.

The TUI owns the screen: a stray log line on stderr would tear it, so the root logger writes only to the file.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import traceback
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType

from catalyst_tui.journal.urls import passwords_in

SECRET_VARIABLES = ("ANTHROPIC_API_KEY", "IB_PASSWORD", "TWS_PASSWORD", "PGPASSWORD")
URL_VARIABLES = ("DATABASE_URL",)
REDACTED = "[REDACTED]"
_MIN_SECRET = 4  # shorter values would blot out ordinary words; a password that short is no secret anyway


def known_secrets(env: Mapping[str, str], urls: Iterable[str | None] = ()) -> list[str]:
    """The secret values this process could leak: API keys, passwords, and the passwords inside a database URL
    (DATABASE_URL, or one of `urls`, such as --journal's). Each also without the whitespace around it: a value
    from a Windows-edited env file ends in a carriage return, and an error quoting it escapes that as `\\r`."""
    found = [env[name] for name in SECRET_VARIABLES if env.get(name)]
    for url in [*(env.get(name) for name in URL_VARIABLES), *urls]:
        found += passwords_in(url or "")
    forms = {form for secret in found for form in (secret, secret.strip())}
    return sorted({s for s in forms if len(s) >= _MIN_SECRET}, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites each record, its arguments and its traceback, so no handler ever sees a secret."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = list(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        record.msg = redact(record.getMessage(), self.secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


def setup_logging(directory: Path, level: str, keep_days: int, secrets: Iterable[str]) -> Path:
    """Send every log record of the process to `directory/catalyst.log`, rotated at midnight."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "catalyst.log"
    handler = logging.handlers.TimedRotatingFileHandler(
        path, when="midnight", backupCount=keep_days, encoding="utf-8", delay=True
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.captureWarnings(True)
    return path


def crash_report(secrets: Iterable[str]) -> str:
    """The traceback of the exception being handled, redacted: no frame's local variables, no known secret."""
    return redact(traceback.format_exc(), secrets)


def report_uncaught(secrets: Iterable[str]) -> None:
    """An exception nothing caught ends the process: its traceback goes to the log and to stderr, both redacted
    (Python's own hook would print exception messages as they are)."""
    shown = list(secrets)

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        logging.getLogger("catalyst_tui").critical("uncaught exception", exc_info=(kind, value, tb))
        sys.stderr.write(redact("".join(traceback.format_exception(kind, value, tb)), shown))

    sys.excepthook = hook
