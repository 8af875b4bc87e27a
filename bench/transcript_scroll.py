"""What a new transcript line costs to draw: the pane and its scrollbar, as a frame draws them when the line scrolls
the pane, in process (headless), with a transcript already full of lines. Run it from another tree with that tree on
PYTHONPATH to compare.

    PYTHONPATH=. .venv/bin/python bench/transcript_scroll.py [--lines 300] [--frames 300]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from textual.app import App, ComposeResult
from textual.geometry import Region

from catalyst_tui.agent.events import Entry
from catalyst_tui.journal.records import EntryKind
from widgets.transcript import TranscriptView

HEIGHT, WIDTH = 21, 88  # the transcript pane of a 160x48 terminal


class Host(App[None]):
    CSS = f"TranscriptView {{ height: {HEIGHT}; width: {WIDTH}; }}"

    def compose(self) -> ComposeResult:
        yield TranscriptView()


async def measure(lines: int, frames: int) -> tuple[float, float]:
    """Median milliseconds to draw the pane, and its scrollbar, after each new line."""
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.query_one(TranscriptView)
        for n in range(lines):
            view.add(Entry("assistant", EntryKind.TEXT, f"line {n}: momentum volume support resistance breakout"))
        view.flush()
        await pilot.pause()
        bar = view.vertical_scrollbar
        pane_ms, bar_ms = [], []
        for n in range(frames):
            view.add(Entry("assistant", EntryKind.TEXT, f"new line {n}: the spread widened after the open"))
            view.flush()  # scrolls the pane to the new line, as a streaming cycle does
            start = time.perf_counter()
            view.render_lines(Region(0, 0, *view.size))
            drawn = time.perf_counter()
            bar.render_lines(Region(0, 0, *bar.size))
            pane_ms.append((drawn - start) * 1000)
            bar_ms.append((time.perf_counter() - drawn) * 1000)
    return statistics.median(pane_ms), statistics.median(bar_ms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=300, help="lines in the transcript before measuring")
    parser.add_argument("--frames", type=int, default=300, help="new lines drawn, one a frame")
    args = parser.parse_args()
    pane, bar = asyncio.run(measure(args.lines, args.frames))
    print(f"a new line, {args.lines}+ lines kept, {WIDTH}x{HEIGHT} pane: pane {pane:.2f} ms, scrollbar {bar:.2f} ms "
          f"(medians of {args.frames})")  # fmt: skip


if __name__ == "__main__":
    main()
