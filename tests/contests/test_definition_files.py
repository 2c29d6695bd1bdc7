"""Contest definition files: load -> dump is byte-identical, bad files are refused whole with field paths."""
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from contestapp.contests.definition import (
    DefinitionFileError, canonical, create_contest, definition_of, read_definition)
from contestapp.contests.models import Contest, Criterion
from contestapp.extensions import db

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.json"))


def test_there_are_examples_for_every_kind_of_contest():
    kinds = {json.loads(p.read_text(encoding="utf-8"))["kind"] for p in EXAMPLES}
    assert {"skills", "merit", "craftsman", "points"} <= kinds


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_load_dump_round_trip_is_byte_identical(app, make, path):
    text = path.read_text(encoding="utf-8")
    contest = create_contest(read_definition(text, path.name), make.org(), None)
    db.session.commit()
    first = canonical(definition_of(db.session.get(Contest, contest.id)))
    assert first == text
    # load -> dump -> load -> dump
    again = create_contest(read_definition(first.replace(contest.code, contest.code + "-2"), path.name),
                           contest.organisation, None)
    second = canonical(definition_of(again)).replace(contest.code + "-2", contest.code)
    assert second == first


def test_cli_load_and_dump(app, make, tmp_path):
    make.org()
    db.session.commit()
    runner = app.test_cli_runner()
    source = EXAMPLES[0]
    result = runner.invoke(args=["contest", "load", str(source)])
    assert result.exit_code == 0, result.output
    code = json.loads(source.read_text(encoding="utf-8"))["code"]
    out = tmp_path / "dump.json"
    result = runner.invoke(args=["contest", "dump", code, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == source.read_text(encoding="utf-8")


def test_yaml_is_accepted(app, make):
    import yaml

    data = json.loads((EXAMPLES[0]).read_text(encoding="utf-8"))
    contest = create_contest(read_definition(yaml.safe_dump(data, allow_unicode=True), "c.yaml"), make.org(), None)
    assert contest.code == data["code"]


def _bad_definition():
    path = Path(__file__).resolve().parents[2] / "examples" / "city-skills.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["events"][1]["rounds"][1]["criteria"][0]["max"] = "-5"
    data["events"][0]["rounds"][0]["weight"] = "0.5"   # weights no longer sum to 1
    return data


def test_a_bad_file_is_refused_whole_with_every_problem_and_its_path(app, make):
    org = make.org()
    with pytest.raises(DefinitionFileError) as caught:
        create_contest(_bad_definition(), org, None)
    paths = [p for p, _ in caught.value.problems]
    assert "events[1].rounds[1].criteria[0].max" in paths
    assert any(p.startswith("events[0]") and "rounds" in p for p in paths)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Contest.id))) == 0
    assert db.session.scalar(select(func.count(Criterion.id))) == 0


def test_cli_load_reports_paths_and_creates_nothing(app, make, tmp_path):
    make.org()
    db.session.commit()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_bad_definition(), ensure_ascii=False), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["contest", "load", str(bad)])
    assert result.exit_code != 0
    assert "events[1].rounds[1].criteria[0].max" in result.output
    assert db.session.scalar(select(func.count(Contest.id))) == 0


@pytest.mark.parametrize("content, message", [
    (b"{not json", "文件格式错误"),
    (b"[1, 2]", "顶层须为一个对象"),
    ("{}".encode("utf-16"), "UTF-8"),
])
def test_unreadable_files_get_a_clear_message(content, message):
    with pytest.raises(DefinitionFileError) as caught:
        read_definition(content, "x.json")
    assert message in caught.value.problems[0][1]


def test_console_import_and_export(client, make, login_as):
    org = make.org()
    make.user("org1", "organiser", org)
    db.session.commit()
    login_as("org1")
    source = EXAMPLES[0]
    response = client.post("/contests/import", data={"file": (source.open("rb"), source.name)},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    contest = db.session.scalar(select(Contest))
    exported = client.get(f"/contests/{contest.id}/definition.json")
    assert exported.status_code == 200
    assert exported.get_data(as_text=True) == source.read_text(encoding="utf-8")


def test_console_import_of_a_bad_file_lists_the_problems(client, make, login_as, tmp_path):
    make.user("org1", "organiser", make.org())
    db.session.commit()
    login_as("org1")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_bad_definition(), ensure_ascii=False), encoding="utf-8")
    response = client.post("/contests/import", data={"file": (bad.open("rb"), "bad.json")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "events[1].rounds[1].criteria[0].max" in body and "未导入任何内容" in body
    assert db.session.scalar(select(func.count(Contest.id))) == 0
