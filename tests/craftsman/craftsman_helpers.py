"""A craftsman selection world for tests: a city federation, its craftsman contest and call, units, experts."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from contestapp.extensions import db

ROOT_EXAMPLE = "craftsman.json"
RUBRIC = {"awards": 20, "master": 20, "level": 15, "apprentices": 15, "innovation": 15, "contribution": 15}


def craftsman_definition(code="2025-jiangshan-craftsman"):
    """examples/craftsman.json with a panel of 5–9 (drop highest and lowest; at least 5 marks after recusal)."""
    from tests.conftest import ROOT

    data = json.loads((ROOT / "examples" / ROOT_EXAMPLE).read_text(encoding="utf-8"))
    data["code"] = code
    for rnd in data["events"][0]["rounds"]:
        rnd["panel"]["min_judges"] = 5
    return data


def build_world(make, *, units=10, experts=7, deadline_in=timedelta(days=7), vote=True):
    from contestapp.contests.definition import create_contest
    from contestapp.craftsman import calls

    federation = make.org("江山市总工会", "city")
    contest = create_contest(craftsman_definition(), federation, None)
    db.session.flush()
    organiser = make.user("office", "organiser", federation)
    unit_orgs = [make.org(f"推荐单位{k}", "unit", federation) for k in range(units)]
    unit_users = [make.user(f"unit{k}", "unit", org) for k, org in enumerate(unit_orgs)]
    pool = make.org("专家库", "city")
    expert_users = []
    for j in range(experts):
        # the last expert works at the last unit: recused from its candidates
        org = unit_orgs[-1] if j == experts - 1 else pool
        u = make.user(f"expert{j}", "judge", org)
        make.member(contest, u)
        expert_users.append(u)
    call = calls.save_call(contest, {
        "title": "江山工匠", "notice": "2025年度“江山工匠”评选申报通知", "quota": 10, "shortlist_size": 15,
        "reference_date": date(2025, 4, 30),
        "deadline": datetime.now(timezone.utc) + deadline_in,
        "eligibility": {"max_age": 55, "min_years_in_trade": 8, "min_level": "高级工",
                        "employer_types": ["国有企业", "民营企业", "外资企业", "集体企业"],
                        "direct_keywords": ["省级一等奖", "技能大师"]},
        "targets": [{"code": "young", "label": "40周岁及以下", "min_share": "0.5", "max_age": 40},
                    {"code": "front", "label": "一线职工", "min_share": "0.8", "front_line": True}],
        "vote_enabled": vote, "vote_weight": "0.1" if vote else "0", "publicity_days": 5,
    }, organiser)
    db.session.flush()
    return {"contest": contest, "call": call, "organiser": organiser, "units": unit_users, "unit_orgs": unit_orgs,
            "experts": expert_users}


def nomination_values(i, **over):
    from contestapp.domain.idcard import make_id_number

    born = date(1990 if i % 2 == 0 else 1975, 1 + i % 12, 1 + i % 28)
    values = {
        "name": f"候选人{i:02d}", "id_number": make_id_number("330881", born, i, "M" if i % 3 else "F"),
        "phone": f"1380000{i:04d}", "employer": f"江山某某制造有限公司{i}", "employer_type": "民营企业",
        "job": "数控车工", "front_line": True, "trade": "车工", "years_in_trade": 12,
        "vocational_level": "技师", "honours": "2023年江山市职工职业技能大赛车工二等奖", "apprentices": 8,
        "innovations": "改进夹具，效率提高 20%", "patents": 2, "statement": "扎根一线二十年……",
        "summary": f"候选人{i:02d}：数控车工，技师，带徒 8 人。",
    }
    values.update(over)
    return values


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def nominate(call, unit_user, i, submit=True, **over):
    import io

    from contestapp.craftsman import nominations

    n = nominations.save_nomination(call, unit_user, None, nomination_values(i, **over))
    nominations.store_file(n, f"材料{i}.pdf", io.BytesIO(PDF), unit_user)
    if submit:
        nominations.submit_nomination(call, n, unit_user)
    return n


def marks_for(quality: Decimal, judge: int, maxima=RUBRIC):
    """Deterministic marks near quality x max, spread by judge (to 0.1, within 0..max)."""
    out = {}
    for k, (code, mx) in enumerate(maxima.items()):
        raw = Decimal(mx) * quality + Decimal((judge * 3 + k) % 5 - 2) / 2
        value = raw.quantize(Decimal("0.1"))
        out[code] = min(max(value, Decimal(0)), Decimal(mx))
    return out
