"""The shape of the code (issue 13 item 4): no import circle between modules, counting imports inside functions; no
module over 600 lines; areas import only areas below them; `contestapp.domain` imports without Flask or SQLAlchemy.

Two tiers: the web tier (views, the API, forms, command-line commands, access decorators, template filters) sits
above every area's models and services. A model or service imports only models and services of its own area or of
areas below it; a web module may use any area's services, and web modules of its own area or areas below.

Read from the source with `ast`, so an import inside a function counts as much as one at the top.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "contestapp"
MAX_LINES = 600

# Areas from the bottom up: an area may import its own modules and those of the areas before it, never after.
# `domain` is pure rules; `common` is plumbing with no domain area; `contests` holds the contest, its definition and
# staff; `entrants` the people and units entered; then the work done on them. Certificates learn their recipients
# through `common.recipients` (each area registers a provider) and so sit below awards, merit and craftsman.
LAYERS = [
    {"domain"},
    {"i18n"},
    {"common", "extensions"},
    {"audit", "auth"},
    {"contests"},
    {"entrants"},
    {"jobs"},
    {"certificates"},
    {"judging"},
    {"results"},
    {"awards"},
    {"merit", "craftsman"},
    {"filters", "main", "demo", "cli", "app"},
]


WEB = {"views", "api", "console", "cli", "forms", "manage", "board", "analytics_views", "permissions", "filters",
       "app", "main", "charts"}


def _web(module: str) -> bool:
    return module == "contestapp" or module.rpartition(".")[2] in WEB


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The module an imported name lives in (`contestapp.x.y.Name` → `contestapp.x.y`)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(path: Path) -> set[str]:
    """Every contestapp module `path` imports, at the top or inside a function."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        out.update(m for m in map(_resolve, (n for n in names if n.startswith("contestapp."))) if m)
    return out


GRAPH = {name: _imports(path) - {name} for name, path in MODULES.items()}


def _area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "app"


def _circles() -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each a set of modules importing each other."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    return groups


def test_no_import_circle_between_modules():
    assert _circles() == []


def test_no_module_over_600_lines():
    long = {str(p.relative_to(ROOT)): n for p in MODULES.values()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_every_area_has_a_layer():
    placed = set().union(*LAYERS)
    assert {_area(m) for m in MODULES} - placed == set()


def test_areas_import_only_areas_below_them():
    level = {area: i for i, layer in enumerate(LAYERS) for area in layer}
    upward = defaultdict(set)
    for module, imported in GRAPH.items():
        for other in imported:
            if _web(module) and not _web(other):
                continue  # a page may use any area's services
            if (_web(other) and not _web(module)) or level[_area(other)] > level[_area(module)]:
                upward[f"{_area(module)} → {_area(other)}"].add(f"{module} imports {other}")
    assert dict(upward) == {}


def test_domain_imports_without_flask_or_sqlalchemy():
    """In a fresh interpreter where Flask, Werkzeug, SQLAlchemy and every Flask extension cannot be imported."""
    domain = sorted(m for m in MODULES if m.startswith("contestapp.domain"))
    script = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in {'flask', 'werkzeug', 'sqlalchemy', 'jinja2'} or name.startswith('flask_'):\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        f"for name in {domain!r}:\n"
        "    __import__(name)\n"
        "print('ok', len(sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("ok")
