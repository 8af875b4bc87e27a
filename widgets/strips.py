"""Lines for the line-based panes (quotes, transcript)."""

from __future__ import annotations

from collections.abc import Callable, Hashable

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
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


def look_of(widget: Widget) -> Hashable:
    """What Textual's drawing of a widget's row depends on besides the row's own content: the widget's size,
    background, opacity and the app's line filters (a theme, NO_COLOR). For drawings kept across frames."""
    filters = tuple(id(line_filter) for line_filter in widget.get_line_filters())
    return widget.size, widget.background_colors, widget.opacity, filters


class DrawnLines:
    """A line-based pane's lines in view as Textual drew them, kept by the line each shows rather than by row.

    Textual keeps what it drew of a widget by row and forgets it all when the widget scrolls. In a pane whose lines
    move up as new ones come (the transcript while the model streams, several times a second) it drew every row
    again at each move: 1.23 ms for a new line, against 0.27 ms when only the new line is drawn
    (bench/transcript_scroll.py).

    A line's drawing depends on its text, the pane's style and its `look_of`, which are checked at each call; when
    the pane has a border, padding or an outline it also depends on the row, and nothing is kept. Only lines in
    view (or lately in view) are kept.
    """

    def __init__(self, widget: Widget, style: StyleMemo) -> None:
        self._widget = widget
        self._style = style
        self._drawn: dict[tuple[Hashable, int, int], Strip] = {}
        self._look: Hashable | None = None

    def render(
        self, crop: Region, top: int, line_at: Callable[[int], Hashable], draw: Callable[[Region], list[Strip]]
    ) -> list[Strip]:
        """The rows of `crop`: row y shows `line_at(top + y)`; `draw` is Textual's own drawing of a region."""
        look = self._current_look()
        if look is None:
            return draw(crop)
        if look != self._look:
            self._drawn.clear()
            self._look = look
        strips = []
        for y in crop.line_range:
            key = (line_at(top + y), crop.x, crop.width)
            strip = self._drawn.get(key)
            if strip is None:
                strip = self._drawn[key] = draw(Region(crop.x, y, crop.width, 1))[0]
            strips.append(strip)
        height = self._widget.size.height
        if len(self._drawn) > 3 * height:
            in_view = {line_at(index) for index in range(top, top + height)}
            self._drawn = {key: strip for key, strip in self._drawn.items() if key[0] in in_view}
        return strips

    def _current_look(self) -> Hashable | None:
        styles = self._widget.styles
        if any(styles.gutter) or any(edge for edge, _ in styles.outline):
            return None
        return look_of(self._widget), self._style.base
