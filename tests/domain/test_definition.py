"""The contest definition file: parse, validate with every problem's path, canonical round trip."""
import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from contestapp.domain import DefinitionError, dump_contest, dumps_contest, loads_contest, parse_contest

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.json"))


def minimal():
    return {"code": "c", "name": "竞赛", "kind": "skills", "year": 2025, "date": "2025-05-20", "events": [
        {"code": "e", "name": "电工", "rounds": [
            {"code": "theory", "name": "理论", "weight": "0.3", "criteria": [{"code": "p", "name": "试卷"}]},
            {"code": "practical", "name": "实操", "weight": "0.7", "criteria": [{"code": "a", "name": "模块A"}]}]}]}


def problems(data):
    with pytest.raises(DefinitionError) as e:
        parse_contest(data)
    return dict(e.value.problems)


def test_examples_exist():
    names = {p.name for p in EXAMPLES}
    assert {"city-skills.json", "merit-project.json", "craftsman.json", "points-1x.json", "diving.json",
            "halfpipe.json", "figure-skating-components.json"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_are_canonical(path):
    text = path.read_text(encoding="utf-8")
    spec = loads_contest(text)
    assert dumps_contest(spec) == text
    assert loads_contest(dumps_contest(spec)) == spec


def test_round_trip_is_stable_from_a_non_canonical_file():
    data = minimal()
    data["events"][0]["rounds"][0]["weight"] = 0.3  # a float, as plain json.load gives it
    data["events"][0]["rounds"][1]["weight"] = "0.70"
    once = dumps_contest(parse_contest(data))
    assert dumps_contest(loads_contest(once)) == once
    assert '"weight": "0.7"' in once and '"weight": "0.3"' in once
    assert once.endswith("}\n") and "理论" in once  # UTF-8, not \\u escapes


def test_dump_leaves_defaults_out_and_puts_nested_lists_last():
    out = dump_contest(parse_contest(minimal()))
    assert list(out) == ["format", "code", "name", "kind", "year", "date", "events"]
    rnd = out["events"][0]["rounds"][0]
    assert list(rnd) == ["code", "name", "weight", "criteria"]
    assert out["events"][0]["rounds"][0]["criteria"][0] == {"code": "p", "name": "试卷"}


def test_yaml_style_values_are_accepted():
    data = minimal()
    data["date"] = date(2025, 5, 20)  # YAML parses dates itself
    data["events"][0]["rounds"][0]["criteria"][0]["max"] = 100
    spec = parse_contest(data)
    assert spec.date == date(2025, 5, 20) and spec.events[0].rounds[0].criteria[0].max == D(100)


def test_all_problems_are_reported_with_paths():
    data = minimal()
    data["year"] = "2025"
    data["events"][0]["rounds"][1]["criteria"] = [
        {"code": "a", "name": "A", "max": "10", "min": "20"},
        {"code": "b", "name": "B", "max": "10", "step": "3"},
        {"code": "c", "name": "C", "kind": "bonus", "max": "abc"},
        {"code": "d", "name": "D", "colour": "red"},
        {"name": "E"}]
    data["events"].append({"code": "w", "name": "焊工", "combine": "sideways", "rounds": [
        {"code": "r", "name": "R", "panel": {"aggregate": "trimmed", "drop_high": 1, "drop_low": 1, "min_judges": 2},
         "criteria": [{"code": "x", "name": "X"}]}]})
    found = problems(data)
    assert found == {
        "year": "must be a whole number / 须为整数",
        "events[0].rounds[1].criteria[0].max": "must be > min / 须大于最低分",
        "events[0].rounds[1].criteria[1].step": "must divide max - min / 须能整除分值范围",
        "events[0].rounds[1].criteria[2].max": "must be a number, e.g. \"30.5\" / 须为数字",
        "events[0].rounds[1].criteria[3].colour": "unknown field / 未知字段",
        "events[0].rounds[1].criteria[4].code": "is required / 必填",
        "events[1].rounds[0].panel.min_judges": "must exceed drop_high + drop_low / 须多于去掉的分数个数",
        "events[1].combine": "must be one of weighted_sum, sum, mean, best / 取值须为 weighted_sum、sum、mean、best",
    }


def test_weights_not_summing_to_one_are_refused():
    data = minimal()
    data["events"][0]["rounds"][0]["weight"] = "0.2"
    assert problems(data) == {"events[0].rounds": "round weights must sum to 1 / 各轮次权重之和须为 1"}


def test_semantic_problems_of_siblings_are_all_reported():
    data = minimal()
    data["events"].append(json.loads(json.dumps(data["events"][0])))  # duplicate event code
    data["events"][0]["unshared_places"] = -1
    data["events"][0]["tie_break"] = [{"key": "round", "code": "nope"}, {"key": "time", "order": "up"}]
    found = problems(data)
    assert "events[0].unshared_places" in found and "events[0].tie_break[1].order" in found
    assert "events[1].code" not in found  # duplicates are checked once the events themselves are valid


def test_duplicates_and_unknown_tie_break_targets():
    data = minimal()
    data["events"].append(json.loads(json.dumps(data["events"][0])))
    data["events"][0]["tie_break"] = [{"key": "round", "code": "nope"}, {"key": "criterion", "code": "practical.zz"}]
    found = problems(data)
    assert found == {"events[0].tie_break[0].code": "unknown round 'nope' / 未定义",
                     "events[0].tie_break[1].code": "unknown criterion 'practical.zz' / 未定义"}
    del data["events"][0]["tie_break"]
    assert problems(data) == {"events[1].code": "duplicate code 'e' / 代码重复"}


def test_bad_shapes_and_format():
    assert problems([]) == {"": "must be an object / 须为对象"}
    assert problems({**minimal(), "format": "other/9"})["format"].startswith("must be")
    assert problems({**minimal(), "events": {}}) == {"events": "must be a list / 须为列表"}
    assert problems({**minimal(), "date": "20th May"}) == {"date": "must be a date YYYY-MM-DD / 须为日期 YYYY-MM-DD"}
    with pytest.raises(DefinitionError, match="not valid JSON"):
        loads_contest("{")
