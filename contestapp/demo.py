"""`flask demo`: a realistic city skills contest with accounts, units and about 40 contestants."""
from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from sqlalchemy import select

from contestapp.auth.models import Organisation, User
from contestapp.auth.services import create_user
from contestapp.contests.definition import create_contest, read_definition
from contestapp.contests.models import Contest, ContestMember, ContestStatus
from contestapp.domain.idcard import make_id_number
from contestapp.entrants.roster import check_rows
from contestapp.entrants.services import event_lookup, import_roster
from contestapp.extensions import db

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "city-skills.json"
DEMO_CODE = "demo-city-skills"
PASSWORD = "demo12345"

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


def create_demo(reset: bool = False) -> list[tuple[str, str, str]]:
    existing = db.session.scalar(select(Contest).where(Contest.code == DEMO_CODE))
    if existing is not None:
        if not reset:
            return _accounts()
        db.session.delete(existing)
        db.session.flush()
    province = _org("浙江省总工会", "province", None)
    city = _org("杭州市总工会", "city", province)
    _org("西湖区总工会", "county", city)
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
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = create_user(username, PASSWORD, role, name, city, unit)
        users[username] = user
    data = read_definition(EXAMPLE.read_bytes(), EXAMPLE.name)
    data = {**data, "code": DEMO_CODE, "name": f"{date.today().year}年杭州市职工职业技能竞赛（演示）",
            "year": date.today().year, "date": date.today().isoformat()}
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
    return _accounts()


def _org(name: str, level: str, parent: Organisation | None) -> Organisation:
    org = db.session.scalar(select(Organisation).where(Organisation.name == name))
    if org is None:
        org = Organisation(name=name, level=level, parent=parent)
        db.session.add(org)
        db.session.flush()
    return org


def _accounts() -> list[tuple[str, str, str]]:
    return [("admin", PASSWORD, "管理员"), ("organiser", PASSWORD, "组织者"), ("chief", PASSWORD, "裁判长"),
            ("arbiter", PASSWORD, "仲裁组"), ("judge1", PASSWORD, "裁判"), ("judge2", PASSWORD, "裁判")]
