"""The domain package is pure Python: no Flask, no SQLAlchemy (DESIGN.md, principle 2)."""
import ast
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "contestapp" / "domain"
FORBIDDEN = ("flask", "sqlalchemy", "flask_sqlalchemy", "werkzeug", "jinja2")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_domain_has_modules():
    assert {"types.py", "scoring.py", "ranking.py", "awards.py", "titles.py", "draw.py", "definition.py"} <= {
        p.name for p in DOMAIN.glob("*.py")}


def test_no_framework_imports():
    for path in DOMAIN.rglob("*.py"):
        bad = {n for n in _imports(path) if n in FORBIDDEN or n.startswith("flask_")}
        assert not bad, f"{path.name} imports {bad}"


def test_no_float_literals():
    """Scores are Decimal: a float literal in the domain is almost surely a bug."""
    for path in DOMAIN.rglob("*.py"):
        floats = [n.lineno for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                  if isinstance(n, ast.Constant) and isinstance(n.value, float)]
        assert not floats, f"{path.name}: float literal on lines {floats}"
