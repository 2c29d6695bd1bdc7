"""Property-based fuzzing of what people upload: mutated contest definitions, roster and marks files. The only
exceptions allowed out are the modules' own errors (DefinitionError, UploadError, MarksFileError), each with a
Chinese reason; anything else (InvalidOperation, OverflowError, TypeError, csv.Error...) is a defect.

Derandomized (the same examples on every run, so CI is repeatable) and bounded in size and count."""
from __future__ import annotations

import copy
import csv
import io
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from contestapp.common.uploads import UploadError, read_table
from contestapp.domain.definition import DefinitionError, dumps_contest, loads_contest, parse_contest
from contestapp.entrants.roster import check_rows

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.json"))}
FUZZ = settings(derandomize=True, deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])

# values a careless or hostile file puts where a number, a date or a text should be
HOSTILE = st.sampled_from(["1e-30", "1e1000000", "-1e1000000", "0.00001", "NaN", "Infinity", "1_0", "", " ", "=1+1",
                           "２０", "9" * 40, "2025-02-30", "2025-13-01", "\x00", "\r", "abc", "-0", "1.2.3", "0x10",
                           "1E+999999", 2**63, -(2**63) - 1, 1e308, 1e-320])
NASTY = st.one_of(  # hostile number-like values half the time, anything JSON can hold otherwise
    HOSTILE, HOSTILE, HOSTILE, HOSTILE, st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def paths(node, prefix=()):
    """Every (path, value) in a JSON document, lists and dicts included."""
    yield prefix, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from paths(v, prefix + (i,))


def mutate(doc, picks):
    """Replace (or delete) a few values; mostly leaves that hold numbers, where the old parser let exceptions out."""
    doc = copy.deepcopy(doc)
    all_paths = [p for p, _ in paths(doc) if p]
    numeric = [p for p, v in paths(doc) if p and (isinstance(v, (int, float)) or
                                                  (isinstance(v, str) and v.replace(".", "").lstrip("-").isdigit()))]
    for index, value, delete in picks:
        pool = numeric if numeric and index % 4 else all_paths
        path = pool[index // 4 % len(pool)]
        parent = doc
        try:
            for key in path[:-1]:
                parent = parent[key]
            if delete and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced the container
    return doc


@FUZZ
@given(name=st.sampled_from(sorted(EXAMPLES)),
       picks=st.lists(st.tuples(st.integers(min_value=0), NASTY, st.booleans()), min_size=1, max_size=4))
def test_mutated_definitions_fail_only_with_definition_errors(name, picks):
    data = mutate(EXAMPLES[name], picks)
    try:
        spec = parse_contest(data)
    except DefinitionError as exc:
        assert exc.problems and all(isinstance(m, str) and m for _, m in exc.problems)
        return
    text = dumps_contest(spec)  # what parses must write back and read again, identically
    assert dumps_contest(loads_contest(text)) == text


CELL = st.one_of(st.text(max_size=30), st.sampled_from(["=HYPERLINK(\"http://x\")", "330102198801010011",
                                                       "11010519491231002X", "电工", "男", "女", "\r", "\"", "1e5"]))
TABLE = st.lists(st.lists(CELL, max_size=8), max_size=12)
HEADER = ["姓名", "性别", "身份证号", "单位", "参赛赛项"]


def as_csv(rows, encoding):
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode(encoding, errors="replace")


def as_xlsx(rows):
    book = Workbook()
    for row in rows:
        try:
            book.active.append(row)
        except Exception:  # openpyxl refuses control characters itself: such a file cannot be made
            book.active.append([""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@FUZZ
@given(rows=TABLE, header=st.booleans(), kind=st.sampled_from(["utf-8", "gb18030", "xlsx"]))
def test_roster_files_fail_only_with_the_readers_error(rows, header, kind):
    rows = ([HEADER] if header else []) + rows
    content = as_xlsx(rows) if kind == "xlsx" else as_csv(rows, kind)
    try:
        table = read_table(content, "roster." + ("xlsx" if kind == "xlsx" else "csv"))
        check_rows(table, {"电工": "e", "e": "e"}, set())
    except UploadError as exc:
        assert str(exc)


@FUZZ
@given(content=st.binary(max_size=400), name=st.sampled_from(["r.xlsx", "r.csv", "r.xls", "r.txt", ""]))
def test_arbitrary_bytes_are_refused_or_read_never_crash(content, name):
    try:
        read_table(content, name)
    except UploadError as exc:
        assert str(exc)
