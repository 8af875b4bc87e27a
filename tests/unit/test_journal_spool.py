"""The spool keeps what it acknowledged, in order, and nothing it did not."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from catalyst_tui.journal import EntryKind, ErrorRecorded, TranscriptEntry
from catalyst_tui.journal.spool import Spool, SpoolError

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def entry(seq: int, text: str = "") -> TranscriptEntry:
    return TranscriptEntry("cyc-1", seq, T0, "assistant", EntryKind.TEXT, text or f"line {seq}")


def test_groups_come_back_whole_and_in_order_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "spool.jsonl"
    error = ErrorRecorded(T0, "broker", "1100")
    first = Spool(path)
    first.append([(entry(0), entry(1)), (error,)])
    first.append([(entry(2),)])
    again = Spool(path)
    assert again.pending == 3
    assert again.read() == [(entry(0), entry(1)), (error,), (entry(2),)]


def test_text_with_separators_and_newlines_survives(tmp_path: Path) -> None:
    tricky = entry(0, "line one\nline two\x1e\x1c\u2028 end")
    spool = Spool(tmp_path / "spool.jsonl")
    spool.append([(tricky,)])
    assert Spool(spool.path).read() == [(tricky,)]


def test_a_torn_last_line_is_dropped_and_the_next_append_starts_clean(tmp_path: Path) -> None:
    """The process died mid-write: that group was never acknowledged, so dropping it loses nothing promised."""
    path = tmp_path / "spool.jsonl"
    Spool(path).append([(entry(0),), (entry(1),)])
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) - 10])  # the second line loses its end
    reopened = Spool(path)
    assert reopened.read() == [(entry(0),)]
    reopened.append([(entry(2),)])
    assert Spool(path).read() == [(entry(0),), (entry(2),)]


def test_a_line_that_is_no_record_stops_the_replay_with_the_file_named(tmp_path: Path) -> None:
    path = tmp_path / "spool.jsonl"
    path.write_text('{"type": "Nonsense", "data": {}}\n')
    with pytest.raises(SpoolError, match=r"spool\.jsonl line 1"):
        Spool(path)


def test_cleared_means_gone(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool.jsonl")
    spool.append([(entry(0),)])
    spool.clear()
    assert spool.pending == 0 and not spool.path.exists()
