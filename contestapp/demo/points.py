"""Demo: a county federation's 1+X points assessment of its grassroots union chairs (基层工会主席“1+X”绩效积分),
this year's, open now.

Made from `examples/points-1x.json`: 25 grassroots unions of 西湖区, each with its chair (the one rated) and an
account that declares the union's "X" items with evidence. The reviewer (区总工会 审核人) has confirmed the evidence
and submitted the sheets of 22 chairs; two unions have declared and wait for review; 杭州西溪湿地旅游发展有限公司工会
(account union01) has not declared yet. Every date is relative to `world.today`.
"""
from __future__ import annotations

import io
import random
from datetime import date
from decimal import Decimal
from pathlib import Path

from reportlab.pdfgen import canvas
from sqlalchemy import select

from contestapp.certificates.fonts import load_fonts
from contestapp.contests.definition import create_contest, read_definition
from contestapp.contests.models import Contest, ContestMember, ContestStatus
from contestapp.demo.common import PASSWORD, World, demo_users
from contestapp.demo.skills import GIVEN_F, GIVEN_M, SURNAMES
from contestapp.domain.idcard import make_id_number
from contestapp.entrants.models import Entrant, Entry, Unit
from contestapp.entrants.roster import check_rows
from contestapp.entrants.services import event_lookup, import_roster
from contestapp.extensions import db
from contestapp.judging.models import ScoreSheet
from contestapp.merit.models import UnitProfile
from contestapp.merit.periods import generate_periods, open_period, periods_of, save_project
from contestapp.merit.sheets import SheetInput, review_evidence, save_assessment, store_evidence

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "points-1x.json"
DEMO_CODE = "demo-xihu-1x"

UNIONS = [
    "杭州西溪湿地旅游发展有限公司工会", "浙江天目山药业股份有限公司工会", "杭州文三数码城管理有限公司工会",
    "杭州蒋村商务中心物业有限公司工会", "杭州翠苑电子科技有限公司工会", "杭州转塘建材有限公司工会",
    "杭州留下制衣有限公司工会", "杭州三墩精密机械有限公司工会", "杭州灵隐旅游服务有限公司工会",
    "杭州龙井村茶叶专业合作社工会", "杭州古荡汽车维修有限公司工会", "杭州西湖电子研究所工会",
    "浙江之江建设集团有限公司工会", "杭州双浦水务有限公司工会", "杭州龙坞茶镇旅游发展有限公司工会",
    "杭州紫金港科技园物业管理有限公司工会", "杭州文新街道社区卫生服务中心工会", "杭州西湖公交客运有限公司工会",
    "杭州翠苑第一小学工会", "杭州云栖小镇运营管理有限公司工会", "杭州九莲新村物业服务有限公司工会",
    "杭州黄龙体育中心工会", "杭州西湖国际酒店有限公司工会", "西湖区快递物流行业联合工会",
    "杭州浙大科技园孵化器有限公司工会",
]
JOURNEY, WAITING = 0, (23, 24)  # union01 declares in the journey; the last two have declared and wait for review
# the demo's results for unions 2..23 (union01 and the two waiting are not assessed yet)
TOTALS = [88, 86, 85, 83, 82, 80, 79, 77, 76, 75, 73, 72, 71, 69, 68, 67, 65, 64, 62, 61, 58, 55]
ITEMS = {  # what a union did for each "X" item (its declaration)
    "openness": "召开职工代表大会 2 次，厂务公开栏按季更新", "wages": "签订年度工资专项集体合同，职工工资平均增长 5%",
    "mutual_aid": "组织 236 名职工参加职工医疗互助保障", "studio": "劳模创新工作室获评区级技术创新工作室",
    "loans": "协助 12 名职工办理“蓝领通”贷款", "care": "开展“两节”送温暖，慰问困难职工 18 户",
    "training": "组织职工技能培训 6 期 320 人次", "contest": "举办职工技能比武 2 场",
    "safety": "开展“安康杯”竞赛，全年零工伤", "excellence": "获评区级模范职工之家",
}
STARS = [(75, 60), (68, 55), (60, 50), (0, 45)]  # a total from this much up: the union's star base points


def build(world: World) -> list[tuple[str, str, str]]:
    """Build the 1+X assessment (once) and return (who, login, secret) lines to print."""
    if db.session.scalar(select(Contest.id).where(Contest.code == DEMO_CODE)) is not None:
        return _accounts()
    county = world.orgs["西湖区总工会"]
    office = world.user("quzong", "organiser", "西湖区总工会基层工作部 楼主任", county)
    [reviewer] = demo_users(world, [("reviewer1", "judge", "区总工会审核人 何晓红", county, "西湖区总工会")])
    rng = random.Random(1108)
    chairs = _chairs(rng)
    accounts = demo_users(world, [(f"union{i + 1:02d}", "unit", f"{union} 主席 {chairs[i][0]}", county, union)
                                  for i, union in enumerate(UNIONS)])
    year = world.today.year
    data = read_definition(EXAMPLE.read_bytes(), EXAMPLE.name)
    data = {**data, "code": DEMO_CODE, "name": f"{year}年度西湖区基层工会主席“1+X”绩效积分考核", "year": year,
            "date": date(year, 12, 31).isoformat()}
    contest = create_contest(data, county, office)
    contest.status = ContestStatus.RUNNING
    save_project(contest, {"name": f"{year}年度基层工会主席绩效积分", "owner": "西湖区总工会", "location": "杭州市西湖区",
                           "starts_on": date(year, 1, 1), "ends_on": date(year, 12, 31), "schedule": "yearly",
                           "deadline_days": 15, "top_flag": 20, "review_weight": Decimal(0)}, office)
    generate_periods(contest, office)
    _roster(contest, chairs, office)
    units = dict(db.session.execute(select(Unit.name, Unit.id).where(Unit.contest_id == contest.id)).all())
    for union, account in zip(UNIONS, accounts):
        db.session.add(UnitProfile(contest_id=contest.id, unit_id=units[union], section_type="基层工会",
                                   user_id=account.id))
        db.session.add(ContestMember(contest=contest, user=account, role="unit"))
    db.session.add(ContestMember(contest=contest, user=reviewer, role="judge"))
    db.session.flush()
    [period] = periods_of(contest)
    open_period(period, period.opens_at)
    _declarations(contest, reviewer, accounts)
    return _accounts()


def _chairs(rng: random.Random) -> list[tuple[str, str]]:
    out, used = [], set()
    while len(out) < len(UNIONS):
        gender = "F" if rng.random() < 0.45 else "M"
        name = rng.choice(SURNAMES) + rng.choice(GIVEN_F if gender == "F" else GIVEN_M)
        if name not in used:
            used.add(name)
            out.append((name, gender))
    return out


def _roster(contest: Contest, chairs, actor) -> None:
    event = contest.events[0]
    table = [["姓名", "性别", "身份证号", "单位", "参赛赛项"]]
    for i, ((name, gender), union) in enumerate(zip(chairs, UNIONS)):
        born = date(1966 + i % 20, 1 + i * 5 % 12, 1 + i * 7 % 28)
        table.append([name, "女" if gender == "F" else "男", make_id_number("330106", born, i, gender), union,
                      event.name])
    checked = check_rows(table, event_lookup(contest), set())
    if not checked.ok:  # the table above is valid; say so loudly if it ever is not
        raise RuntimeError(f"demo roster invalid: {checked.problems[:3]}")
    import_roster(contest, checked, actor)
    db.session.flush()


def evidence_pdf() -> bytes:
    """A one-page PDF standing for a scanned certificate or meeting record (the same bytes for every declaration)."""
    font = load_fonts(None).primary("hei").name
    out = io.BytesIO()
    page = canvas.Canvas(out, initialFontName=font, initialFontSize=14)
    page.drawString(72, 760, "佐证材料（演示）：会议纪要、表彰文件、照片等扫描件")
    page.save()
    return out.getvalue()


def _split(total: int) -> tuple[int, list[tuple[str, int]]]:
    star = next(points for floor, points in STARS if total >= floor)
    left, items = total - star, []
    for code in ITEMS:
        if left <= 0:
            break
        items.append((code, min(5, left)))
        left -= items[-1][1]
    return star, items


def _declarations(contest: Contest, reviewer, accounts) -> None:
    """The unions' declarations (evidence per "X" item) and the reviewer's work so far."""
    pdf = evidence_pdf()
    criteria = {c.code: c for c in contest.events[0].rounds[0].criteria}
    entries = {e.entrant.unit.name: e for e in db.session.scalars(
        select(Entry).join(Entrant).where(Entrant.contest_id == contest.id))}
    sheets = {s.entry_id: s for s in db.session.scalars(select(ScoreSheet).where(ScoreSheet.judge_id == reviewer.id))}
    assessed = [i for i in range(len(UNIONS)) if i != JOURNEY and i not in WAITING]
    for i, total in zip(assessed, TOTALS):
        entry = entries[UNIONS[i]]
        star, items = _split(total)
        values = {"star": SheetInput(Decimal(star))}
        for code, points in items:
            ev = store_evidence(contest, entry, criteria[code], f"{criteria[code].name[4:]}佐证.pdf", pdf, ITEMS[code],
                                accounts[i])
            review_evidence(ev, True, "材料齐全，属实", reviewer)
            values[code] = SheetInput(Decimal(points), ITEMS[code])
        save_assessment(sheets[entry.id], reviewer, values, submit=True)
    for i in WAITING:
        for code in ("openness", "care", "training"):
            store_evidence(contest, entries[UNIONS[i]], criteria[code], f"{criteria[code].name[4:]}佐证.pdf", pdf,
                           ITEMS[code], accounts[i])


def _accounts() -> list[tuple[str, str, str]]:
    return [("1+X 积分考核 区总工会 organiser", "quzong", f"密码 {PASSWORD}"),
            ("1+X 积分考核 审核人 reviewer", "reviewer1", f"密码 {PASSWORD}"),
            ("1+X 基层工会账号 union accounts", "union01 … union25", f"密码 {PASSWORD}")]
