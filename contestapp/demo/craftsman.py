"""Demo: the "杭州工匠" craftsman selection at the nomination stage, on the day the demo runs.

The call is open (deadline ten days ahead; quota, shortlist, eligibility rules and structure targets set). Four
nominating units -- two district federations and two enterprises -- each have a unit account, in the unit itself; five
nominations are submitted and one is still a draft. Six experts come from units of their own (technical colleges, a
skills assessment centre, and one from an enterprise that also nominates, so that recusal shows): every candidate
keeps at least five experts after recusal. The organiser of the skills demo ("organiser") runs the selection.
"""
from __future__ import annotations

import io
import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select

from contestapp.common.db import utcnow
from contestapp.common.formatting import contest_zone
from contestapp.contests.definition import create_contest
from contestapp.contests.models import Contest, ContestMember, ContestStatus
from contestapp.craftsman import calls, nominations
from contestapp.demo.common import PASSWORD, World, org
from contestapp.domain.idcard import make_id_number
from contestapp.extensions import db

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "craftsman.json"
DEMO_CODE = "demo-hangzhou-craftsman"
TITLE = "杭州工匠"
QUOTA, SHORTLIST = 3, 3

# nominating units: (organisation, level, parent, unit account, contact person)
UNITS = [
    ("西湖区总工会", "county", "杭州市总工会", "xihu", "西湖区总工会 推荐联络员 何丽"),
    ("拱墅区总工会", "county", "杭州市总工会", "gongshu", "拱墅区总工会 推荐联络员 沈军"),
    ("杭州汽轮机股份有限公司", "unit", "拱墅区总工会", "qilunji", "杭汽轮工会 推荐联络员 许涛"),
    ("西子电梯科技有限公司", "unit", "西湖区总工会", "xizi", "西子电梯工会 推荐联络员 方敏"),
]
# experts: (account, name, organisation, level) -- each in the unit where the expert works
EXPERTS = [
    ("zhuanjia1", "评委 杨国华（高级技师）", "杭州技师学院", "unit"),
    ("zhuanjia2", "评委 顾文斌（教授）", "浙江机电职业技术学院", "unit"),
    ("zhuanjia3", "评委 邵立新（考评员）", "杭州市职业技能鉴定中心", "unit"),
    ("zhuanjia4", "评委 谭振华（正高级工程师）", "浙江建设技师学院", "unit"),
    ("zhuanjia5", "评委 龚春燕（技能大师）", "杭州第一技师学院", "unit"),
    ("zhuanjia6", "评委 钱德明（总工程师）", "杭州汽轮机股份有限公司", "unit"),
]
SUMMARY = "{name}：{job}，{level}，从事本职业 {years} 年，带徒 {apprentices} 人。"

# nominations: unit account, days before today it was submitted (None: a draft), and the form's values. One works
# at zhuanjia6's enterprise though nominated by its district (recused through the employer), one is the
# enterprise's own nomination (recused through the nominating unit), one is over the age limit, one holds a
# provincial first prize (for direct recognition).
NOMINATIONS = [
    ("xihu", 6, dict(name="李建国", born=(1979, 3, 12), gender="M", employer="杭州精工数控机床有限公司",
                     employer_type="民营企业", job="数控车工班长", trade="数控车工", years_in_trade=24,
                     vocational_level="高级技师", apprentices=16, patents=5,
                     honours="2022年杭州市职工职业技能大赛数控车工第一名\n杭州市技术能手",
                     innovations="主持“薄壁件数控车削变形控制”攻关，良品率由82%提高到98%",
                     statement="扎根生产一线二十余年，牵头建立市级技能大师工作室，培养高级工以上徒弟16名。")),
    ("gongshu", 5, dict(name="王秀英", born=(1988, 9, 2), gender="F", employer="杭州汽轮机股份有限公司",
                        employer_type="国有企业", job="汽轮机装配钳工", trade="装配钳工", years_in_trade=15,
                        vocational_level="技师", apprentices=9, patents=3,
                        honours="2023年浙江省职工职业技能大赛装配钳工二等奖",
                        innovations="发明汽轮机叶片装配专用工装，装配效率提高30%",
                        statement="长期承担重点机组总装任务，带领班组实现连续五年装配零缺陷。")),
    ("qilunji", 4, dict(name="陈志强", born=(1984, 11, 20), gender="M", employer="杭州汽轮机股份有限公司",
                        employer_type="国有企业", job="焊接工艺组长", trade="焊工", years_in_trade=18,
                        vocational_level="高级技师", apprentices=12, patents=4,
                        honours="2021年全国行业职业技能竞赛焊工三等奖\n浙江省技术能手",
                        innovations="优化耐热钢焊接工艺，一次合格率达99.6%",
                        statement="攻克多项高温高压部件焊接难题，参与编写企业焊接工艺规程。")),
    ("xizi", 3, dict(name="周晓燕", born=(1990, 5, 18), gender="F", employer="西子电梯科技有限公司",
                     employer_type="民营企业", job="电梯安装维修工", trade="电梯安装维修工", years_in_trade=12,
                     vocational_level="技师", apprentices=7, patents=2,
                     honours="2024年浙江省职工职业技能大赛电梯安装维修工省级一等奖",
                     innovations="编写电梯困人救援快速处置作业法，在全省推广",
                     statement="从业十二年，累计完成电梯安装维修两千余台，无一起质量安全事故。")),
    ("gongshu", 2, dict(name="赵永刚", born=(1965, 1, 8), gender="M", employer="杭州重型机械有限公司",
                        employer_type="国有企业", job="起重装配工", trade="装配钳工", years_in_trade=38,
                        vocational_level="高级技师", apprentices=20, patents=1,
                        honours="杭州市劳动模范", innovations="大型构件吊装定位工装",
                        statement="从事重型装备装配近四十年。")),
    ("xihu", None, dict(name="孙婷", born=(1993, 7, 30), gender="F", employer="杭州西湖龙井茶业有限公司",
                        employer_type="民营企业", job="茶叶加工", trade="茶叶加工工", years_in_trade=10,
                        vocational_level="高级工", apprentices=4, patents=0,
                        honours="", innovations="", statement="")),
]


def _material_pdf() -> bytes:
    """A small valid one-page PDF (a framed blank page) standing for a scanned material."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"]
    stream = b"0.5 w 40 40 515 762 re S"
    objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _definition(world: World) -> dict:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    year = world.today.year
    data.update(code=DEMO_CODE, name=f"{year}年度“{TITLE}”评选（演示）", year=year,
                date=(world.today + timedelta(days=60)).isoformat())
    event = data["events"][0]
    event["name"] = TITLE
    event["titles"] = [{"name": TITLE, "to_place": QUOTA}, {"name": "杭州青年工匠", "to_place": QUOTA, "max_age": 40}]
    for rnd in event["rounds"]:
        rnd["panel"]["min_judges"] = 5  # a panel of 5–9: trimmed mean of at least 5 marks after recusal
    return data


def _values(spec: dict, index: int) -> dict:
    born = date(*spec["born"])
    values = {k: v for k, v in spec.items() if k not in ("born", "gender")}
    values.update(id_number=make_id_number("330106", born, 40 + index, spec["gender"]),
                  phone=f"1385710{index:04d}", front_line=True)
    if values["statement"]:
        values["summary"] = SUMMARY.format(name=spec["name"], job=spec["job"], level=spec["vocational_level"],
                                           years=spec["years_in_trade"], apprentices=spec["apprentices"])
    else:
        values["summary"] = ""
    return values


def build(world: World) -> list[tuple[str, str, str]]:
    """Build the selection once; return the (who, login, secret) lines to print."""
    if db.session.scalar(select(Contest.id).where(Contest.code == DEMO_CODE)) is not None:
        return _accounts()
    city = world.orgs["杭州市总工会"]
    for name, level, parent, _account, _contact in UNITS:
        world.orgs[name] = org(name, level, world.orgs[parent])
    units = {account: world.user(account, "unit", contact, world.orgs[name])
             for name, _level, _parent, account, contact in UNITS}
    experts = []
    for account, name, unit, level in EXPERTS:
        world.orgs.setdefault(unit, org(unit, level, city))
        experts.append(world.user(account, "judge", name, world.orgs[unit]))
    admin = world.user("admin", "admin", "系统管理员", city)
    organiser = world.user("organiser", "organiser", "市总工会经济技术部 王主任", city)

    contest = create_contest(_definition(world), city, admin)
    contest.status = ContestStatus.REGISTRATION
    contest.location = "杭州市职工服务中心"
    for expert in experts:
        db.session.add(ContestMember(contest=contest, user=expert, role="judge"))
    db.session.flush()
    deadline = datetime.combine(world.today + timedelta(days=10), time(17, 0), tzinfo=contest_zone(contest))
    call = calls.save_call(contest, {
        "title": TITLE, "quota": QUOTA, "shortlist_size": SHORTLIST, "reference_date": world.today,
        "deadline": deadline, "notice": _notice(world, deadline),
        "eligibility": {"max_age": 55, "min_years_in_trade": 8, "min_level": "技师",
                        "employer_types": ["国有企业", "民营企业", "外资企业", "集体企业"],
                        "direct_keywords": ["省级一等奖", "技能大师"]},
        "targets": [{"code": "young", "label": "40周岁及以下", "min_share": "0.5", "max_age": 40},
                    {"code": "front", "label": "一线职工", "min_share": "0.8", "front_line": True}],
        "vote_enabled": True, "vote_weight": "0.1", "publicity_days": 5,
    }, organiser)
    material = _material_pdf()
    for index, (account, days_ago, spec) in enumerate(NOMINATIONS):
        unit = units[account]
        at = utcnow() - timedelta(days=days_ago or 1)
        n = nominations.save_nomination(call, unit, None, _values(spec, index), now=at)
        if days_ago is None:
            continue  # the draft: saved, no material yet
        nominations.store_file(n, f"{spec['name']}事迹材料.pdf", io.BytesIO(material), unit)
        nominations.submit_nomination(call, n, unit, now=at)
    db.session.flush()
    return _accounts()


def _notice(world: World, deadline: datetime) -> str:
    return (f"各区、县（市）总工会，各产业工会，各有关单位：\n为弘扬劳模精神、劳动精神、工匠精神，现开展{world.today.year}年度"
            f"“{TITLE}”评选，命名名额 {QUOTA} 名。请于 {deadline:%Y年%m月%d日 %H:%M} 前在线提交推荐表及证明材料。")


def _accounts() -> list[tuple[str, str, str]]:
    secret = f"密码 {PASSWORD}"
    return [("工匠评选 推荐单位 unit accounts", "xihu gongshu qilunji xizi", secret),
            ("工匠评选 评审专家 experts", "zhuanjia1 … zhuanjia6", secret),
            ("工匠评选 主办 office", "organiser", secret)]
