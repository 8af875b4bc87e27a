"""The key bar: the keys of its screen on one line ("c Cycle  m Mode  k Kill …"), drawn as one piece of text.

Textual's Footer mounts a widget per key and mounts them all again whenever the bindings change, which they do at
every dialog opened or closed: measured in bench/keypress.py, that was most of the time between pressing `?` and
seeing the help. One line of text costs a small part of it. A click on a key presses it, as on the Footer.
"""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widgets import Static


class KeyBar(Static):
    """Redrawn only when the keys it shows change."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key", "key-bar--description", "key-bar--disabled"}
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; width: 1fr; background: $footer-background; color: $footer-foreground; }
    KeyBar > .key-bar--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
    KeyBar > .key-bar--description { color: $footer-description-foreground; }
    KeyBar > .key-bar--disabled { text-style: dim; }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes, markup=False)
        self._shown: tuple[tuple[str, str, str, bool], ...] = ()  # (key, shown as, description, enabled)
        self._spans: list[tuple[int, int, str]] = []  # (start, end, key) of each key and its description

    @property
    def text(self) -> str:
        """What the bar says, as plain text."""
        return "".join(f" {shown} {description} " for _, shown, description, _ in self._shown)

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        keys = tuple(
            (binding.key, self.app.get_key_display(binding), binding.description, enabled)
            for _, binding, enabled, _ in screen.active_bindings.values()
            if binding.show and binding.description
        )
        if keys != self._shown:
            self._shown = keys
            self._draw()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self._shown:
            self._draw()

    def _draw(self) -> None:
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        disabled = self.get_component_rich_style("key-bar--disabled")
        text, self._spans = Text(no_wrap=True, end=""), []
        for key, shown, description, enabled in self._shown:
            start = len(text)
            dim = Style.null() if enabled else disabled
            text.append(f" {shown} ", key_style + dim)
            text.append(f"{description} ", description_style + dim)
            self._spans.append((start, len(text), key))
        self.update(text, layout=False)

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
