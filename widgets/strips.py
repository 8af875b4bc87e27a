"""Lines for the line-based panes (quotes, transcript)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.segment import Segment
from rich.style import Style


def styled(segments: Iterable[Segment]) -> list[Segment]:
    """Every segment with a style: Textual's NO_COLOR filter reads each one's colour, and rich leaves some None."""
    return [Segment(seg.text, seg.style or Style.null(), seg.control) for seg in segments]
