"""Lines for the line-based panes (quotes, transcript)."""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.widget import Widget


def rendered(text: Text, console: Console) -> list[Segment]:
    """A Text's segments, each carrying the Text's own style.

    rich leaves the style off when a Text has no spans (a plain header, a plain transcript line lost its colour),
    and leaves some segments' style None, which Textual's NO_COLOR filter cannot read."""
    base = console.get_style(text.style, default=Style.null())
    return [Segment(seg.text, base + seg.style if seg.style else base, seg.control) for seg in text.render(console)]


class StyleMemo:
    """A line-based pane's own style and its component styles, read once per style change.

    Textual works out `rich_style` by walking every ancestor's styles, which costs more than drawing a cached line,
    and a line-based pane needs it for every line of every frame. The pane calls `clear()` from
    `notify_style_update`, which Textual calls whenever a rule, the theme or a pseudo-class changes its styles.
    """

    def __init__(self, widget: Widget) -> None:
        self._widget = widget
        self._base: Style | None = None
        self._components: dict[str, Style] = {}

    def clear(self) -> None:
        self._base = None
        self._components.clear()

    @property
    def base(self) -> Style:
        if self._base is None:
            self._base = self._widget.rich_style
        return self._base

    def component(self, name: str) -> Style:
        style = self._components.get(name)
        if style is None:
            style = self._components[name] = self._widget.get_component_rich_style(name)
        return style
