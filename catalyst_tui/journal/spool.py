"""Records the database could not take yet, in a local file, in order, each group of records on one line.

A line is written with one `write` and fsynced before the writer acknowledges it, so a line that is there whole
was promised to its caller, and a torn last line (the process killed mid-write) never was and is dropped.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

from catalyst_tui.journal.codec import CodecError, decode, encode
from catalyst_tui.journal.records import Record

log = logging.getLogger(__name__)
Group = tuple[Record, ...]
_SEPARATOR = "\x1e"  # ASCII record separator between a group's records; JSON text escapes it, so it cannot clash


class Spool:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._drop_torn_tail()
        self.pending = len(self.read())

    def append(self, groups: Sequence[Group]) -> None:
        """Raises OSError if the disk refuses; then nothing was promised."""
        data = "".join(_SEPARATOR.join(encode(r) for r in group) + "\n" for group in groups).encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        size = os.fstat(fd).st_size
        try:
            rest = memoryview(data)
            while rest:  # a short write is retried, so a full disk answers with its own ENOSPC
                rest = rest[os.write(fd, rest) :]
            os.fsync(fd)
        except OSError:
            os.ftruncate(fd, size)  # leave no half line for the next append to run into
            raise
        finally:
            os.close(fd)
        self.pending += len(groups)

    def read(self) -> list[Group]:
        text = self.path.read_bytes().decode(errors="replace") if self.path.exists() else ""
        groups = []
        for number, line in enumerate(text.split("\n")[:-1], 1):  # not splitlines(): it splits on \x1e too
            try:
                groups.append(tuple(decode(part) for part in line.split(_SEPARATOR)))
            except CodecError:
                raise SpoolError(f"{self.path} line {number} is not a journal record; move the file aside") from None
        return groups

    def _drop_torn_tail(self) -> None:
        """A process killed mid-write leaves a last line without its newline: cut it, so appends start clean."""
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        whole = data.rfind(b"\n") + 1
        if whole < len(data):
            log.warning("dropping a torn last line of %s (%d bytes): it was never acknowledged", self.path,
                        len(data) - whole)  # fmt: skip
            with self.path.open("r+b") as f:
                f.truncate(whole)
                os.fsync(f.fileno())

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
        self.pending = 0


class SpoolError(ValueError):
    """The spool holds something this version cannot replay; it is left in place for the operator."""
