"""What reaches the terminal: every update the main screen sends, applied in turn, leaves the screen a full redraw
would draw. The main screen draws partial updates with widgets/compositor.py, which renders only the widgets that
own a changed cell; this holds it to what the operator must see, frame by frame, while quotes tick under the help
and a question."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from rich.cells import cell_len
from rich.segment import ControlType, Segment
from textual._compositor import ChopsUpdate, Compositor, LayoutUpdate
from textual.geometry import Region
from textual.strip import Strip

from catalyst_tui.app import CatalystApp
from catalyst_tui.clock import ControllableClock
from tests.tui.conftest import SIZE, wait_for
from tests.tui.test_console import MakeApp, started
from widgets.compositor import CoveringCompositor, uncovered

Cell = tuple[str, str]  # the character and its style, as a terminal keeps them


class Terminal:
    """A grid of cells that takes the updates a compositor renders, as a terminal would."""

    def __init__(self, width: int, height: int, blank: Cell = (" ", "")) -> None:
        self.cells: list[list[Cell]] = [[blank] * width for _ in range(height)]

    def write(self, x: int, y: int, segments: Iterable[Segment]) -> int:
        for segment in segments:
            for char in segment.text:
                if char == "\n":
                    continue  # between the lines of an update; the next chop moves the cursor where it goes
                if 0 <= y < len(self.cells) and 0 <= x < len(self.cells[y]):
                    self.cells[y][x] = (char, str(segment.style or ""))
                x += cell_len(char)
        return x

    def apply(self, update: LayoutUpdate | ChopsUpdate, app: CatalystApp) -> None:
        if isinstance(update, LayoutUpdate):
            for y, line in enumerate(update.strips, update.region.y):
                x = update.region.x
                for strip in line:
                    x = self.write(x, y, strip)
            return
        x = y = 0
        for segment in update.__rich_console__(app.console, app.console.options):
            if segment.control:
                for code in segment.control:
                    if code[0] is ControlType.CURSOR_MOVE_TO:
                        x, y = code[1], code[2]  # type: ignore[misc]
            else:
                x = self.write(x, y, [segment])

    def differs_from(self, strips: list[Strip]) -> list[int]:
        """The lines where these cells are not what the strips draw."""
        truth = Terminal(len(self.cells[0]), len(self.cells))
        for y, strip in enumerate(strips):
            truth.write(0, y, strip)
        return [y for y, (ours, theirs) in enumerate(zip(self.cells, truth.cells, strict=True)) if ours != theirs]


class Recorder:
    """Keeps the terminal the main screen draws, and checks each partial update against Textual's own compositor:
    given the same changed cells, it must paint the same cells the same way."""

    def __init__(self, app: CatalystApp) -> None:
        self.app = app
        self.compositor = app.screen_stack[0]._compositor
        self.terminal = Terminal(*SIZE)
        self.partial = self.full = 0
        self.wrong: list[int] = []  # the partial updates that differ from Textual's
        render_update = self.compositor.render_update
        render_partial_update = self.compositor.render_partial_update

        def recorded(*args: Any, **kwargs: Any) -> LayoutUpdate | ChopsUpdate | None:
            update = render_update(*args, **kwargs)
            if update is not None:
                self.terminal.apply(update, self.app)
                self.full += isinstance(update, LayoutUpdate)
            return update

        def compared() -> ChopsUpdate | None:
            textuals = copy.copy(self.compositor)  # the same layout and widgets, drawn by Textual's own code
            textuals.__class__ = Compositor
            textuals._dirty_regions = set(self.compositor._dirty_regions)
            ours = render_partial_update()
            if ours is not None:
                self.partial += 1
                expected = Compositor.render_partial_update(textuals)
                if expected is None or self.painted(ours) != self.painted(expected):
                    self.wrong.append(self.partial)
            return ours

        self.compositor.render_update = recorded  # type: ignore[method-assign]
        self.compositor.render_partial_update = compared  # type: ignore[method-assign]

    def painted(self, update: ChopsUpdate) -> list[list[Cell]]:
        """The cells an update paints; those it leaves alone are marked."""
        canvas = Terminal(*SIZE, blank=("", "untouched"))
        canvas.apply(update, self.app)
        return canvas.cells

    def differs(self) -> list[int]:
        return self.terminal.differs_from(self.compositor.render_strips())


async def test_every_partial_update_sends_what_textuals_own_would_and_the_screen_ends_whole(
    make_app: MakeApp, clock: ControllableClock
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert isinstance(app.screen._compositor, CoveringCompositor)
        recorder = Recorder(app)
        app.screen.refresh()  # a full update first: the terminal starts from a whole screen
        await wait_for(pilot, lambda: recorder.full > 0, "a full update")

        async def ticks(steps: int) -> None:
            for _ in range(steps):
                frames = recorder.partial
                await clock.advance(5)  # the simulator's next step: quotes move, their rows are drawn again
                await wait_for(pilot, lambda: recorder.partial > frames, "the quotes to be drawn")  # noqa: B023

        await ticks(3)
        await pilot.press("question_mark")  # the help, over part of the board
        await wait_for(pilot, lambda: app.help_panel.display, "the help")
        await ticks(3)  # quote rows change under the help
        await pilot.press("escape")
        await wait_for(pilot, lambda: not app.help_panel.display, "the help to close")
        await pilot.press("m")  # a question, over the panes
        await wait_for(pilot, lambda: app.question is not None, "the mode question")
        await ticks(3)
        await pilot.press("n")
        await wait_for(pilot, lambda: app.question is None, "the question to close")
        await ticks(2)
        assert recorder.partial >= 11
        assert recorder.wrong == []  # the partial updates that painted a cell otherwise than Textual's would
        await wait_for(pilot, lambda: not recorder.differs(), "the terminal to show what a full redraw would")


def cells(regions: Iterable[Region]) -> set[tuple[int, int]]:
    return {(x, y) for region in regions for y in region.line_range for x in range(region.x, region.right)}


def test_uncovered_parts_are_the_area_without_the_cover_and_do_not_overlap() -> None:
    area = Region(2, 3, 10, 6)
    covers = [Region(0, 0, 20, 20), Region(4, 5, 3, 2), Region(0, 4, 5, 30), Region(11, 8, 5, 5),
              Region(20, 20, 3, 3), Region(2, 3, 10, 6), Region(5, 0, 2, 40)]  # fmt: skip
    for cover in covers:
        parts = uncovered(area, cover)
        assert cells(parts) == cells([area]) - cells([cover]), cover
        assert sum(part.area for part in parts) == len(cells(parts)), cover  # no cell twice
