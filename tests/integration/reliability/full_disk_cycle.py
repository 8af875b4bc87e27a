"""`catalyst cycle --once` on a disk with no byte free, for `test_full_disk.py`; and the filler both children use.

The test starts this under `unshare`, with a tmpfs of its own mounted over DISK and XDG_DATA_HOME=DISK. A journal is
made while there is room, the disk is filled to the last byte, and this process becomes `catalyst cycle --once`
against the simulator on PORT. It imports little, so the command starts about as fast as the operator's would.
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

from catalyst_tui.journal import open_store

REPO = Path(__file__).resolve().parents[3]
FILLER = "filler"


def free(disk: Path) -> int:
    stat = os.statvfs(disk)
    return stat.f_bavail * stat.f_frsize


def fill(disk: Path, left: int) -> int:
    """A file that takes all but `left` bytes of the disk (all of them for 0); answers what is left."""
    fd = os.open(disk / FILLER, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        wanted = free(disk) - left
        while wanted > 0:
            wanted -= os.write(fd, bytes(min(wanted, 1 << 16)))
        os.fsync(fd)
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
    finally:
        os.close(fd)
    return free(disk)


def main(disk: Path, port: int) -> None:
    open_store(f"sqlite:///{disk / 'catalyst' / 'journal.sqlite3'}").close()
    fill(disk, 0)
    command = ["--config", str(REPO / "config" / "settings.yaml"), "cycle", "--once", "--brain", "rules", "--mode",
               "autopilot", "--gateway", f"127.0.0.1:{port}"]  # fmt: skip
    os.execv(sys.executable, [sys.executable, "-m", "catalyst_tui", *command])


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
