"""A main screen whose partial updates draw only the widgets that show in the changed cells.

Textual 8.2 draws a partial update by asking every widget whose *container* overlaps the changed area for all of
its visible lines, then keeps the front-most strip for each cut of each changed line. On this console the
container of the panes, the banner, the status bar and the key bar is the screen itself, so each quote frame
(a handful of changed board lines) had every widget on screen render every one of its lines, for cells that were
never sent to the terminal: a frame's compositor time was 3.8 ms, and is 2.0 ms this way (docs/performance.md).

Textual paints no widget through another (each widget's strip fills every cell of its region; transparency and
opacity are resolved in its own styles), so a cell is the front-most visible widget's. `CoveringCompositor`
walks the widgets front to back, asks each only for the lines where it shows in a part of the changed area that no
widget in front of it has taken, and stops once every changed cell is taken. The update it returns is the one
Textual's would paint: tests/tui/test_screen_updates.py holds it to that, frame by frame.

It overrides private methods of Textual's compositor, which is acceptable only because Textual is pinned
(`textual==8.2.8` in pyproject.toml).
"""

from __future__ import annotations

from collections.abc import Iterable

from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.strip import Strip


def uncovered(area: Region, cover: Region) -> list[Region]:
    """The parts of `area` outside `cover`, as up to four rectangles (above, below, left, right)."""
    if not area.overlaps(cover):
        return [area]
    x, y, width, _ = area
    top, bottom = max(y, cover.y), min(area.bottom, cover.bottom)
    parts = [
        Region(x, y, width, top - y),
        Region(x, bottom, width, area.bottom - bottom),
        Region(x, top, max(0, cover.x - x), bottom - top),
        Region(cover.right, top, max(0, area.right - cover.right), bottom - top),
    ]
    return [part for part in parts if part.width > 0 and part.height > 0]


class CoveringCompositor(Compositor):
    """A compositor whose partial updates render only the widgets that own a changed cell."""

    _changed: list[Region] | None = None

    def render_partial_update(self) -> ChopsUpdate | None:
        self._changed = list(self._dirty_regions)
        try:
            return super().render_partial_update()
        finally:
            self._changed = None

    def _get_renders(self, crop: Region | None = None) -> Iterable[tuple[Region, Region, list[Strip]]]:
        if not self._changed:
            yield from super()._get_renders(crop)
            return
        left = self._changed
        for widget, (region, clip) in self.visible_widgets.items():
            shown = region.intersection(clip)
            taken = [area.intersection(shown) for area in left if area.overlaps(shown)]
            if not taken:
                continue
            top, bottom = min(area.y for area in taken), max(area.bottom for area in taken)
            lines = Region(shown.x, top, shown.width, bottom - top)
            yield region, lines, widget.render_lines(lines.translate((-region.x, -region.y)))
            left = [part for area in left for part in uncovered(area, shown)]
            if not left:
                return
