"""`contestapp.domain` imports and scores in a process where Flask and SQLAlchemy cannot be imported at all."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import sys
from importlib.abc import MetaPathFinder


class Unimportable(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("flask", "sqlalchemy", "flask_sqlalchemy", "werkzeug", "jinja2") or \
                name.startswith("flask_"):
            raise ImportError(f"{name} is not installed here")
        return None


sys.meta_path.insert(0, Unimportable())
from decimal import Decimal

import contestapp.domain as d

rnd = d.RoundSpec("r", "R", (d.CriterionSpec("c", "C", max=Decimal(10)),), panel=d.PanelRule(min_judges=3))
event = d.EventSpec("e", "E", (rnd,), combine="sum")
marks = tuple(d.Mark(f"J{i}", "c", Decimal(v)) for i, v in enumerate(("8", "8.5", "9")))
result = d.score_entry(event, "A", [d.EntryRoundInput("A", "r", marks)])
stats = d.score_entry_stats(event, "A", {"r": d.RoundStats({"c": d.stats_of(m.value for m in marks)})})
assert result.total == stats.total == Decimal("8.50"), (result.total, stats.total)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("flask", "sqlalchemy", "werkzeug", "jinja2"))
assert not loaded, loaded
print("ok")
"""


def test_domain_imports_without_flask_or_sqlalchemy():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
