"""The rooms of docs/architecture.md exist and keep their walls: which package may import which, no import
cycles, no private names of store or ingest used outside them, and no SQL write outside store."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("store", "analysis", "ingest", "counts", "dashboard")
# What the counting layer, the dashboard and app.py may take from the store: opening it, its error,
# and reading helpers.
# Every write (store.writes, set_meta) is ingest's, through its pipeline and runs.
STORE_FOR_READERS = {"open_store", "StoreError", "get_meta", "iso", "parse_iso", "utc_now", "SCHEMA_VERSION"}
WRITE_SQL = re.compile(
    r"\b(?:INSERT|UPDATE|DELETE|CREATE|DROP)\s+(?:OR\s+\w+\s+)?(?:INTO|FROM|TABLE|INDEX|TRIGGER|\w+\s+SET)\b"
)


def modules() -> dict[str, Path]:
    out = {"app": ROOT / "app.py"}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            out[name.removesuffix(".__init__")] = path
    return out


def imports(path: Path, top_level_only: bool = False) -> list[tuple[str, list[str]]]:
    """(module, names) of every import statement anywhere in the file, lazy ones included
    (with `top_level_only`, only those run when the module is imported: not inside a function)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lazy = set()
    if top_level_only:
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                lazy.update(id(n) for n in ast.walk(fn))
    out = []
    for node in ast.walk(tree):
        if id(node) in lazy:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out.extend((a.name, []) for a in node.names)
    return out


def ours(module: str) -> str | None:
    top = module.split(".")[0]
    return top if top in PACKAGES else None


def test_every_path_of_the_layout_table_exists():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = text[text.index("## Layout") :].split("\n\n")[1]
    paths = [p for row in table.splitlines()[2:] for p in re.findall(r"`([^`]+)`", row.split("|")[1])]
    assert len(paths) >= 8
    for path in paths:
        path = path.replace("<package>", "*")  # tests/<package>/ stands for every package's tests
        assert list(ROOT.glob(path.rstrip("/"))), f"docs/architecture.md names {path}, which does not exist"


def test_layers_import_only_to_their_left():
    wrong = []
    for name, path in modules().items():
        here = name.split(".")[0]
        for module, _names in imports(path):
            there = ours(module)
            if here == "store" and there not in (None, "store"):
                wrong.append((name, module))  # the store depends on nothing of ours
            if here == "analysis" and name != "analysis.__main__" and there not in (None, "analysis"):
                wrong.append((name, module))  # analysis is pure: no store, no network, no pages
            if here == "ingest" and there in ("counts", "dashboard"):
                wrong.append((name, module))
            if here == "counts" and (
                there == "dashboard"
                or (there == "ingest" and module != "ingest.netguard")  # its credential redaction only
                or module.split(".")[0] == "streamlit"
            ):
                wrong.append((name, module))  # counts read the store and know nothing of pages or fetching
    assert not wrong, wrong


def test_the_analysis_cli_loads_ingest_and_the_store_only_in_its_retag_command():
    """`python -m analysis` is an entry point, so it may compose the layers, but lazily: tagging a
    line from stdin must not open or even import the store."""
    wrong = [
        module
        for module, _names in imports(ROOT / "analysis" / "__main__.py", top_level_only=True)
        if ours(module) not in (None, "analysis")
    ]
    wrong += [module for module, _names in imports(ROOT / "analysis" / "__main__.py") if ours(module) == "dashboard"]
    assert not wrong, wrong


def test_counts_and_the_dashboard_take_only_reading_helpers_from_the_store():
    wrong = []
    for name, path in modules().items():
        if name.split(".")[0] not in ("counts", "dashboard", "app"):
            continue
        for module, names in imports(path):
            if ours(module) != "store":
                continue
            if module != "store" or not names or set(names) - STORE_FOR_READERS:
                wrong.append((name, module, names))
    assert not wrong, wrong


def test_no_private_name_of_store_or_ingest_is_used_outside_it():
    wrong = []
    for name, path in modules().items():
        here = name.split(".")[0]
        for module, names in imports(path):
            there = ours(module)
            if there not in ("store", "ingest") or there == here:
                continue
            if any(n.startswith("_") for n in names) or any(part.startswith("_") for part in module.split(".")):
                wrong.append((name, module, names))
    assert not wrong, wrong


def test_no_import_cycles():
    mods = modules()
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        deps = set()
        for module, names in imports(path):
            for candidate in [module] + [f"{module}.{n}" for n in names]:
                if candidate in mods and candidate != name:
                    deps.add(candidate)
        graph[name] = deps
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    assert not cycles, [" -> ".join(c) for c in cycles]


def test_the_store_is_written_only_by_store():
    wrong = []
    for name, path in modules().items():
        if name.split(".")[0] == "store":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and WRITE_SQL.search(node.value):
                wrong.append((name, node.value[:60]))
    assert not wrong, wrong
