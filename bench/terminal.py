"""A program in a pseudo-terminal, watched as the operator's terminal would see it: every byte it writes, with the
time it arrived, and its CPU from /proc. The benches that time the screen (start-up, quotes, key presses) run
the real `catalyst` in one of these.

The terminal answers Textual's one question (does it support synchronized output, DECRQM 2026?) with yes, as
tmux and modern terminals do, so every frame arrives between a begin and an end marker and frames can be counted.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SYNC_QUERY = b"\x1b[?2026$p"
SYNC_SUPPORTED = b"\x1b[?2026;2$y"
FRAME_END = b"\x1b[?2026l"
_ESCAPE = re.compile(rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78cDEHM])")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def plain(data: bytes) -> str:
    """The text a terminal would print, without escape sequences; cursor moves become newlines so that words
    from different places on the screen never run together."""
    return _ESCAPE.sub(lambda m: b"\n" if m.group(0).endswith(b"H") else b"", data).decode("utf-8", "replace")


@dataclass(frozen=True)
class Chunk:
    at: float  # time.time() when the bytes were read
    data: bytes


def cpu_seconds(pid: int) -> float:
    """User plus system CPU the process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Terminal:
    """Runs `argv` on a pty of `columns`×`lines`; a thread reads everything it writes."""

    def __init__(self, argv: Sequence[str], columns: int = 160, lines: int = 48,
                 env: Mapping[str, str] | None = None, cwd: str | None = None) -> None:  # fmt: skip
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        environment = {**os.environ, **(env or {}), "TERM": "xterm-256color", "COLUMNS": str(columns),
                       "LINES": str(lines)}  # fmt: skip
        self.started = time.time()
        self.process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=environment, cwd=cwd,
                                        start_new_session=True)  # fmt: skip
        os.close(slave)
        self.chunks: list[Chunk] = []
        self._size = (columns, lines)
        self._emulator: tuple[Any, Any] | None = None  # pyte's screen and stream, made when first asked for
        self._fed = 0  # chunks fed to the emulator
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.5)
                if not ready:
                    if self.process.poll() is not None:
                        return
                    continue
                data = os.read(self.master, 1 << 16)
            except OSError:
                return
            if not data:
                return
            now = time.time()
            if SYNC_QUERY in data:
                os.write(self.master, SYNC_SUPPORTED)
            with self._changed:
                self.chunks.append(Chunk(now, data))
                self._changed.notify_all()

    def mark(self) -> int:
        """A position in the output, to look only at what comes after it."""
        with self._lock:
            return len(self.chunks)

    def since(self, mark: int) -> list[Chunk]:
        with self._lock:
            return self.chunks[mark:]

    def wait_for(self, text: str, timeout: float, after: int = 0) -> float:
        """The time the chunk that completed `text` (in plain text, after `after`) arrived."""
        deadline = time.monotonic() + timeout
        seen = b""
        index = after
        with self._changed:
            while True:
                while index < len(self.chunks):
                    seen += self.chunks[index].data
                    if text in plain(seen):
                        return self.chunks[index].at
                    index += 1
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    tail = plain(seen)[-2000:]
                    raise TimeoutError(f"{text!r} did not appear within {timeout:g} s; the screen ended:\n{tail}")
                self._changed.wait(min(left, 0.5))

    def screen(self) -> str:
        """What the screen shows now, as text: a terminal emulator is fed every byte that arrived since the last
        call (outside the lock, so the reader never waits on it)."""
        self._feed(self.since(self._fed))
        return self._shown()

    def wait_screen(self, shows: Callable[[str], bool], timeout: float, after: int = 0) -> float:
        """The arrival time of the first frame after `after` at whose end the screen's text satisfies `shows`.

        The emulator sees the screen as the operator does, so a change that only removes something (a dialog
        closing over panes that stay as they were) is seen too. Call `screen()` before the mark to catch up."""
        deadline = time.monotonic() + timeout
        while True:
            for chunk in self.since(self._fed):
                self._feed([chunk])
                if self._fed > after and FRAME_END in chunk.data and shows(self._shown()):
                    return chunk.at
            with self._changed:
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    shown = self._shown()
                    raise TimeoutError(f"the screen did not change as awaited within {timeout:g} s; it shows:\n{shown}")
                if self._fed == len(self.chunks):
                    self._changed.wait(min(left, 0.5))

    def _feed(self, chunks: list[Chunk]) -> None:
        _, stream = self._emulated()
        for chunk in chunks:
            stream.feed(chunk.data)
            self._fed += 1

    def _shown(self) -> str:
        screen, _ = self._emulated()
        return "\n".join(screen.display)

    def _emulated(self) -> tuple[Any, Any]:
        """pyte (`make bench-deps`), imported only by the benches that read the screen rather than the bytes."""
        if self._emulator is None:
            import pyte

            screen = pyte.Screen(*self._size)
            self._emulator = (screen, pyte.ByteStream(screen))
        return self._emulator

    def send(self, keys: str | bytes) -> float:
        """Type `keys`; return the time they were written."""
        data = keys.encode() if isinstance(keys, str) else keys
        at = time.time()
        os.write(self.master, data)
        return at

    def close(self, timeout: float = 10) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._reader.join(2)
        os.close(self.master)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
