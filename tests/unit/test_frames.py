"""When the main screen draws (widgets/frames.py): a change is drawn at once after a quiet spell or a long frame,
no sooner than a period after the last frame began otherwise, once however many changes come in between, and
not at all when the draw is called off. Each test races the draw against a timer of the event loop."""

from __future__ import annotations

import asyncio
import time

import pytest

from widgets.frames import FramePacer

PERIOD = 0.4


class Screen:
    """Records the loop time of each draw; `drawn(n)` is set when the n-th draw is done."""

    def __init__(self, frame_seconds: float = 0.0) -> None:
        self.loop = asyncio.get_running_loop()
        self.frame_seconds = frame_seconds  # how long a frame takes: a long frame holds the loop, as a real one
        self.draws: list[float] = []
        self.waiting: dict[int, asyncio.Future[None]] = {}

    def draw(self) -> None:
        self.draws.append(self.loop.time())
        if self.frame_seconds:
            time.sleep(self.frame_seconds)
        if (waiting := self.waiting.get(len(self.draws))) is not None and not waiting.done():
            waiting.set_result(None)

    async def first(self, nth_draw: int, seconds: float) -> str:
        """'draw' when the n-th draw comes before `seconds` have passed, else 'timer'."""
        drawn = self.waiting.setdefault(nth_draw, self.loop.create_future())
        timer = self.loop.create_future()
        handle = self.loop.call_later(seconds, timer.set_result, None)
        done, _ = await asyncio.wait([drawn, timer], return_when=asyncio.FIRST_COMPLETED)
        handle.cancel()
        return "draw" if drawn in done else "timer"


async def test_a_change_after_a_quiet_spell_is_drawn_at_once() -> None:
    screen = Screen()
    pacer = FramePacer(screen.draw, PERIOD)

    pacer.resume()

    assert await screen.first(1, PERIOD / 4) == "draw"


async def test_a_change_just_after_a_frame_waits_until_a_period_has_passed_since_it_began() -> None:
    screen = Screen()
    pacer = FramePacer(screen.draw, PERIOD)
    pacer.resume()
    await screen.first(1, PERIOD)

    pacer.resume()

    assert await screen.first(2, PERIOD / 2) == "timer"
    assert await screen.first(2, PERIOD) == "draw"
    assert screen.draws[1] - screen.draws[0] >= PERIOD - 1e-6


async def test_a_change_made_after_a_frame_longer_than_the_period_is_drawn_at_once() -> None:
    """Textual's timer would wait for the second point of its grid after such a frame: one to two periods."""
    screen = Screen(frame_seconds=PERIOD * 1.5)
    pacer = FramePacer(screen.draw, PERIOD)
    pacer.resume()
    await screen.first(1, PERIOD)

    pacer.resume()

    assert await screen.first(2, PERIOD / 4) == "draw"


async def test_many_changes_before_the_draw_make_one_frame() -> None:
    screen = Screen()
    pacer = FramePacer(screen.draw, PERIOD)

    for _ in range(50):
        pacer.resume()
    await screen.first(1, PERIOD)

    assert not pacer.pending
    assert await screen.first(2, PERIOD * 2) == "timer"
    assert len(screen.draws) == 1


async def test_pause_calls_off_the_draw_that_was_due() -> None:
    screen = Screen()
    pacer = FramePacer(screen.draw, PERIOD)
    pacer.resume()

    pacer.pause()

    assert not pacer.pending
    assert await screen.first(1, PERIOD / 2) == "timer"
    pacer.resume()
    assert await screen.first(1, PERIOD / 4) == "draw"


def test_a_negative_period_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        FramePacer(lambda: None, -0.1)
