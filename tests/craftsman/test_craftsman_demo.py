"""`flask demo` holds a craftsman selection at the nomination stage, alive on the day it runs: the call open with
quota and targets, unit accounts in their own units, some nominations submitted and one a draft, and experts from
units of their own -- so that recusal leaves every candidate a full panel (before, every demo account sat in the city
federation and every expert would have been recused from every candidate)."""
from datetime import datetime, timezone

from sqlalchemy import select

from contestapp.extensions import db


def test_demo_craftsman_selection_is_open_for_nominations_today(app):
    from contestapp.auth.models import User
    from contestapp.contests.definition import spec_of
    from contestapp.contests.models import Contest
    from contestapp.craftsman import calls, nominations
    from contestapp.craftsman.panel import OK, check_panel, experts_of
    from contestapp.demo.craftsman import DEMO_CODE

    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "xihu gongshu qilunji xizi" in result.output and "zhuanjia1 … zhuanjia6" in result.output
    contest = db.session.scalar(select(Contest).where(Contest.code == DEMO_CODE))
    call = calls.call_of(contest)
    assert call.stage == "nomination" and calls.nominations_open(call)
    assert call.deadline > datetime.now(timezone.utc) and call.quota == 3 and call.vote_enabled
    assert {t["code"] for t in call.targets} == {"young", "front"}

    all_noms = nominations.nominations_of(contest)
    assert sorted(n.status for n in all_noms) == ["draft"] + ["submitted"] * 5
    submitted = [n for n in all_noms if n.status == "submitted"]
    assert all(n.files and n.submitted_at for n in submitted)
    units = {n.unit_org.name for n in all_noms}
    assert units == {"西湖区总工会", "拱墅区总工会", "杭州汽轮机股份有限公司", "西子电梯科技有限公司"}
    for username in ("xihu", "gongshu", "qilunji", "xizi"):
        account = db.session.scalar(select(User).where(User.username == username))
        assert account.role == "unit" and account.organisation.name in units

    experts = experts_of(contest)
    assert len(experts) == 6 and all(e.organisation_id != contest.organisation_id for e in experts)
    rules = [r.panel for r in spec_of(contest).events[0].rounds]
    check = check_panel(contest, submitted, rules)
    assert check.size_ok and not check.host_experts
    assert {c.nomination.name: len(c.available) for c in check.candidates} == {
        "李建国": 6, "王秀英": 5, "陈志强": 5, "周晓燕": 6, "赵永刚": 6}
    assert all(c.level == OK for c in check.candidates)

    again = app.test_cli_runner().invoke(args=["demo"])  # a second run changes nothing
    assert again.exit_code == 0 and len(nominations.nominations_of(contest)) == 6
