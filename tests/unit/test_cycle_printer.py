"""What `catalyst cycle` shows on the terminal while a cycle runs."""

from __future__ import annotations

import io

from catalyst_tui.agent.events import Delta, Entry
from catalyst_tui.cycle_command import Printer
from catalyst_tui.journal import EntryKind


def shown(*events: Delta | Entry) -> str:
    out = io.StringIO()
    printer = Printer(out)
    for event in events:
        printer(event)
    printer.end_line()
    return out.getvalue()


def test_streamed_text_shows_once_and_tool_calls_get_their_own_lines() -> None:
    text = shown(
        Delta(EntryKind.TEXT, "Checking "), Delta(EntryKind.TEXT, "0700.HK."),
        Delta(EntryKind.TEXT, " Then AAPL."),
        Entry("assistant", EntryKind.TEXT, "Checking 0700.HK.", streamed=True),
        Entry("assistant", EntryKind.TEXT, " Then AAPL.", streamed=True),
        Entry("assistant", EntryKind.TOOL_CALL, 'get_quote {"symbol": "0700.HK"}'),
        Entry("user", EntryKind.TOOL_RESULT, "\n".join(f"line {n}" for n in range(10))),
        Entry("assistant", EntryKind.TEXT, "The rules brain speaks in whole paragraphs."),
    )  # fmt: skip
    assert text.splitlines() == [
        "Checking 0700.HK. Then AAPL.",
        '→ get_quote {"symbol": "0700.HK"}',
        "← line 0", "   line 1", "   line 2", "   line 3", "   line 4", "   line 5", "   … 4 more lines",
        "The rules brain speaks in whole paragraphs.",
    ]  # fmt: skip


def test_thinking_and_system_notes_are_marked() -> None:
    text = shown(Entry("assistant", EntryKind.THINKING, "Is it above VWAP?", streamed=True),
                 Entry("system", EntryKind.TEXT, "Skipped: the HK market is closed"))  # fmt: skip
    assert text.splitlines() == ["[thinking] Is it above VWAP?", "== Skipped: the HK market is closed"]
