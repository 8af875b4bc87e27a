"""A bare Textual app shaped like the console (a header, four bordered panes in a grid, a status line, a footer
with keys) and nothing else: the floor that `bench/startup.py` compares Catalyst's start-up with.

Run as `.venv/bin/python bench/bare_app.py`; q quits.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.widgets import Footer, Header, Static

PANES = ("Alpha", "Bravo", "Charlie", "Delta")
STATUS = "bare status line | nothing connected"


class BareApp(App[None]):
    TITLE = "Bare"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "bell", "Cycle"),
        Binding("k", "bell", "Kill"),
        Binding("question_mark", "bell", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
    ]
    CSS = """
    #panes { grid-size: 2 2; grid-columns: 5fr 6fr; grid-rows: 1fr 1fr; height: 1fr; }
    .pane { border: round $primary; border-title-align: left; height: 1fr; }
    #status { height: 1; }
    """

    def compose(self) -> ComposeResult:
        yield Header()
        with Grid(id="panes"):
            for pane in PANES:
                box = Static(f"{pane} is empty", classes="pane")
                box.border_title = pane
                yield box
        yield Static(STATUS, id="status")
        yield Footer()


if __name__ == "__main__":
    BareApp().run()
