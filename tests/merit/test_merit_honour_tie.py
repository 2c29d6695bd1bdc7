"""A tie across an honour's quota: the organiser settles it on its own screen (who gets it, with a reason, audited),
and the decision holds when the honours are recomputed with the same tie."""
from sqlalchemy import select

from contestapp.extensions import db
from tests.merit.merit_helpers import at, client_for, merit, score  # noqa: F401


def test_organiser_settles_a_tie_across_the_quota(app, merit):
    from contestapp.audit.models import AuditEntry
    from contestapp.jobs.runner import run_job
    from contestapp.merit.models import Honour
    from contestapp.merit.honours import assign_honours, ensure_honour_rules
    from contestapp.merit.periods import periods_of

    contest = merit["contest"]
    run_job("open_periods", at(2025, 4, 1))
    score(periods_of(contest)[0], merit["judges"], {})  # four clean units: all 100, all tied first
    run_job("close_periods", at(2025, 5, 7))
    run_job("bulletins", at(2025, 5, 7))
    rule = ensure_honour_rules(contest)[0]
    rule.quota = 2
    assign_honours(contest, merit["organiser"])
    db.session.commit()
    tied = db.session.scalars(select(Honour).where(Honour.rule_id == rule.id).order_by(Honour.entry_id)).all()
    assert len(tied) == 4 and all(h.pending for h in tied)
    ids = [h.entry_id for h in tied]

    organiser = client_for(app, "organiser1")
    url = f"/contests/{contest.id}/merit/year/honours/{rule.id}/tie"
    assert url in organiser.get(f"/contests/{contest.id}/merit/year").get_data(as_text=True)
    page = organiser.get(url).get_data(as_text=True)
    assert "剩余 2 个" in page and all(h.entrant_name in page for h in tied)
    assert client_for(app, "assessor1").get(url).status_code == 403

    bad = organiser.post(url, data={"entry": ids[:1], "reason": "安全无事故天数更多"}, follow_redirects=True)
    assert "请选择 2 个" in bad.get_data(as_text=True)
    bad = organiser.post(url, data={"entry": ids[:2], "reason": "  "}, follow_redirects=True)
    assert "请填写确定理由" in bad.get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "merit.honour_tie")) is None
    assert organiser.post(url, data={"entry": [ids[1], ids[3]], "reason": "安全无事故天数更多"}).status_code == 302

    def honours():
        db.session.expire_all()
        return [(h.entry_id, h.pending) for h in
                db.session.scalars(select(Honour).where(Honour.rule_id == rule.id).order_by(Honour.entry_id))]

    assert honours() == [(ids[1], False), (ids[3], False)]
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "merit.honour_tie"))
    assert audit.actor_id == merit["organiser"].id and "安全无事故天数更多" in audit.summary
    assert "没有待确定的并列" in organiser.get(url).get_data(as_text=True)

    assign_honours(contest, merit["organiser"])  # recomputed, same tie: the decision holds
    db.session.commit()
    assert honours() == [(ids[1], False), (ids[3], False)]
    rule.quota = 3  # a different number of places: the old decision no longer fits, the tie is pending again
    assign_honours(contest, merit["organiser"])
    db.session.commit()
    assert honours() == [(i, True) for i in ids]
