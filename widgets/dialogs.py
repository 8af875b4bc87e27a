"""Small dialogs, drawn over the panes: a yes/no confirmation, the kill switch (`Question`s) and the key help.

Every dialog is answered from the keyboard and reads the same without colour: the keys are written out beside
what they do. Each one answers once: a second key queued before it is gone cannot answer what comes next. The
approval card is still a modal screen, on `OnceModal` below.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Generic, TypeVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

ResultT = TypeVar("ResultT")


class OnceModal(ModalScreen[ResultT]):
    """A modal screen that is dismissed at most once, on an opaque background.

    Opaque, because Textual draws a see-through modal by rendering the whole screen beneath it again, tinted, each
    time anything beneath changes: with quotes streaming that is ten times a second, and a key on the dialog (the
    operator's y on an approval card) waited behind it (bench/keypress.py).

    `answer()` records the result and dismisses. When another screen covers this one at that moment (a help
    screen over an approval card), popping would remove the wrong screen: the result is kept and delivered as soon
    as this screen is on top again. `answered` tells whether a result was given; `result` holds it.
    """

    DEFAULT_CSS = """
    OnceModal { background: $background; }
    """

    def __init__(self, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.answered = False
        self.result: ResultT | None = None
        self._delivered = False

    def answer(self, result: ResultT) -> bool:
        """Give the screen's result; False (and nothing happens) when it was already answered."""
        if self.answered:
            return False
        self.answered, self.result = True, result
        if self.is_active:
            self._deliver()
        return True

    def _deliver(self) -> None:
        if self._delivered:
            return
        self._delivered = True
        self.dismiss(self.result)

    def on_screen_resume(self) -> None:
        if self.answered and not self._delivered:
            self.call_later(self._deliver)


class Question(Vertical, Generic[ResultT]):
    """A question in a box over the panes, answered from the keyboard once; `answered` holds the answer.

    The console composes it hidden among the main screen's first children, on the layer above the panes, and
    shows it to ask: it pushes no screen, mounts nothing and moves no focus. A screen change draws the whole
    terminal twice and mounts the dialog, and a focus change restyles the screen: either made a confirmation take
    185-220 ms to show while quotes streamed (bench/keypress.py --dialog confirm). Composed before the panes, it
    renumbers no other widget's paint order when it comes and goes, so only its own cells are drawn. The app
    routes the question's keys to `answer()` and, while it is open, lets none of its other keys through.
    """

    DEFAULT_CSS = """
    Question {
        width: auto; min-width: 40; max-width: 90%; height: auto; max-height: 90%;
        background: $surface; padding: 0 1;
    }
    Question > Static { width: auto; max-width: 100%; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.answered: asyncio.Future[ResultT] | None = None  # the answer to the question open now

    def open(self) -> asyncio.Future[ResultT]:
        """A new asking: the answer will be set on the future returned."""
        self.answered = asyncio.get_running_loop().create_future()
        return self.answered

    def answer(self, result: ResultT) -> bool:
        """Give the answer; False (and nothing happens) when nothing is asked or it was already answered."""
        if self.answered is None or self.answered.done():
            return False
        self.answered.set_result(result)
        return True


class ConfirmPanel(Question[bool]):
    """A yes/no question: `y` or `enter` answers True, `n` or `escape` answers False (the app's bindings)."""

    DEFAULT_CSS = """
    ConfirmPanel { border: thick $warning; }
    ConfirmPanel #confirm-question { text-style: bold; }
    ConfirmPanel #confirm-detail { color: $text-muted; margin-top: 1; }
    ConfirmPanel #confirm-detail.-empty { display: none; }
    ConfirmPanel #confirm-keys { margin-top: 1; }
    """

    def __init__(self, question: str = "", detail: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.question, self.detail = question, detail

    def compose(self) -> ComposeResult:
        yield Static(self.question, id="confirm-question", markup=False)
        yield Static(self.detail, id="confirm-detail", markup=False, classes="" if self.detail else "-empty")
        yield Static("y / enter  yes      n / escape  no", id="confirm-keys", markup=False)

    def put(self, question: str, detail: str = "") -> ConfirmPanel:
        """Ask this next. Text is set only where it differs: setting it lays the box out again."""
        if question != self.question:
            self.question = question
            self.query_one("#confirm-question", Static).update(question)
        if detail != self.detail:
            self.detail = detail
            shown = self.query_one("#confirm-detail", Static)
            shown.update(detail)
            shown.set_class(not detail, "-empty")
        return self


class KillPanel(Question[str | None]):
    """The kill switch's question: `y` answers "halt", `f` "flatten", `n` or `escape` None (the app's bindings)."""

    QUESTION = "Kill switch: cancel every working order and HALT?"
    DEFAULT_CSS = """
    KillPanel { border: thick $error; min-width: 0; }
    KillPanel #kill-question { text-style: bold; margin-bottom: 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static(self.QUESTION, id="kill-question", markup=False)
        yield Static(
            "y           halt: cancel working orders, stop cycles, trading state HALTED\n"
            "f           halt, then flatten every position at market\n"
            "n / escape  do nothing",
            id="kill-choices",
            markup=False,
        )


class HelpPanel(Vertical):
    """The keys and what they do, one per line, in a box.

    The console shows it on its main screen, on a layer above the panes, and hides it again, with no screen
    change and no focus moving: a screen change draws the whole terminal twice and mounts the dialog, and moving
    focus restyles the panes, which made `?` the slowest key while quotes streamed (bench/keypress.py). The
    console makes it modal (only its keys work while it shows) and closes it on escape, ? or q.
    """

    DEFAULT_CSS = """
    HelpPanel {
        width: auto; min-width: 40; max-width: 90%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    HelpPanel #help-title { text-style: bold; margin-bottom: 1; }
    HelpPanel > Static, HelpPanel #help-list { width: auto; max-width: 100%; }
    HelpPanel #help-keys { width: auto; height: auto; max-height: 100%; overflow-y: auto; }
    HelpPanel #help-close { margin-top: 1; color: $text-muted; }
    """
    CLOSES = "escape, ? or q closes this help"

    def __init__(self, keys: Sequence[tuple[str, str]] = (), *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = self._lines(keys)

    @staticmethod
    def _lines(keys: Sequence[tuple[str, str]]) -> str:
        width = max((len(key) for key, _ in keys), default=0)
        return "\n".join(f"{key:<{width}}  {what}" for key, what in keys) or "(no keys)"

    def compose(self) -> ComposeResult:
        yield Static("Keys", id="help-title", markup=False)
        with Vertical(id="help-keys"):  # not a VerticalScroll: that would take the focus from the panes
            yield Static(self._text, id="help-list", markup=False)
        yield Static(self.CLOSES, id="help-close", markup=False)

    def list_keys(self, keys: Sequence[tuple[str, str]]) -> None:
        """Show these keys; the text is set again only when it differs, since that lays the box out again."""
        text = self._lines(keys)
        if text != self._text:
            self._text = text
            self.query_one("#help-list", Static).update(text)
