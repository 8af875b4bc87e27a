"""Key press to screen, while quotes and the transcript both stream: the console runs on a pty, the simulator's
tape streams 500 symbols at 2,000 trades a second, and Claude (the fake Messages API, paced like a model) streams
a long cycle into the Transcript. The bench types `?` (the help opens) and `?` again (it closes), many times, at
random moments, and times each from the key's bytes written to the terminal to the frame after which the screen
shows the change (a terminal emulator keeps the screen: `make bench-deps`). `--dialog confirm` types `m` and `n`
instead: the mode switch's confirmation, a question over the panes like the kill switch's.

    PYTHONPATH=. .venv/bin/python bench/keypress.py --presses 100 [--dialog confirm] [--rounds 2] [--compare DIR=LABEL]

With `--rounds`, every phase of every tree is run once per round, in turn, and a phase's presses are pooled over
the rounds: trees compared are measured side by side as the machine's load drifts.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.quote_board import APP_CLIENT, VENV, Simulator, compared_trees, free_port, isolated_env, stream_arguments
from bench.terminal import FRAME_END, Terminal, cpu_seconds
from brokers.sim.universe import synthetic
from tests.fakes.anthropic_server import FakeClaude, Turn, text, thinking, tool_use, turn


@dataclass(frozen=True)
class Dialog:
    """What a key opens, the key that closes it, and a line it shows while open."""

    opens: str
    closes: str
    shows: str


DIALOGS = {
    "help": Dialog("?", "?", "q closes this help"),  # a panel over the panes
    "confirm": Dialog("m", "n", "Switch to AUTOPILOT?"),  # a question over the panes, as the kill switch is
}
TURNS = 40
WORDS = ("momentum", "volume", "support", "resistance", "spread", "breakout", "pullback", "VWAP", "sector", "tape")


def prose(seed: int, words: int) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(words)) + "."


def cycle_script(symbols: list[str]) -> list[Turn]:
    """A long cycle: each turn thinks, writes and asks for a quote; every block streams in many small deltas."""
    turns = [
        turn(thinking(prose(n, 120), chunks=60), text(prose(n + 1000, 80), chunks=40),
             tool_use("get_quote", {"symbol": symbols[n % len(symbols)]}))
        for n in range(TURNS - 1)
    ]  # fmt: skip
    return [*turns, turn(text(prose(9999, 200), chunks=80))]


def write_config(root: Path, symbols: list[str]) -> Path:
    """Beside it, the system prompt, which the Claude brain reads from `prompts/` next to the settings file."""
    shutil.copytree("config/prompts", root / "prompts", dirs_exist_ok=True)
    path = root / "settings.yaml"
    path.write_text(
        f"markets:\n  watchlist: [{', '.join(symbols)}]\nschedule:\n  enabled: false\n"
        f"agent:\n  brain: claude\n  max_turns: {TURNS}\n  cycle_token_budget: 1000000\n"
    )
    return path


def press(term: Terminal, key: str, text: str, shown: bool) -> float:
    """Milliseconds from writing `key` to the arrival of the frame after which the screen shows `text`, or no
    longer shows it, as `shown` says."""
    term.screen()
    mark = term.mark()
    sent = term.send(key)
    return (term.wait_screen(lambda screen: (text in screen) == shown, 5, after=mark) - sent) * 1000


@dataclass(frozen=True)
class Phase:
    name: str
    opened: list[float]
    closed: list[float]
    cpu_pct: float
    fps: float


def run_phase(name: str, args: argparse.Namespace, rate: float, stream_model: bool, source: str = ".") -> Phase:
    """One console on its own simulator; with `stream_model`, a long Claude cycle streams while keys are typed."""
    root = Path(tempfile.mkdtemp(prefix="catalyst-keys-"))
    port = free_port()
    symbols = [s.symbol for s in synthetic(args.symbols)]
    sim = Simulator(port, args.symbols, rate, isolated_env(root))
    rng = random.Random(7)
    dialog = DIALOGS[args.dialog]
    opened: list[float] = []
    closed: list[float] = []
    try:
        with FakeClaude(*cycle_script(symbols), event_gap=args.event_gap) as claude:
            env = {**isolated_env(root), "ANTHROPIC_API_KEY": "bench-key", "ANTHROPIC_BASE_URL": claude.base_url,
                   "PYTHONPATH": str(Path(source).resolve())}  # fmt: skip
            argv = [str(VENV / "catalyst"), "--config", str(write_config(root, symbols)),
                    "--gateway", f"127.0.0.1:{port}"]  # fmt: skip
            with Terminal(argv, env=env) as term:
                sim.wait_streaming(APP_CLIENT, args.symbols)
                if stream_model:
                    term.send("c")
                    term.wait_for("get_quote", 60)  # the cycle is streaming
                mark, cpu, started = term.mark(), cpu_seconds(term.pid), time.monotonic()
                for _ in range(args.presses):
                    time.sleep(rng.uniform(0.05, 0.3))  # a random moment in the drawing cycle
                    opened.append(press(term, dialog.opens, dialog.shows, shown=True))
                    time.sleep(rng.uniform(0.05, 0.3))
                    closed.append(press(term, dialog.closes, dialog.shows, shown=False))
                elapsed = time.monotonic() - started
                cpu = (cpu_seconds(term.pid) - cpu) / elapsed * 100
                fps = sum(c.data.count(FRAME_END) for c in term.since(mark)) / elapsed
    finally:
        sim.stop()
    return Phase(name, opened, closed, cpu, fps)


def pooled(phases: list[Phase]) -> Phase:
    """One phase's rounds as one: every press, and the mean CPU and frame rate."""
    return Phase(
        phases[0].name,
        [ms for phase in phases for ms in phase.opened],
        [ms for phase in phases for ms in phase.closed],
        statistics.fmean(phase.cpu_pct for phase in phases),
        statistics.fmean(phase.fps for phase in phases),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    stream_arguments(parser)
    parser.add_argument("--presses", type=int, default=100, help="times the dialog is opened and closed")
    parser.add_argument(
        "--dialog",
        choices=sorted(DIALOGS),
        default="help",
        help="help: ? and ? again (a panel); confirm: m and n (the mode switch's confirmation)",
    )
    parser.add_argument("--event-gap", type=float, default=0.02, help="seconds between the model's stream events")
    parser.add_argument("--rounds", type=int, default=1, help="each phase of each tree is run once per round, in turn")
    args = parser.parse_args()
    sys.setswitchinterval(0.0005)  # the pty reader's thread stamps each read at once, not after the emulator's turn
    trees = [(".", "")] + [(tree, f" ({label})") for tree, label in compared_trees(args.compare)]
    kinds = (
        ("quiet: 1 trade/s, no cycle", 1.0, False),
        (f"{args.rate:g} trades/s + Claude streaming", args.rate, True),
    )
    runs: dict[str, list[Phase]] = {}
    for _ in range(args.rounds):
        for tree, label in trees:
            for kind, rate, stream in kinds:
                name = kind + label
                runs.setdefault(name, []).append(run_phase(name, args, rate, stream, tree))
    report(args, [pooled(phases) for phases in runs.values()])
    print(f"\ncommand: PYTHONPATH=. .venv/bin/python {' '.join(sys.argv)}")


def report(args: argparse.Namespace, phases: list[Phase]) -> None:
    print(f"\n{args.symbols} symbols; the model streams an event every {args.event_gap * 1000:g} ms; "
          f"{args.rounds} round(s) pooled")  # fmt: skip
    print(f"{'phase':<48} {'key':<16} {'presses':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'CPU %':>6} {'fps':>5}")
    for phase in phases:
        dialog = DIALOGS[args.dialog]
        for key, values in (
            (f"{dialog.opens} opens {args.dialog}", phase.opened),
            (f"{dialog.closes} closes", phase.closed),
        ):
            p99 = statistics.quantiles(values, n=100, method="inclusive")[98]
            print(f"{phase.name:<48} {key:<16} {len(values):>7} {statistics.median(values):>7.1f} {p99:>7.1f} "
                  f"{max(values):>7.1f} {phase.cpu_pct:>6.1f} {phase.fps:>5.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
