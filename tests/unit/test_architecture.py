"""The dependency rules of design.md, checked on the source: the arrows point one way."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[2]
UI_FILES = ("app.py",)
UI_DIRS = ("screens",)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def python_files(directory: str) -> list[Path]:
    return sorted((ROOT / directory).rglob("*.py"))


def test_the_core_never_imports_textual() -> None:
    core = [
        p
        for p in python_files("catalyst_tui")
        if p.name not in UI_FILES and not set(p.relative_to(ROOT / "catalyst_tui").parts) & set(UI_DIRS)
    ]
    assert core
    assert [str(p) for p in core if "textual" in imported_modules(p)] == []


def test_widgets_never_import_a_broker() -> None:
    assert [str(p) for p in python_files("widgets") if imported_modules(p) & {"brokers", "ib_async"}] == []


def test_the_core_never_reads_the_system_clock() -> None:
    allowed = {ROOT / "catalyst_tui" / "clock.py"}
    offenders = []
    for path in python_files("catalyst_tui"):
        text = path.read_text(encoding="utf-8")
        if path not in allowed and ("datetime.now(" in text or "time.time(" in text or "date.today(" in text):
            offenders.append(str(path))
    assert offenders == []


def full_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_the_adapter_knows_nothing_of_the_ui_or_the_agent() -> None:
    adapter = sorted((ROOT / "brokers").glob("ibkr*.py"))
    assert adapter
    forbidden = ("textual", "widgets", "catalyst_tui.app", "catalyst_tui.agent", "catalyst_tui.screens", "anthropic")
    offenders = [f"{p.name}: {m}" for p in adapter for m in full_imports(p) if m.startswith(forbidden)]
    assert offenders == []


def test_only_the_adapter_talks_to_ib_async() -> None:
    users = [p for p in python_files("catalyst_tui") + python_files("widgets") if "ib_async" in imported_modules(p)]
    assert [str(p) for p in users] == []


# Widgets know models and messages only: a pane is drawn from values the app hands it, never from a service.
WIDGET_FORBIDDEN_MODULES = (
    "brokers", "ib_async", "anthropic", "psycopg", "sqlite3",
    "catalyst_tui.engine", "catalyst_tui.desk", "catalyst_tui.gateway", "catalyst_tui.app", "catalyst_tui.cli",
    "catalyst_tui.agent.cycle", "catalyst_tui.agent.claude", "catalyst_tui.agent.rules", "catalyst_tui.agent.brain",
    "catalyst_tui.agent.executor", "catalyst_tui.agent.tools", "catalyst_tui.agent.schedule",
    "catalyst_tui.journal.journal", "catalyst_tui.journal.store", "catalyst_tui.journal.writes",
    "catalyst_tui.journal.reads",
)  # fmt: skip
WIDGET_FORBIDDEN_NAMES = {"Engine", "Desk", "Journal", "Store", "IbkrBroker", "CycleRunner", "Scheduler",
                          "ToolExecutor", "ClaudeBrain", "RulesBrain"}  # fmt: skip
# The panes drawn at the feed's rate know nothing but the domain records (and, later, messages).
DISPLAY_PANES = ("positions.py", "orders.py", "quotes.py", "status.py")
DISPLAY_PANE_IMPORTS = ("__future__", "collections", "dataclasses", "datetime", "decimal", "enum", "typing",
                        "rich", "textual", "catalyst_tui.models", "catalyst_tui.broker_models",
                        "catalyst_tui.messages", "widgets")  # fmt: skip


def imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}


def test_widgets_never_reach_a_service() -> None:
    files = python_files("widgets")
    assert files
    offenders = [f"{p.name}: {m}" for p in files for m in full_imports(p) if m.startswith(WIDGET_FORBIDDEN_MODULES)]
    offenders += [f"{p.name}: {n}" for p in files for n in imported_names(p) & WIDGET_FORBIDDEN_NAMES]
    assert offenders == []


def test_widgets_never_read_the_clock() -> None:
    reads = ("datetime.now(", "time.time(", "date.today(", "datetime.utcnow(")
    assert [str(p) for p in python_files("widgets") if any(r in p.read_text(encoding="utf-8") for r in reads)] == []


def test_the_display_panes_know_only_the_domain_records() -> None:
    panes = [ROOT / "widgets" / name for name in DISPLAY_PANES]
    offenders = [
        f"{p.name}: {m}"
        for p in panes
        if p.exists()
        for m in full_imports(p)
        if not any(m == allowed or m.startswith(allowed + ".") for allowed in DISPLAY_PANE_IMPORTS)
    ]
    assert offenders == []
