"""The transcript puts each line in view through Textual's styles once while it stays in view (`DrawnLines` in
widgets/strips.py): a new line at the bottom draws that line, not the pane, and what the pane shows is what Textual
would draw, through streaming, focus, scrolling and a resize. Its scrollbar (`SteadyScrollBar` in widgets/
scrolling.py) draws again only when the thumb's drawing changes, and then draws what Textual would."""

from __future__ import annotations

from typing import Any

import pytest
from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from catalyst_tui.agent.events import Delta, Entry
from catalyst_tui.journal.records import EntryKind
from widgets.transcript import TranscriptView


class Host(App[None]):
    CSS = "TranscriptView { height: 1fr; } Static { height: 1; }"

    def __init__(self, view: TranscriptView) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        yield Static("above")
        yield self.view


def shown(view: TranscriptView) -> list[list[Segment]]:
    """The pane's lines as the console's compositor gets them."""
    return [list(strip) for strip in view.render_lines(Region(0, 0, *view.size))]


def textual_draws(view: TranscriptView) -> list[list[Segment]]:
    """The pane's lines drawn afresh by Textual's own pipeline, with nothing kept from an earlier frame."""
    view._styles_cache.clear()
    return [list(strip) for strip in Widget.render_lines(view, Region(0, 0, *view.size))]


def bar_shown(view: TranscriptView) -> list[list[Segment]]:
    bar = view.vertical_scrollbar
    return [list(strip) for strip in bar.render_lines(Region(0, 0, *bar.size))]


TEXTUAL_DRAWS_BAR = ScrollBar.render_lines


def bar_textual_draws(view: TranscriptView) -> list[list[Segment]]:
    bar = view.vertical_scrollbar
    bar.refresh()  # forget what was drawn
    return [list(strip) for strip in TEXTUAL_DRAWS_BAR(bar, Region(0, 0, *bar.size))]


def say(view: TranscriptView, *lines: str) -> None:
    for line in lines:
        view.add(Entry("assistant", EntryKind.TEXT, line))
    view.flush()


async def test_a_new_line_at_the_bottom_draws_that_line_not_the_pane() -> None:
    view = TranscriptView()
    async with Host(view).run_test(size=(80, 20)) as pilot:
        say(view, *(f"line {n} of the cycle's reasoning" for n in range(40)))
        await pilot.pause()
        drawn: list[int] = []
        render_line = view.render_line

        def counted(y: int) -> Any:
            drawn.append(y)
            return render_line(y)

        view.render_line = counted  # type: ignore[method-assign]
        say(view, "line 40 of the cycle's reasoning")
        await pilot.pause()

        assert view.size.height > 10
        assert [strip[0].text.strip() for strip in shown(view)][-1] == "line 40 of the cycle's reasoning"
        assert drawn == [view.size.height - 1]  # the new line; the others moved up, drawn as they were


async def test_the_pane_shows_what_textual_would_draw_through_streaming_focus_scrolling_and_resizing() -> None:
    view = TranscriptView()
    async with Host(view).run_test(size=(80, 20)) as pilot:
        pilot.app.set_focus(None)
        say(view, *(f"line {n} " + "momentum volume breakout " * (n % 5) for n in range(30)))
        await pilot.pause()
        assert shown(view) == textual_draws(view)

        for word in ("Tencent ", "broke ", "out ", "above ", "its ", "20-day ", "high"):
            view.add(Delta(EntryKind.TEXT, word))
            view.flush()
            await pilot.pause()
            assert shown(view) == textual_draws(view)

        unfocused = shown(view)
        view.focus()
        await pilot.pause()
        assert shown(view) != unfocused  # the focused pane is tinted: kept lines must not show the old look
        assert shown(view) == textual_draws(view)

        view.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        assert shown(view) == textual_draws(view)

        await pilot.resize_terminal(60, 16)
        await pilot.pause()
        assert view.size.width < 80
        assert shown(view) == textual_draws(view)


async def test_the_scrollbar_draws_again_only_when_the_thumb_moves_a_visible_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    view = TranscriptView()
    async with Host(view).run_test(size=(80, 20)) as pilot:
        say(view, *(f"line {n}" for n in range(200)))
        await pilot.pause()
        redrawn = 0

        def counted(bar: ScrollBar, crop: Region) -> list[Strip]:
            nonlocal redrawn
            redrawn += bar is view.vertical_scrollbar
            return TEXTUAL_DRAWS_BAR(bar, crop)

        monkeypatch.setattr(ScrollBar, "render_lines", counted)
        changes, before = 0, bar_textual_draws(view)
        for n in range(200, 260):
            say(view, f"line {n}")
            await pilot.pause()
            now = bar_textual_draws(view)
            assert bar_shown(view) == now
            changes += now != before
            before = now

        assert 0 < changes < 30  # the thumb moved a visible step now and then, not at every line
        assert redrawn == changes
        view.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        assert bar_shown(view) == bar_textual_draws(view) != before
