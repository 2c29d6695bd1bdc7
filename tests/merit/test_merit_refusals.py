"""A service's refusal on a merit page goes through the blueprint's one handler: the transaction is rolled back, a
form gets the Chinese message and a redirect, a client asking for JSON gets it as JSON (422)."""
from io import BytesIO

from sqlalchemy import select

from contestapp.entrants.models import Entry
from contestapp.extensions import db
from tests.merit.merit_helpers import client_for, merit  # noqa: F401


def test_a_refused_form_is_rolled_back_flashed_and_redirected_or_answered_in_json(app, merit):
    from contestapp.merit.periods import periods_of

    contest = merit["contest"]
    april = periods_of(contest)[0]
    before = april.weight
    org = client_for(app, "organiser1")
    url = f"/contests/{contest.id}/merit/periods/weights"
    form = {f"w_{april.id}": "abc"}

    refused = org.post(url, data=form)
    assert refused.status_code == 302 and refused.headers["Location"].endswith(f"/contests/{contest.id}/merit/")
    page = org.get(refused.headers["Location"]).get_data(as_text=True)
    assert f"{april.name}：权重须为数字" in page

    as_json = org.post(url, data=form, headers={"Accept": "application/json"})
    assert as_json.status_code == 422
    assert as_json.get_json() == {"error": {"code": "refused", "message": f"{april.name}：权重须为数字"}}
    db.session.expire_all()
    assert april.weight == before

    entry = db.session.scalars(select(Entry).where(Entry.event_id == contest.events[0].id)).first()
    review = org.post(f"/contests/{contest.id}/merit/year/review/{entry.id}", data={"score": "x"},
                      follow_redirects=True)
    assert review.request.path == f"/contests/{contest.id}/merit/year" and "请输入数字" in review.get_data(as_text=True)
    for score in ("NaN", "1e400"):  # not a number the review keeps: refused, never a server error
        refused = org.post(f"/contests/{contest.id}/merit/year/review/{entry.id}", data={"score": score})
        assert refused.status_code == 302 and refused.headers["Location"].endswith(f"/contests/{contest.id}/merit/year")


def test_a_participants_file_that_cannot_be_read_goes_back_to_the_console(app, merit):
    contest = merit["contest"]
    org = client_for(app, "organiser1")
    refused = org.post(f"/contests/{contest.id}/merit/import", data={"file": (BytesIO(b""), "u.csv")},
                       content_type="multipart/form-data", follow_redirects=True)
    assert refused.request.path == f"/contests/{contest.id}/merit/" and "文件是空的" in refused.get_data(as_text=True)
