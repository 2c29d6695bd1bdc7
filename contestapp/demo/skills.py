"""Demo: a realistic city skills contest with accounts, units and about 40 contestants."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from contestapp.auth.models import User
from contestapp.contests.definition import create_contest, read_definition
from contestapp.contests.models import Contest, ContestMember, ContestStatus
from contestapp.domain.idcard import make_id_number
from contestapp.entrants.models import Entry
from contestapp.entrants.roster import check_rows
from contestapp.entrants.services import event_lookup, import_roster
from contestapp.common.db import utcnow
from contestapp.common.formatting import contest_zone
from contestapp.demo.common import PASSWORD, World
from contestapp.extensions import db
from contestapp.judging.models import Assignment, JudgeCard, Mark, ScoreSheet, SheetStatus
from contestapp.judging.assignments import assign
from contestapp.judging.cards import issue_card
from contestapp.judging.draws import draw_event
from contestapp.judging.sheets import signature_of
from contestapp.judging.signoff import confirm_round, decrypt_event, judged_rounds
from contestapp.results import services as results

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "city-skills.json"
DEMO_CODE = "demo-city-skills"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁沈任姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严覃武洪"
GIVEN_M = ["建国", "志强", "伟", "磊", "军", "勇", "杰", "涛", "明", "超", "海军", "国华", "永刚", "晓东", "文斌", "立新", "振华", "建军", "宏伟", "德明", "昇", "堃", "喆"]
GIVEN_F = ["丽", "敏", "静", "秀英", "桂英", "娟", "艳", "芳", "玉兰", "晓燕", "慧", "玥", "婷", "雪梅", "春燕", "赟"]
UNITS = ["国网杭州供电公司", "杭州地铁运营有限公司", "杭州钢铁集团有限公司", "浙江建工集团第三分公司",
         "杭州汽轮机股份有限公司", "西子电梯科技有限公司", "杭州燃气集团", "中铁十一局杭州项目部"]
REGIONS = ["330102", "330105", "330106", "330108", "330110", "330182", "330122", "330127"]
LEVELS = ["中级工", "高级工", "高级工", "技师", "高级技师"]


def _roster_table(event_names: list[str], rng: random.Random) -> list[list[str]]:
    table = [["姓名", "性别", "身份证号", "手机号", "单位", "工种", "职业技能等级", "人员类别", "参赛赛项"]]
    used: set[str] = set()
    for i in range(40):
        gender = "F" if rng.random() < 0.25 else "M"
        name = ""
        while not name or name in used:
            name = rng.choice(SURNAMES) + rng.choice(GIVEN_F if gender == "F" else GIVEN_M)
        used.add(name)
        born = date(rng.randint(1972, 2001), rng.randint(1, 12), rng.randint(1, 28))
        event = event_names[i % len(event_names)]
        table.append([
            name, "女" if gender == "F" else "男", make_id_number(rng.choice(REGIONS), born, i, gender),
            f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}", rng.choice(UNITS), event,
            rng.choice(LEVELS), "管理人员" if rng.random() < 0.15 else "一线职工", event])
    return table


def build(world: World, reset: bool = False) -> list[tuple[str, str, str]]:
    """Build the skills contest (once; `reset` rebuilds it) and return (who, login, secret) lines to print.

    Two events: 电工 took place FINISHED_DAYS_AGO and is final (signed off, decrypted, published, an appeal lodged
    and ruled, publicity over, finalised with its awards: certificates can be issued); 焊工 runs today, its sheets
    half-way."""
    existing = db.session.scalar(select(Contest).where(Contest.code == DEMO_CODE))
    if existing is not None:
        if not reset:
            return _accounts()
        db.session.delete(existing)
        db.session.flush()
    city = world.orgs["杭州市总工会"]
    users = {}
    for username, role, name, unit in [
        ("admin", "admin", "系统管理员", None),
        ("organiser", "organiser", "市总工会经济技术部 王主任", None),
        ("chief", "chief_judge", "裁判长 陈国栋", None),
        ("arbiter", "arbitrator", "仲裁组 李建华", None),
        *[(f"judge{i}", "judge", f"裁判{n}", u) for i, (n, u) in enumerate(
            [("赵文", "杭州技师学院"), ("钱立", "浙江机电职业技术学院"), ("孙强", "国网杭州供电公司"),
             ("周敏", "杭州市职业技能鉴定中心"), ("吴涛", "浙江建设技师学院"), ("郑华", "杭州第一技师学院")], start=1)],
    ]:
        users[username] = world.user(username, role, name, city, unit)
    today = world.today
    first_day = today - timedelta(days=FINISHED_DAYS_AGO)
    data = read_definition(EXAMPLE.read_bytes(), EXAMPLE.name)
    data = {**data, "code": DEMO_CODE, "name": f"{today.year}年杭州市职工职业技能竞赛（演示）",
            "year": today.year, "date": first_day.isoformat()}
    contest = create_contest(data, city, users["admin"])
    contest.location = "杭州技师学院实训基地"
    contest.status = ContestStatus.REGISTRATION
    for username, user in users.items():
        if user.role in ("chief_judge", "judge", "arbitrator"):
            db.session.add(ContestMember(contest=contest, user=user, role=user.role))
    table = _roster_table([e.name for e in contest.events], random.Random(2026))
    checked = check_rows(table, event_lookup(contest), set())
    if not checked.ok:  # the generator makes valid rows; say so loudly if it ever does not
        raise RuntimeError(f"demo roster invalid: {checked.problems[:3]}")
    import_roster(contest, checked, users["admin"])
    db.session.flush()
    card = _judging(contest, users, random.Random(7), first_day)
    contest.starts_on, contest.ends_on = first_day, today
    _finish(contest.events[0], users, _at(first_day, 17))
    return _accounts(card)


# The finished event took place this many days ago: its publicity period (5 working days, at most 7 days) is over.
FINISHED_DAYS_AGO = 12


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """A local time on `day` (the display time zone), as the aware UTC datetime the database keeps."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=contest_zone()).astimezone(timezone.utc)


def _finish(event, users: dict[str, User], ended: datetime) -> None:
    """The finished event's afternoon and the days after, through the same services the pages use: the chief judge
    confirms every round and decrypts; the end is recorded; a contestant's appeal comes in within the 2 hours and the
    arbitration group rejects it; results are published the next morning for the publicity period; once it is over
    the results are finalised (awards and titles applied)."""
    chief, organiser, arbiter = users["chief"], users["organiser"], users["arbiter"]
    for rnd in judged_rounds(event):
        confirm_round(rnd, chief)
    decrypt_event(event, chief)
    results.record_end(event, organiser, ended)
    appellant = db.session.scalars(select(Entry).where(Entry.event_id == event.id).order_by(Entry.id)).first()
    appeal = results.lodge_appeal(event, appellant, f"{appellant.entrant.name}（选手本人）",
                                  "实际操作模块二 PLC 编程与调试扣分偏多，申请复核评分。", organiser, ended + timedelta(hours=1))
    results.decide_appeal(appeal, False, "经仲裁组调阅评分表和现场记录复核，模块二扣分有据，维持原评分。", arbiter,
                          now=ended + timedelta(hours=3))
    state = results.state_of(event)
    state.board_enabled = state.public_names = True  # the public big screen, with names after decryption
    results.publish_preliminary(event, organiser, ended + timedelta(hours=17))
    results.finalise(event, organiser, state.publicity_ends_at + timedelta(hours=1))


# Which judges mark what: five judges on the judgement criteria (trimmed mean), one marker on the objective ones.
PANEL = ("judge1", "judge2", "judge3", "judge4", "judge5")
MARKER = "judge6"


def _judging(contest: Contest, users: dict[str, User], rng: random.Random, first_day: date):
    """Lots drawn, judges assigned (one recused from his own unit's entrants), login cards issued, the first event
    fully marked and submitted on its day, the second half-way today."""
    contest.status = ContestStatus.RUNNING
    admin = users["admin"]
    for i, event in enumerate(contest.events):
        draw_event(event, admin, levels=1, seed=20260000 + i)
        for rnd in event.rounds:
            judgement = [c.code for c in rnd.criteria if c.kind == "judgement"]
            objective = [c.code for c in rnd.criteria if c.kind != "judgement"]
            if judgement:
                for name in PANEL:
                    assign(contest, users[name], [rnd], judgement, admin)
            if objective:
                assign(contest, users[MARKER], [rnd], objective, admin)
    cards = {name: issue_card(contest, users[name], admin) for name in (*PANEL, MARKER)}
    db.session.flush()
    skill: dict[int, float] = {}
    for index, event in enumerate(contest.events):
        sheets = db.session.scalars(select(ScoreSheet).join(ScoreSheet.round).where(
            ScoreSheet.round.has(event_id=event.id)).order_by(ScoreSheet.entry_id, ScoreSheet.id)).all()
        entry_ids = sorted({s.entry_id for s in sheets})
        done = set(entry_ids if index == 0 else entry_ids[: len(entry_ids) * 3 // 5])
        submitted_at = _at(first_day, 15, 30) if index == 0 else utcnow()
        for sheet in sheets:
            if sheet.entry_id not in done:
                continue
            level = skill.setdefault(sheet.entry_id, rng.uniform(0.55, 0.95))
            wanted = set(_assigned_codes(sheet))
            values = {}
            for criterion in sheet.round.criteria:
                if criterion.code in wanted:
                    values[criterion.id] = _mark(criterion, level, rng)
                    sheet.marks.append(_new_mark(criterion.id, values[criterion.id]))
            sheet.status, sheet.submitted_at, sheet.version = SheetStatus.SUBMITTED, submitted_at, 2
            db.session.flush()
            sheet.signature = signature_of(sheet, sheet.judge, values)
    return cards["judge1"]


def _assigned_codes(sheet) -> list[str]:
    assignment = db.session.scalar(select(Assignment).where(
        Assignment.judge_id == sheet.judge_id, Assignment.round_id == sheet.round_id))
    return assignment.criteria or [c.code for c in sheet.round.criteria]


def _new_mark(criterion_id: int, value: Decimal):
    return Mark(criterion_id=criterion_id, value=value)


def _mark(criterion, level: float, rng: random.Random) -> Decimal:
    """A plausible mark for an entrant of the given skill, on the criterion's scale and step."""
    rules = criterion.rules or {}
    if criterion.kind == "time":
        return Decimal(int(5400 + (1 - level) * 4800 + rng.randint(-300, 300)))
    if criterion.kind == "deduction":
        return Decimal(max(0, round((1 - level) * 4 + rng.uniform(-1, 1))))
    if rules.get("choices"):
        values = sorted((Decimal(c["value"]) for c in rules["choices"]), reverse=True)
        return values[min(len(values) - 1, int((1 - level) * len(values) + rng.uniform(0, 1)))]
    top, step = Decimal(criterion.max), Decimal(criterion.step or 1)
    raw = Decimal(str(max(0.0, min(1.0, level + rng.gauss(0, 0.05))))) * top
    return min(top, (raw / step).quantize(Decimal(1)) * step)


def _accounts(card=None) -> list[tuple[str, str, str]]:
    if card is None:
        card = db.session.scalar(select(JudgeCard).join(User, JudgeCard.judge_id == User.id).where(
            User.username == "judge1", JudgeCard.revoked_at.is_(None)))
    accounts = [("管理员 admin", "admin", f"密码 {PASSWORD}"), ("组织者 organiser", "organiser", f"密码 {PASSWORD}"),
                ("裁判长 chief judge", "chief", f"密码 {PASSWORD}"), ("仲裁组 arbitrator", "arbiter", f"密码 {PASSWORD}"),
                ("裁判 judge", "judge1 … judge6", f"密码 {PASSWORD}")]
    if card is not None:
        accounts.append(("裁判登录卡 judge card (/judging/card)", card.code, f"PIN {card.pin}"))
    return accounts
