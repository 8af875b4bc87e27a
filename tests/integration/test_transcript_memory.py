"""A transcript kept all session costs memory in proportion to its text: a line that has been on screen keeps no
copies of what Textual drew from it (issue 10, memory over an 8-hour session; bench/memory_day.py)."""

from __future__ import annotations

import gc
import random
import tracemalloc

from textual.app import App, ComposeResult

from catalyst_tui.agent.events import Entry
from catalyst_tui.journal.records import EntryKind
from widgets.transcript import TranscriptView

WORDS = ("momentum", "volume", "breakout", "support", "resistance", "VWAP", "trend", "pullback", "range", "gap")
LINES = 400
# Paragraphs of 5 to 60 words at 120 columns: the text, its row and its wrapped segments take about 2 KB a line.
# When each drawn line kept Textual's cropped, styled and rendered copies in its caches, it took about 12 KB.
BYTES_PER_LINE = 5000


class Host(App[None]):
    def __init__(self, view: TranscriptView) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        yield self.view


async def test_a_line_that_was_drawn_keeps_no_copies_of_the_drawing() -> None:
    view = TranscriptView()
    rng = random.Random(1)

    async def add(lines: int) -> None:
        for n in range(1, lines + 1):
            view.add(Entry("assistant", EntryKind.TEXT, " ".join(rng.choices(WORDS, k=rng.randint(5, 60)))))
            if n % 10 == 0:
                view.flush()
                await pilot.pause()  # drawn at the bottom of the pane, as a streaming cycle draws it

    async with Host(view).run_test(size=(120, 40)) as pilot:
        await add(50)
        gc.collect()
        ours = not tracemalloc.is_tracing()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            await add(LINES)
            gc.collect()
            grown = tracemalloc.get_traced_memory()[0] - before
        finally:
            if ours:
                tracemalloc.stop()
        assert view.line_count == 50 + LINES
    assert grown / LINES < BYTES_PER_LINE, f"{grown / LINES:.0f} bytes per kept line"
