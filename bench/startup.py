"""How long `catalyst --sim` takes to show its whole screen, beside a bare Textual app started the same way.

Each program runs on a 160x48 pseudo-terminal (`bench/terminal.py`), in turns: Catalyst with the rules brain,
Catalyst with a (dummy) Anthropic key so that the Claude brain is built, then the bare app (`bench/bare_app.py`),
round after round, each start in fresh XDG directories. The time counted is from the spawn to the arrival of the
first frame after which the terminal has received every piece of the layout: the four pane titles, the banner, the
status bar and the keys at the bottom. Frames end with the synchronized-output end marker, so the output is checked
frame by frame. Catalyst is then left running until its status bar says "gateway connected" (the engine is up), and
that time is reported too.

The dummy key's base URL is a listener on 127.0.0.1 that counts connections: building the Claude brain must not
connect to anything, since no cycle runs at start.

`--compare DIR=LABEL` runs Catalyst from another source tree as well, in the same rounds: before and after a change,
side by side on a shared machine.

    PYTHONPATH=. .venv/bin/python bench/startup.py [--rounds 10] [--compare /tmp/before=before]
"""

from __future__ import annotations

import argparse
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.terminal import FRAME_END, Terminal, cpu_seconds, plain

REPO = Path(__file__).resolve().parents[1]
PYTHON = str(REPO / ".venv" / "bin" / "python")
CATALYST = str(REPO / ".venv" / "bin" / "catalyst")
COLUMNS, LINES = 160, 48
# What the whole layout shows: the four pane titles, the banner, the status bar's market phases and the footer's
# keys. The status bar is only drawn by the first tick of the draw timer, so it is the last to come.
CATALYST_MARKERS = ("Positions", "Orders", "Quotes", "Transcript", "SIMULATED |", "| HKEX ", "Cycle", "Quit")
BARE_MARKERS = ("Alpha", "Bravo", "Charlie", "Delta", "Bare", "bare status line", "Cycle", "Quit")
ENTRY_IMPORTS = "import catalyst_tui.cli, catalyst_tui.app"  # what `catalyst` imports before App.run()
BARE_IMPORTS = (
    "import textual.app, textual.containers, textual.widgets; from textual.widgets import Footer, Header, Static"
)
FIRST_PARTY = ("catalyst_tui", "widgets", "brokers")
IMPORT_RUNS = 5  # -X importtime runs; each module's fastest is kept
CONNECTED = "gateway connected"  # the status bar once the engine is up: brain built, journal open, simulator on


@dataclass(frozen=True)
class Variant:
    name: str
    argv: tuple[str, ...]
    markers: tuple[str, ...]
    key: str | None  # None: not Catalyst; "": no key (rules brain); otherwise a dummy key (Claude brain)
    source: str = "."  # where catalyst_tui, widgets and brokers are imported from (PYTHONPATH), from the repo


def compared(tree: str, label: str) -> tuple[Variant, ...]:
    """Catalyst's variants again, imported from another source tree (a checkout of an earlier commit, say)."""
    return tuple(Variant(f"{v.name} {label}", v.argv, v.markers, v.key, tree) for v in VARIANTS if v.key is not None)


VARIANTS = (
    Variant("catalyst --sim (rules brain)", (CATALYST, "--sim"), CATALYST_MARKERS, ""),
    Variant("catalyst --sim (Claude brain)", (CATALYST, "--sim"), CATALYST_MARKERS, "sk-ant-bench-dummy"),
    Variant("bare Textual app", (PYTHON, str(REPO / "bench" / "bare_app.py")), BARE_MARKERS, None),
)


class Listener:
    """A loopback port that accepts and counts connections: where the dummy key's API calls would go."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.accepted = 0
        threading.Thread(target=self._accept, name="api-listener", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.accepted += 1
            connection.close()


@dataclass(frozen=True)
class Run:
    seconds: float  # from the spawn to the first full frame
    cpu: float  # CPU seconds the program had used by then, read as soon as the bench saw that frame
    connected: float | None  # from the spawn to "gateway connected" on the status bar (Catalyst only)


class Screen:
    """What the terminal has received so far, read frame by frame as the chunks arrive."""

    def __init__(self, terminal: Terminal) -> None:
        self.terminal = terminal
        self.read, self.pending, self.text = 0, b"", ""

    def until(self, markers: Sequence[str], timeout: float) -> float:
        """Seconds from the spawn to the end of the first frame after which every marker has been drawn."""
        deadline = time.monotonic() + timeout
        missing = {m for m in markers if m not in self.text}
        while time.monotonic() < deadline:
            chunks = self.terminal.since(self.read)
            self.read += len(chunks)
            for chunk in chunks:
                self.pending += chunk.data
                while FRAME_END in self.pending:
                    frame, _, self.pending = self.pending.partition(FRAME_END)
                    self.text += plain(frame)
                    missing = {m for m in missing if m not in self.text}
                    if not missing:
                        return chunk.at - self.terminal.started
            if self.terminal.process.poll() is not None and not chunks:
                break
            time.sleep(0.005)  # only how soon we look: the time measured is the chunk's own arrival time
        raise TimeoutError(f"never drawn: {sorted(missing)}; the screen ended:\n{self.text[-2000:]}")


def run_once(variant: Variant, api_port: int, timeout: float) -> Run:
    """One start in fresh data directories; for Catalyst, it also waits for the engine to connect (the brain is
    built before that), so that any call the Claude brain made at start would reach the listener."""
    with tempfile.TemporaryDirectory(prefix="startup-bench-") as home:
        env = {f"XDG_{kind}_HOME": f"{home}/{kind.lower()}" for kind in ("CONFIG", "DATA", "STATE")}
        env |= {"ANTHROPIC_API_KEY": variant.key or "", "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{api_port}",
                "PYTHONPATH": variant.source}  # fmt: skip
        with Terminal(variant.argv, COLUMNS, LINES, env, cwd=str(REPO)) as terminal:
            screen = Screen(terminal)
            seconds = screen.until(variant.markers, timeout)
            cpu = cpu_seconds(terminal.pid)
            connected = screen.until((CONNECTED,), timeout) if variant.key is not None else None
            return Run(seconds, cpu, connected)


def import_costs(
    code: str, top: int, tree: Path = REPO, runs: int = IMPORT_RUNS
) -> tuple[float, list[tuple[float, str]], list[tuple[float, str, str]]]:
    """`python -X importtime -c code`, each module's fastest of `runs` runs (the machine is shared): the total; the
    top packages by their own time; the biggest imports where one package (or one of our modules) imports another,
    cumulative, with the importer."""
    fastest: dict[str, tuple[int, int]] = {}  # module: (own µs, cumulative µs)
    for _ in range(runs):
        for own_us, cumulative_us, _indent, name, _parent in _import_rows(code, tree):
            best = fastest.get(name, (own_us, cumulative_us))
            fastest[name] = (min(best[0], own_us), min(best[1], cumulative_us))
    own: Counter[str] = Counter()
    crossings: list[tuple[float, str, str]] = []
    for _own, _cumulative, _indent, name, parent in _import_rows(code, tree):
        own[_package(name)] += fastest[name][0]
        if _package(name) != _package(parent) or name.startswith(FIRST_PARTY):
            crossings.append((fastest[name][1] / 1e6, name, parent))
    packages = [(us / 1e6, name) for name, us in own.most_common(top)]
    return sum(own.values()) / 1e6, packages, sorted(crossings, reverse=True)[:top]


def _import_rows(code: str, tree: Path) -> list[tuple[int, int, int, str, str]]:
    """One run's (own µs, cumulative µs, depth, module, importer)."""
    out = subprocess.run([PYTHON, "-X", "importtime", "-c", code], cwd=tree, capture_output=True, text=True,
                         check=True).stderr  # fmt: skip
    found = [
        (int(m[1]), int(m[2]), len(m[3]), m[4])
        for m in re.finditer(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", out)
    ]
    rows: list[tuple[int, int, int, str, str]] = []
    importers: list[tuple[int, str]] = []  # the chain of importers above the current line
    for own_us, cumulative_us, indent, name in reversed(found):  # a module is printed after what it imports
        while importers and importers[-1][0] >= indent:
            importers.pop()
        rows.append((own_us, cumulative_us, indent, name, importers[-1][1] if importers else "the entry"))
        importers.append((indent, name))
    return rows


def _package(module: str) -> str:
    """Our modules by their package (catalyst_tui.journal), others by their distribution's top level (anthropic)."""
    parts = module.split(".")
    return ".".join(parts[:2]) if module.startswith(FIRST_PARTY) else parts[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10, help="runs of each program, interleaved (default 10)")
    parser.add_argument("--timeout", type=float, default=30, help="give up on one run after this long")
    parser.add_argument("--top", type=int, default=10, help="rows of the import-time tables")
    parser.add_argument(
        "--compare", metavar="DIR[=LABEL]", action="append", default=[],
        help="also run Catalyst from the source tree DIR in each round (e.g. `git worktree add DIR HEAD~1`), for "
        "figures before and after a change; LABEL names its rows (default: DIR); may be given more than once",
    )  # fmt: skip
    args = parser.parse_args()
    trees = [(spec.partition("=")[0], spec.partition("=")[2] or spec) for spec in args.compare]
    # Stopped with SIGTERM, unwind: each Terminal then ends its program, which would otherwise outlive the bench.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    variants = (*VARIANTS[:-1], *(v for tree, label in trees for v in compared(tree, f"({label})")), VARIANTS[-1])
    listener = Listener()
    runs: dict[str, list[Run]] = {v.name: [] for v in variants}
    for round_ in range(1, args.rounds + 1):
        for variant in variants:
            runs[variant.name].append(run_once(variant, listener.port, args.timeout))
        print(f"round {round_}: " + "  ".join(f"{r[-1].seconds:.2f}" for r in runs.values()), file=sys.stderr,
              flush=True)  # fmt: skip
    report(runs, args.rounds, listener.accepted, args.top)
    for tree, label in trees:
        print_imports(f"catalyst entry ({label}), from {tree}", ENTRY_IMPORTS, args.top, Path(tree))
    print(f"\ncommand: PYTHONPATH=. .venv/bin/python {' '.join(sys.argv)}")
    return 0


def report(runs: dict[str, list[Run]], rounds: int, connections: int, top: int) -> None:
    bare = statistics.median(r.seconds for r in runs[VARIANTS[-1].name])
    print(f"\nfirst full frame on a {COLUMNS}x{LINES} pty, seconds from spawn, {rounds} rounds (CPU: what the program "
          f"had used by then; connected: seconds from spawn to \"{CONNECTED}\")")  # fmt: skip
    width = max(len(name) for name in runs)
    print(f"{'program':<{width}} {'median':>7} {'min':>6} {'max':>6} {'x bare':>7} {'CPU med':>8} {'connected':>10}")
    for name, found in runs.items():
        seconds = [r.seconds for r in found]
        median = statistics.median(seconds)
        cpu = statistics.median(r.cpu for r in found)
        connected = [r.connected for r in found if r.connected is not None]
        up = f"{statistics.median(connected):10.2f}" if connected else f"{'-':>10}"
        spread = f"{min(seconds):6.2f} {max(seconds):6.2f}"
        print(f"{name:<{width}} {median:7.2f} {spread} {median / bare:7.2f} {cpu:8.2f} {up}")
    print(f'connections to the Anthropic base URL (dummy key) up to "{CONNECTED}": {connections}')
    print_imports("catalyst entry", ENTRY_IMPORTS, top)
    print_imports("bare Textual app", BARE_IMPORTS, top)


def print_imports(label: str, code: str, top: int, tree: Path = REPO) -> None:
    total, packages, crossings = import_costs(code, top, tree)
    print(f"\n-X importtime, fastest of {IMPORT_RUNS} runs, {label} ({code}): {total:.3f} s in all")
    print(f"  {'by package (own time)':<30} biggest imports of one package by another (cumulative)")
    for (own, package), (cumulative, module, parent) in zip(packages, crossings, strict=False):
        print(f"  {own:6.3f} {package:<23} {cumulative:6.3f} {module} (from {parent})")


if __name__ == "__main__":
    sys.exit(main())
