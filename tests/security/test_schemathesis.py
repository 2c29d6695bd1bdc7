"""Schemathesis against the judging API's own OpenAPI document (/api/v1/openapi.json), signed in as a judge with
sheets: no request it generates may answer 500, and every answer must match the documented schema. Bounded
(few examples per operation, no deadline) so the whole run stays well under a minute in CI."""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from contestapp.judging.openapi import document
from tests.judging.conftest import jw  # noqa: F401  (a contest with judges, a draw and assignments)

EXAMPLES = 25


@pytest.fixture
def judge(app, jw):  # noqa: F811
    """judge2's session cookie and sheet ids."""
    client = app.test_client()
    assert client.post("/login", data={"username": "judge2", "password": "secret-pass-1"}).status_code == 302
    rounds = client.get("/api/v1/assignments").get_json()["rounds"]
    sheets = [s["id"] for r in rounds for s in r["sheets"]]
    assert sheets
    return {"session": client.get_cookie("session").value}, sheets


schema = schemathesis.openapi.from_dict(document())  # the document /api/v1/openapi.json serves


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_judging_api_never_answers_500_and_matches_its_document(app, case, judge):
    cookie, sheets = judge
    sheet_id = case.path_parameters.get("sheet_id") if case.path_parameters else None
    if isinstance(sheet_id, int) and 0 <= sheet_id < 1000:
        case.path_parameters["sheet_id"] = sheets[sheet_id % len(sheets)]  # aim at one of the judge's own sheets
    case.call_and_validate(app=app, cookies=cookie,  # in-process (WSGI), signed in as judge2
                           checks=[not_a_server_error, response_schema_conformance])


@pytest.mark.parametrize("method,path,body", [
    ("GET", "/api/v1/sheets/{big}", None),
    ("PUT", "/api/v1/sheets/{big}/marks", {"version": 1, "marks": []}),
    ("POST", "/api/v1/sheets/{big}/submit", {"version": 1, "confirm": True}),
])
def test_sheet_ids_beyond_the_integer_column_answer_4xx(app, judge, method, path, body):
    cookie, sheets = judge
    client = app.test_client()
    client.set_cookie("session", cookie["session"])
    response = client.open(path.format(big=2 ** 63, own=sheets[0]), method=method, json=body,
                           headers={"Idempotency-Key": "big"})
    assert 400 <= response.status_code < 500
