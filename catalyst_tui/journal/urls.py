"""`--journal` / `DATABASE_URL`: which engine, where, and how to show it without its password."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

SQLITE_SCHEME = "sqlite:///"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class JournalUrlError(ValueError):
    """A journal URL Catalyst cannot use."""


@dataclass(frozen=True)
class JournalTarget:
    engine: str  # "sqlite" or "postgresql"
    location: str = field(repr=False)  # the SQLite file's path, or the PostgreSQL URL (with its password)

    @property
    def display(self) -> str:
        """For screens and logs: the URL with any password replaced by ***."""
        return f"sqlite:///{self.location}" if self.engine == "sqlite" else without_password(self.location)

    def scrub(self, text: str) -> str:
        """`text` with this URL's passwords replaced by ***: libpq quotes a URL it cannot parse in its error."""
        for password in passwords_in(self.location):
            text = text.replace(password, "***")
        return text

    @property
    def spool_name(self) -> str:
        """One spool per journal, so records are never replayed into a database they were not meant for."""
        digest = hashlib.sha256(self.display.encode()).hexdigest()[:12]
        return f"journal-spool-{digest}.jsonl"


def parse_journal_url(url: str) -> JournalTarget:
    if url.startswith(SQLITE_SCHEME):
        path = url.removeprefix(SQLITE_SCHEME)
        if not path:
            raise JournalUrlError("expected sqlite:///PATH (sqlite:////abs/path for an absolute path), got no path")
        return JournalTarget("sqlite", str(Path(path)))
    if url.startswith(POSTGRES_SCHEMES):
        return JournalTarget("postgresql", url)
    raise JournalUrlError(f"expected sqlite:///PATH or postgresql://…, got {without_password(url)!r}")


def without_password(url: str) -> str:
    """Masks a password in the user part (`user:pw@host`) and in the query (`?password=pw`)."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "(unreadable URL)"
    if password is not None:
        user, host = parts.username or "", parts.netloc.rpartition("@")[2]
        parts = parts._replace(netloc=f"{user}:***@{host}")
    return urlunsplit(parts._replace(query=re.sub(r"(?i)(password=)[^&]*", r"\1***", parts.query)))


def passwords_in(url: str) -> list[str]:
    """The URL's passwords, as written and percent-decoded, longest first. Read by hand: urlsplit refuses some URLs
    (an unclosed `[`) that libpq still quotes back, password and all."""
    authority = re.split(r"[/?#]", url.partition("://")[2], maxsplit=1)[0]
    userinfo, at, _ = authority.rpartition("@")
    found = [userinfo.partition(":")[2]] if at else []
    found += re.findall(r"(?i)[?&]password=([^&#]*)", url)
    return sorted({form for p in found for form in (p, unquote(p)) if form}, key=len, reverse=True)
