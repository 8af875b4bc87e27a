"""Lines for the line-based panes (quotes, transcript)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.segment import Segment
from rich.style import Style
from textual.widget import Widget


def styled(segments: Iterable[Segment]) -> list[Segment]:
    """Every segment with a style: Textual's NO_COLOR filter reads each one's colour, and rich leaves some None."""
    return [Segment(seg.text, seg.style or Style.null(), seg.control) for seg in segments]


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
