"""End to end: 30 nominations (2 ineligible with reasons, 1 direct recognition) -> expert review by 7 experts
with one recusal -> shortlist of 15 -> public vote -> 10 named, with a warning for a missed target -> 10 title
certificates (embedded CJK font, no other font, a verification URL each)."""
import io
import re
import shutil
import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest

from contestapp.extensions import db
from tests.conftest import RecordingSender
from tests.craftsman.craftsman_helpers import build_world, marks_for, nominate

INELIGIBLE = {3: {"birth_year": 1960}, 7: {"vocational_level": "中级工", "years_in_trade": 3}}
DIRECT = 12
MANAGERS = (0, 1, 2)  # the best three are not front-line workers: the 80% front-line target is missed


def _pdffonts(pdf: bytes) -> list[list[str]]:
    tool = shutil.which("pdffonts")
    if not tool:
        pytest.fail("pdffonts not found: apt-get install poppler-utils")
    out = subprocess.run([tool, "-"], input=pdf, capture_output=True, check=True, timeout=60).stdout.decode()
    return [line.split() for line in out.splitlines()[2:]]


def test_craftsman_selection_end_to_end(app, make):
    from contestapp.craftsman import calls, errors, naming, nominations, panel, review, vote
    from contestapp.common.db import utcnow
    from contestapp.craftsman.models import NominationStatus, Stage
    from contestapp.domain.idcard import make_id_number

    w = build_world(make)
    call, contest, office, experts = w["call"], w["contest"], w["organiser"], w["experts"]
    app.extensions["craftsman_sms"] = sender = RecordingSender()

    # 1. thirty nominations from ten units; the last unit nominates one candidate (its expert must recuse)
    noms = {}
    for i in range(30):
        unit = w["units"][9] if i == 29 else w["units"][i % 9]
        over = {"front_line": i not in MANAGERS}
        if i == 3:
            over["id_number"] = make_id_number("330881", __import__("datetime").date(1960, 3, 3), 3, "M")
        if i == 7:
            over.update(vocational_level="中级工", years_in_trade=3)
        if i == DIRECT:
            over["honours"] = "2024年浙江省职业技能大赛车工项目省级一等奖"
        noms[i] = nominate(call, unit, i, **over)
    db.session.commit()
    assert all(n.status == NominationStatus.SUBMITTED for n in noms.values())

    # 2. eligibility check: automatic checks give the reasons; one direct recognition
    calls.set_stage(call, Stage.CHECKING, office)
    for i, n in noms.items():
        report = nominations.run_checks(call, n)
        if i in INELIGIBLE:
            assert report.eligible is False
            nominations.decide(call, n, "ineligible", "", office)
        elif i == DIRECT:
            assert report.direct_hints == ("2024年浙江省职业技能大赛车工项目省级一等奖",)
            nominations.decide(call, n, "direct", "省级技能大赛一等奖（直接认定）", office)
        else:
            assert report.eligible is True, (i, report.reasons)
            nominations.decide(call, n, "eligible", "", office)
    db.session.commit()
    assert "年龄 65 岁，超过 55 岁的上限" in noms[3].office_note
    assert noms[7].office_note == "从事本职业（工种）3 年，不足 8 年；职业技能等级为中级工，低于要求的高级工"
    assert noms[DIRECT].status == NominationStatus.DIRECT

    # 3. expert review: 27 candidates, 7 experts, one recused pair; marks are ScoreSheets/Marks
    assert review.start_review(call, office) == 27
    reviewed = [i for i in range(30) if i not in INELIGIBLE and i != DIRECT]
    quality = {i: Decimal("0.95") - Decimal("0.012") * rank for rank, i in enumerate(reviewed)}
    recused = []
    for i in reviewed:
        for j, expert in enumerate(experts):
            if panel.is_recused(expert, noms[i]):
                recused.append((j, i))
                with pytest.raises(errors.CraftsmanError, match="回避"):
                    review.record_marks(expert, noms[i], "review", marks_for(quality[i], j))
                continue
            review.record_marks(expert, noms[i], "review", marks_for(quality[i], j))
    db.session.commit()
    assert recused == [(6, 29)]
    from contestapp.judging.models import Mark, ScoreSheet

    assert db.session.scalar(db.select(db.func.count(ScoreSheet.id))) == 27 * 7 - 1
    assert db.session.scalar(db.select(db.func.count(Mark.id))) == (27 * 7 - 1) * 6

    standings = review.review_standings(call)
    assert len(standings) == 27
    last = next(s for s in standings if s.nomination is noms[29])
    assert "去掉1个最高分和1个最低分后取平均" in last.explanation  # 6 marks still trimmed: fair after recusal
    assert [s.rank for s in standings] == sorted(s.rank for s in standings)

    # 4. shortlist of 15, defence for the shortlisted (its own weight 0.3)
    shortlist = review.make_shortlist(call, office)
    assert len(shortlist) == 15
    for s in shortlist:
        for j, expert in enumerate(experts):
            if not panel.is_recused(expert, s.nomination):
                q = quality[next(i for i, n in noms.items() if n is s.nomination)]
                review.record_marks(expert, s.nomination, "defence",
                                      {"defence": (Decimal(100) * q + (j % 3)).to_integral_value()})
    db.session.commit()

    # 5. public vote: verified phones, one vote a day; a burst from one address is flagged
    calls.set_stage(call, Stage.VOTE, office)
    shortlisted = [s.nomination for s in shortlist]
    voted = 0
    for k in range(20):
        phone = f"1390000{k:04d}"
        vote.request_code(call, phone, f"10.1.0.{k}", f"dev{k}")
        vote.cast_vote(call, shortlisted[k % 5], phone, sender.code_for(phone), f"10.1.0.{k}", f"dev{k}")
        voted += 1
    for k in range(25):
        phone = f"1370000{k:04d}"
        vote.request_code(call, phone, "10.9.9.9", f"bot{k}")
        vote.cast_vote(call, shortlisted[-1], phone, sender.code_for(phone), "10.9.9.9", f"bot{k}")
        voted += 1
    db.session.commit()
    with pytest.raises(errors.CraftsmanError, match="已经投过票"):
        vote.request_code(call, "13900000000", "10.1.0.0", "dev0", now=utcnow() + timedelta(minutes=2))
        vote.cast_vote(call, shortlisted[1], "13900000000", sender.code_for("13900000000"), "10.1.0.0", "dev0")
    db.session.rollback()
    counts = vote.vote_counts(contest.id)
    assert sum(counts.values()) == voted == 45
    flagged = vote.suspicious(call)["bursts"]
    assert [(b.address, b.count) for b in flagged] == [("10.9.9.9", 25)]

    # 6. naming: quota 10 = 1 direct + 9 ranked; the front-line target is missed and shown
    final = review.final_standings(call)
    assert len(final) == 15 and all(s.defence is not None and s.vote_score is not None for s in final)
    assert "网络投票" in final[0].explanation
    proposal = naming.propose(call)
    assert len(proposal.named) == 10 and proposal.direct == [noms[DIRECT]]
    assert {noms[i].id for i in MANAGERS} <= {n.id for n in proposal.named}
    messages = {r.target.code: r for r in proposal.targets}
    assert messages["front"].met is False and messages["front"].count == 7
    assert messages["young"].met is True
    assert proposal.warnings == ["一线职工：7/10 人，占 70.0%（要求不低于 80.0%），未达到"]
    with pytest.raises(errors.CraftsmanError, match="确认已知悉"):
        naming.confirm_list(call, office, acknowledged=False)
    naming.confirm_list(call, office, acknowledged=True)
    db.session.commit()
    assert call.stage == Stage.PUBLICITY and call.confirmed_warning_messages == proposal.warnings
    # publicity through the results workflow: the list is the event's numbered preliminary snapshot
    from contestapp.results import services as results

    (published,) = naming.publicity_snapshots(contest)
    assert published.kind == "preliminary" and published.number == f"{contest.code}/{contest.events[0].code}/P1"
    rows = published.data["ranking"]
    assert [r["name"] for r in rows] == [n.name for n in proposal.named]
    assert rows[0]["decision"] == "直接认定" and rows[0]["rank"] is None
    assert [r["rank"] for r in rows[1:]] == [s.rank for s in proposal.ranked] and all(r["code"] for r in rows[1:])
    assert published.data["craftsman"]["warnings"] == proposal.warnings
    with pytest.raises(errors.CraftsmanError, match="公示结束后"):
        naming.name_titles(call, office)
    # an objection lodged during publicity (a results appeal on the event) holds the naming until it is decided
    objection = results.lodge_appeal(contest.events[0], None, "匿名群众", "反映某候选人材料不实", office)
    after = call.publicity_ends + timedelta(seconds=1)
    with pytest.raises(errors.CraftsmanError, match="异议"):
        naming.name_titles(call, office, now=after)
    results.decide_appeal(objection, False, "经核查，材料属实", office)
    titles = naming.name_titles(call, office, now=after)
    db.session.commit()
    assert len(titles) == 10 and len({t.serial for t in titles}) == 10
    assert titles[0].holder == noms[DIRECT].name
    snaps = naming.publicity_snapshots(contest)
    assert [s.kind for s in snaps] == ["preliminary", "final"]
    final_rows = snaps[1].data["ranking"]
    assert [r["name"] for r in final_rows] == [r["name"] for r in rows]  # every version readable, unchanged
    assert [r["serial"] for r in final_rows] == [t.serial for t in titles]
    assert results.official_snapshot(contest.events[0]).id == snaps[1].id

    # 7. ten title certificates through the certificate engine, checked with pdffonts
    records = naming.certificate_records(contest)
    assert len(records) == 10
    for rec in records:
        assert re.fullmatch(rf"http://localhost/verify/{rec.serial}\?sig=[0-9a-f]{{12,64}}", rec.verify_url)
        assert rec.fields["title"] == "江山工匠"
    from contestapp.certificates.models import Certificate  # registered with the certificate issue, same serials

    issued = db.session.scalars(db.select(Certificate).where(Certificate.kind == "craftsman")).all()
    assert sorted(c.serial for c in issued) == sorted(t.serial for t in titles)
    page = app.test_client().get(records[0].verify_url.replace("http://localhost", ""))  # the public verify page
    assert page.status_code == 200 and records[0].person in page.get_data(as_text=True)
    out = io.BytesIO()
    assert naming.render_certificates(contest, out) == 10
    pdf = out.getvalue()
    fonts = _pdffonts(pdf)
    assert fonts, "no fonts in the certificates"
    for row in fonts:
        assert "yes" == row[-5], f"font not embedded: {row}"  # emb column
    assert not any("Helvetica" in row[0] for row in fonts)
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    for t in titles:
        assert t.serial in text and t.holder.replace("", " ").strip() in text or t.holder in text
