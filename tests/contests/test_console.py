"""Organiser console: contests by hand, their events, rounds and criteria; scope by organisation."""
from sqlalchemy import select

from contestapp.contests.definition import problems_of, spec_of
from contestapp.contests.models import Contest, Criterion, Event, Round
from contestapp.extensions import db


def _organiser(make):
    org = make.org()
    make.user("org1", "organiser", org)
    db.session.commit()
    return org


def test_an_organiser_builds_a_contest_by_hand(client, make, login_as):
    org = _organiser(make)
    login_as("org1")
    response = client.post("/contests/new", data={
        "code": "2026-county", "name": "2026年县职工技能比武", "kind": "skills", "organisation_id": org.id,
        "year": 2026, "starts_on": "2026-05-20", "location": "县技工学校"})
    assert response.status_code == 302
    contest = db.session.scalar(select(Contest))
    cid = contest.id
    assert client.post(f"/contests/{cid}/events/new", data={
        "code": "forklift", "name": "叉车工", "mode": "individual", "combine": "weighted_sum", "places": 2,
        "unshared_places": 3}).status_code == 302
    event = db.session.scalar(select(Event))
    for code, name, weight in (("theory", "理论知识", "0.3"), ("practical", "实际操作", "0.7")):
        assert client.post(f"/contests/{cid}/events/{event.id}/rounds/new", data={
            "code": code, "name": name, "weight": weight, "aggregate": "trimmed", "drop_high": 1, "drop_low": 1,
            "reduce": "mean", "min_judges": 5, "combine": "sum", "places": 2}).status_code == 302
    practical = db.session.scalar(select(Round).where(Round.code == "practical"))
    assert client.post(f"/contests/{cid}/rounds/{practical.id}/criteria/new", data={
        "code": "drive", "name": "场地驾驶", "kind": "judgement", "max": "60", "min": "0", "step": "0.5"}
    ).status_code == 302
    assert client.post(f"/contests/{cid}/rounds/{practical.id}/criteria/new", data={
        "code": "safety", "name": "安全操作", "kind": "deduction", "max": "40", "min": "0",
        "deduction_per": "2"}).status_code == 302
    theory = db.session.scalar(select(Round).where(Round.code == "theory"))
    client.post(f"/contests/{cid}/rounds/{theory.id}/criteria/new", data={
        "code": "paper", "name": "试卷", "kind": "measurement", "max": "100", "min": "0"})
    db.session.expire_all()
    contest = db.session.get(Contest, cid)
    assert problems_of(contest) == []
    spec = spec_of(contest)
    rnd = spec.events[0].round("practical")
    assert rnd.panel.drop_high == 1 and rnd.panel.min_judges == 5
    assert rnd.criterion("safety").deduction_per == 2
    page = client.get(f"/contests/{cid}").get_data(as_text=True)
    assert "叉车工" in page and "场地驾驶" in page and "每处扣 2 分" in page


def test_weights_that_do_not_sum_to_one_are_shown_and_block_the_start(client, make, login_as):
    org = _organiser(make)
    contest = make.contest(org)
    contest.events[0].rounds[0].weight = contest.events[0].rounds[0].weight / 2
    db.session.commit()
    login_as("org1")
    page = client.get(f"/contests/{contest.id}").get_data(as_text=True)
    assert "竞赛定义还有" in page and "各轮次权重之和须为 1" in page
    client.post(f"/contests/{contest.id}/status", data={"status": "running"})
    assert db.session.get(Contest, contest.id).status == "draft"


def test_structure_is_locked_once_the_contest_runs(client, make, login_as):
    org = _organiser(make)
    contest = make.contest(org)
    contest.status = "running"
    db.session.commit()
    login_as("org1")
    criterion = db.session.scalar(select(Criterion))
    response = client.post(f"/contests/{contest.id}/criterion/{criterion.id}/delete", follow_redirects=True)
    assert "评分结构已锁定" in response.get_data(as_text=True)
    assert db.session.get(Criterion, criterion.id) is not None


def test_bad_form_input_is_refused_with_chinese_messages_and_kept(client, make, login_as):
    org = _organiser(make)
    contest = make.contest(org)
    db.session.commit()
    login_as("org1")
    rnd = contest.events[0].rounds[0]
    response = client.post(f"/contests/{contest.id}/rounds/{rnd.id}/criteria/new", data={
        "code": "bad code!", "name": "某项", "kind": "judgement", "max": "10", "min": "20"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "代码只能包含字母" in body and 'value="某项"' in body


def test_organisers_see_only_their_organisation_and_below(client, make, login_as):
    city = make.org("市总工会", "city")
    county = make.org("县总工会", "county", city)
    other = make.org("邻市总工会", "city")
    make.contest(county, code="county-contest", name="县赛")
    make.contest(other, code="other-contest", name="邻市赛")
    make.user("cityorg", "organiser", city)
    make.user("countyorg", "organiser", county)
    db.session.commit()
    login_as("cityorg")
    page = client.get("/contests/").get_data(as_text=True)
    assert "county-contest" in page and "other-contest" not in page
    client.post("/logout")
    login_as("countyorg")
    other_id = db.session.scalar(select(Contest.id).where(Contest.code == "other-contest"))
    assert client.get(f"/contests/{other_id}").status_code == 403


def test_setup_changes_are_audited(client, make, login_as):
    from contestapp.audit.models import AuditEntry

    org = _organiser(make)
    contest = make.contest(org)
    db.session.commit()
    login_as("org1")
    event = contest.events[0]
    client.post(f"/contests/{contest.id}/events/{event.id}/edit", data={
        "code": event.code, "name": "电工（改）", "mode": "individual", "combine": "weighted_sum", "places": 2,
        "unshared_places": 0})
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.save"))
    assert entry is not None and entry.actor_name == "org1" and "电工（改）" in entry.summary


def test_organiser_appoints_contest_staff_with_matching_roles(client, make, login_as):
    from contestapp.contests.models import ContestMember

    org = _organiser(make)
    contest = make.contest(org)
    make.user("chief1", "chief_judge", org)
    make.user("judge1", "judge", org)
    db.session.commit()
    login_as("org1")
    client.post(f"/contests/{contest.id}/members", data={"username": "chief1", "role": "chief_judge"})
    response = client.post(f"/contests/{contest.id}/members", data={"username": "judge1", "role": "chief_judge"},
                           follow_redirects=True)
    assert "不能担任“裁判长”" in response.get_data(as_text=True)
    members = db.session.scalars(select(ContestMember)).all()
    assert [(m.user.username, m.role) for m in members] == [("chief1", "chief_judge")]
    client.post("/logout")
    login_as("chief1", "secret-pass-1")
    assert client.get(f"/contests/{contest.id}").status_code == 200
    assert client.get(f"/contests/{contest.id}/entrants/").status_code == 403


def test_objects_of_another_contest_are_not_reachable_through_this_one(client, make, login_as):
    org = _organiser(make)
    mine = make.contest(org)
    theirs = make.contest(org, code="second")
    db.session.commit()
    login_as("org1")
    their_round = theirs.events[0].rounds[0]
    their_criterion = their_round.criteria[0]
    assert client.get(f"/contests/{mine.id}/rounds/{their_round.id}/edit").status_code == 404
    assert client.get(f"/contests/{mine.id}/criteria/{their_criterion.id}/edit").status_code == 404
    assert client.post(f"/contests/{mine.id}/criterion/{their_criterion.id}/delete").status_code == 404
    assert db.session.get(Criterion, their_criterion.id) is not None


def test_a_unit_account_joins_a_merit_contest_to_fill_its_self_assessment(client, make, login_as):
    from contestapp.auth.permissions import contest_roles

    org = _organiser(make)
    contest = make.contest(org, example="merit-project.json")
    unit = make.user("unit1", "unit", org)
    db.session.commit()
    login_as("org1")
    client.post(f"/contests/{contest.id}/members", data={"username": "unit1", "role": "unit"})
    assert contest_roles(unit, contest) == {"unit"}
