"""Demo: a key-project merit contest (重点工程“五比”立功竞赛) in its fourth month.

Made from `examples/merit-project.json` (the indicator sheet) for the 10号线二期 project: eight participating units
(five construction sections, a design and two supervision units) with their accounts, a three-person assessment
group (考评组), monthly periods from three months ago to two months ahead. The three earlier periods are assessed,
ranked and bulletined (red flags awarded, the last to SG10-1标 and SG10-3标); this month's period is open: two
assessors have submitted, the group leader (kaoping1) has drafts for the quiet units and the rest to do.
Every date is relative to `world.today`.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from contestapp.contests.definition import create_contest, read_definition
from contestapp.contests.models import Contest, ContestMember, ContestStatus
from contestapp.demo.common import PASSWORD, World, demo_users, org
from contestapp.extensions import db
from contestapp.judging.models import ScoreSheet
from contestapp.merit import participants
from contestapp.merit.models import Period, SelfSheet
from contestapp.merit.periods import close_period, generate_periods, open_period, periods_of, rounds_of, save_project
from contestapp.merit.honours import save_rewards
from contestapp.merit.sheets import SheetInput, save_assessment, save_self_assessment
from contestapp.merit.standings import publish_period

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "merit-project.json"
DEMO_CODE = "demo-metro10-merit"
HQ = "杭州地铁10号线二期工程建设指挥部"

# (unit, kind, role, account, the account holder)
UNITS = [
    ("中铁十一局10号线二期SG10-1标项目部", "标段", "施工", "canjian1", "SG10-1标 工会主席 刘建明"),
    ("中铁隧道局10号线二期SG10-2标项目部", "标段", "施工", "canjian2", "SG10-2标 工会主席 王海峰"),
    ("中建八局10号线二期SG10-3标项目部", "标段", "施工", "canjian3", "SG10-3标 工会主席 赵文杰"),
    ("浙江建工10号线二期SG10-4标项目部", "标段", "施工", "canjian4", "SG10-4标 工会主席 陈晓燕"),
    ("中交二航局10号线二期SG10-5标项目部", "标段", "施工", "canjian5", "SG10-5标 工会主席 孙国庆"),
    ("杭州市城建设计院10号线总体设计项目部", "项目部", "设计", "canjian6", "设计总体 工会小组长 周丽华"),
    ("江南工程管理10号线JL-1标监理部", "项目部", "监理", "canjian7", "JL-1标 总监代表 吴志强"),
    ("同济工程咨询10号线JL-2标监理部", "项目部", "监理", "canjian8", "JL-2标 总监代表 郑美玲"),
]
ASSESSORS = [("kaoping1", "考评组组长 郑国强（指挥部安全质量部）"), ("kaoping2", "考评组 沈丽华（市总工会经济技术部）"),
             ("kaoping3", "考评组 胡建平（市建设工程质量安全监督站）")]

# What the assessment group found, period by period (three months ago, two, last month, this month): unit index ->
# {criterion: (value, reason, document number)}. Safety counts hazards (5 points each); honours and notices add.
DOC = "杭地铁建〔{year}〕{n}号"
FINDINGS = [
    {0: {"quality": (2, "钢筋保护层厚度抽检不合格 2 处", ""), "honour_group": (5, "获中铁十一局季度安全质量标准化工地", "")},
     1: {"safety": (1, "车站基坑临边防护栏杆缺失 1 处", ""), "progress": (3, "盾构始发较计划滞后 6 天", "")},
     2: {"conduct": (1, "农民工实名制考勤台账不全", "")},
     3: {"quality": (4, "混凝土试块强度报告缺失", ""), "safety": (1, "施工现场配电箱未可靠接地", "")},
     4: {"progress": (5, "车站主体结构施工滞后", ""), "criticism": (-2, "夜间施工扰民被投诉", "18")},
     5: {"innovation": (2, "BIM 正向设计应用深度不足", "")},
     6: {"conduct": (3, "旁站记录补记、不及时", "")},
     7: {"quality": (1, "监理日志填写不规范", ""), "praise": (2, "及时发现基坑变形隐患并督促整改", "21")}},
    {0: {"quality": (1, "防水卷材搭接宽度不足", "")},
     1: {"honour_owner": (3, "获业主月度劳动竞赛表彰", "")},
     2: {"progress": (2, "出入口结构滞后计划 5 天", "")},
     3: {"safety": (2, "起重吊装区域未设警戒 2 处", "")},
     4: {"conduct": (3, "班前安全教育记录缺失", "")},
     6: {"quality": (2, "隐蔽工程验收资料签认不全", "")},
     7: {"safety": (1, "监理巡视未发现脚手架连墙件缺失", "")}},
    {0: {"honour_province": (8, "获浙江省建设工程“钱江杯”（优质工程）", "")},
     1: {"quality": (3, "管片渗漏点未及时封堵", ""), "conduct": (1, "工资支付台账公示不及时", "")},
     2: {"praise": (2, "联络通道冻结法施工零事故", "44")},
     3: {"progress": (4, "高架段架梁滞后", "")},
     4: {"safety": (1, "有限空间作业未检测气体", "")},
     5: {"innovation": (3, "设计变更响应超时", "")},
     6: {"conduct": (1, "监理例会纪要未按时分发", "")},
     7: {"quality": (2, "平行检验频次不足", "")}},
    # this month: kaoping2 and kaoping3 submitted these; kaoping1 has the quiet units in draft (ASSESSOR1_DRAFTS)
    {0: {"quality": (6, "盾构管片拼装错台超标 3 处", ""), "safety": (2, "高处作业未系安全带 2 人次", "")},
     1: {"praise": (2, "提前 12 天实现区间双线贯通", "57")},
     2: {"progress": (2, "附属结构施工滞后计划 4 天", "")},
     3: {"quality": (1, "钢筋焊接接头外观不合格 1 处", "")},
     4: {"conduct": (2, "分包队伍劳务合同签订不全", "")},
     6: {"conduct": (1, "见证取样记录不完整", "")},
     7: {"quality": (3, "监理抽检数据与施工单位自检数据不一致", "")}},
]
ASSESSOR1_DRAFTS = (2, 3, 4, 5, 6, 7)  # the group leader saved these sheets on site; SG10-1标 and SG10-2标 still to do


def _month(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _values(found: dict, year: int) -> dict[str, SheetInput]:
    return {code: SheetInput(Decimal(v), note, DOC.format(year=year, n=doc) if doc else "")
            for code, (v, note, doc) in found.items()}


def build(world: World) -> list[tuple[str, str, str]]:
    """Build the merit contest (once) and return (who, login, secret) lines to print."""
    if db.session.scalar(select(Contest.id).where(Contest.code == DEMO_CODE)) is not None:
        return _accounts()
    hq = org(HQ, "project", world.orgs["杭州市总工会"])
    organiser = world.user("organiser", "organiser", "市总工会经济技术部 王主任", world.orgs["杭州市总工会"])
    assessors = demo_users(world, [(name, "judge", display, hq, HQ) for name, display in ASSESSORS])
    units = demo_users(world, [(account, "unit", holder, hq, unit) for unit, _k, _r, account, holder in UNITS])

    today = world.today
    first = _month(date(today.year, today.month, 1), -3)
    data = read_definition(EXAMPLE.read_bytes(), EXAMPLE.name)
    data = {**data, "code": DEMO_CODE, "name": f"{today.year}年杭州地铁10号线二期工程“五比”立功竞赛",
            "year": today.year, "date": (_month(first, 6) - timedelta(days=1)).isoformat()}
    contest = create_contest(data, hq, organiser)
    contest.location = "杭州市拱墅区、余杭区"
    contest.status = ContestStatus.RUNNING
    save_project(contest, {"name": "杭州地铁10号线二期工程", "owner": "杭州市地铁集团有限责任公司",
                           "budget": Decimal("1865000"), "location": "杭州市拱墅区、余杭区", "starts_on": first,
                           "ends_on": _month(first, 6) - timedelta(days=1), "schedule": "monthly", "deadline_days": 5,
                           "red_flags": 2, "review_weight": Decimal(0)}, organiser)
    generate_periods(contest, organiser)
    table = [["名称", "类别", "参建角色", "所属单位", "身份证号", "账号"]] + [
        [unit, kind, role, "", "", account] for unit, kind, role, account, _h in UNITS]
    checked = participants.check_participants(contest, "\n".join(",".join(r) for r in table).encode(), "units.csv")
    if not checked.ok:  # the table above is valid; say so loudly if it ever is not
        raise RuntimeError(f"demo participants invalid: {checked.problems[:3]}")
    participants.import_participants(contest, checked, organiser)
    for assessor in assessors:
        db.session.add(ContestMember(contest=contest, user=assessor, role="judge"))
    save_rewards(contest, [(1, 1, "流动红旗及劳动竞赛奖金", Decimal(50000), False),
                           (2, 2, "流动红旗及劳动竞赛奖金", Decimal(30000), False),
                           (1, 1, "末位约谈，扣减履约保证金", Decimal(-20000), True)], organiser)
    db.session.flush()
    periods = periods_of(contest)
    for period, found in zip(periods[:3], FINDINGS[:3]):
        _assess(period, found, assessors, units, today.year, everyone=True)
        close_period(period, period.deadline_at)
        publish_period(period, period.deadline_at, by="demo")
    _assess(periods[3], FINDINGS[3], assessors, units, today.year, everyone=False)
    db.session.flush()
    return _accounts()


def _assess(period: Period, findings: dict, assessors, units, year: int, everyone: bool) -> None:
    """Open the period, let the units self-assess (the first five this month) and the assessors fill their sheets:
    all of them for a past period; this month two assessors, and the leader's drafts."""
    open_period(period, period.opens_at)
    rnd = next(iter(rounds_of(period).values()))
    sheets = db.session.scalars(select(ScoreSheet).where(ScoreSheet.round_id == rnd.id)
                                .order_by(ScoreSheet.entry_id, ScoreSheet.judge_id)).all()
    index = {name: i for i, (name, *_rest) in enumerate(UNITS)}
    for sheet in sheets:
        i = index[sheet.entry.entrant.name]
        values = _values(findings.get(i, {}), year)
        judge = next(a for a in assessors if a.id == sheet.judge_id)
        if everyone or judge.username != "kaoping1":
            save_assessment(sheet, judge, values, submit=True)
        elif i in ASSESSOR1_DRAFTS and values:
            save_assessment(sheet, judge, values, submit=False)
    for own in db.session.scalars(select(SelfSheet).where(SelfSheet.period_id == period.id)):
        i = index[own.entry.entrant.name]
        if everyone or i < 5:  # a unit claims its bonuses and owns up to part of what it lost
            claimed = {code: item for code, item in _values(findings.get(i, {}), year).items()
                       if code.startswith("honour") or code == "praise"}
            claimed.update({code: SheetInput(item.value // 2, item.note, "") for code, item
                            in _values(findings.get(i, {}), year).items() if code in ("quality", "progress", "conduct")
                            and item.value // 2 > 0})
            save_self_assessment(own, units[i], claimed, submit=True)


def _accounts() -> list[tuple[str, str, str]]:
    return [("立功竞赛考评组 assessors", "kaoping1 … kaoping3", f"密码 {PASSWORD}"),
            ("立功竞赛参建单位 unit accounts", "canjian1 … canjian8", f"密码 {PASSWORD}")]
