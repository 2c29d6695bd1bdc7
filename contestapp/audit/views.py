"""Audit log console: filter by contest, action and user; export as CSV or Excel. Read-only (the table is
append-only)."""
from __future__ import annotations

import json

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select

from contestapp.audit.models import AuditEntry
from contestapp.auth.models import User
from contestapp.auth.permissions import ADMIN, CHIEF_JUDGE, ORGANISER, roles_required
from contestapp.common.formatting import local_time
from contestapp.common.http import XLSX, download
from contestapp.common.tables import csv_bytes, xlsx_bytes
from contestapp.contests.services import visible_contests
from contestapp.extensions import db
from contestapp.i18n import N_

bp = Blueprint("audit", __name__, url_prefix="/audit")

ACTION_LABELS = {
    "mark.write": N_("评分录入/修改"), "sheet.submit": N_("签名提交"), "sheet.return": N_("退回评分表"),
    "round.confirm": N_("确认轮次"), "event.decrypt": N_("解密"), "recusal.auto": N_("自动回避"), "recusal.declare": N_("申请回避"),
    "draw.seeded": N_("随机抽签"), "draw.manual": N_("导入人工抽签"), "draw.print": N_("打印抽签表"), "card.issue": N_("制作登录卡"),
    "card.revoke": N_("作废登录卡"), "card.print": N_("打印登录卡"), "card.login": N_("登录卡登录"), "tie.decide": N_("并列裁定"),
    "assignment.set": N_("分配裁判"), "assignment.remove": N_("取消分配"),
    "member.add": N_("添加竞赛人员"),
    "member.remove": N_("移除竞赛人员"),
    "judge.removed": N_("裁判离任（评分表收回）"),
    "sheet.handed_back": N_("评分表交还重新分配的裁判"),
    "merit.assessor_removed": N_("考评人员离任"),
    "merit.unit_account_removed": N_("参建单位账号移除"),
    "craftsman.expert_removed": N_("评审专家离任"),
    "user.save": N_("保存账号"),
    "user.password": N_("修改密码"),
    "user.sessions_end": N_("结束全部登录"),
    "contest.create": N_("创建竞赛"),
    "roster.import": N_("导入报名名单"),
    "roster.export_full": N_("导出含完整身份证号的名单"),
    "entrant.reveal_id": N_("查看完整身份证号"),
    "entrant.delete": N_("删除参赛者"),
    "marks.import": N_("导入纸质评分"),
    "mark.change": N_("更正评分"),
    "results.correction": N_("申请成绩更正"),
    "results.publish": N_("发布公示成绩"),
    "results.finalise": N_("成绩定稿"),
    "results.reopen": N_("重新开放成绩（定稿后）"),
    "appeal.lodge": N_("登记申诉"),
    "appeal.decide": N_("裁决申诉"),
    "certificate.issue": N_("颁发证书"),
    "certificate.revoke": N_("作废证书"),
    "certificate.reprint": N_("补打证书"),
    "certificate.title": N_("称号证书"),
    "merit.period_open": N_("开启考评期"),
    "merit.period_close": N_("考评截止"),
    "merit.bulletin": N_("生成通报"),
    "merit.honours": N_("评定年度荣誉"),
    "craftsman.stage": N_("评选阶段变更"),
    "craftsman.list.confirm": N_("确定拟命名名单"),
}
HEADERS = ["时间", "操作", "操作人", "竞赛", "对象", "摘要", "地址", "设备", "数据"]
LIMIT = 500


def _filters():
    contests = visible_contests(current_user)
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if current_user.role != ADMIN:
        query = query.where(AuditEntry.contest_id.in_([c.id for c in contests] or [0]))
    contest_id = request.args.get("contest", type=int)
    action = request.args.get("action", "").strip()
    user = request.args.get("user", "").strip()
    if contest_id:
        query = query.where(AuditEntry.contest_id == contest_id)
    if action:
        query = query.where(AuditEntry.action == action)
    if user:
        ids = select(User.id).where((User.username == user) | (User.display_name == user))
        query = query.where(AuditEntry.actor_id.in_(ids) | (AuditEntry.actor_name == user))
    return query, contests, {"contest": contest_id, "action": action, "user": user}


def _row(e: AuditEntry, names: dict[int, str]) -> list[str]:
    return [local_time(e.at, "%Y-%m-%d %H:%M:%S"), ACTION_LABELS.get(e.action, e.action), e.actor_name or "",
            names.get(e.contest_id, ""), f"{e.object_type} {e.object_id or ''}".strip(), e.summary,
            e.address or "", e.device or "", json.dumps(e.data, ensure_ascii=False) if e.data else ""]


@bp.route("/")
@roles_required(ORGANISER, CHIEF_JUDGE)
def index():
    query, contests, chosen = _filters()
    entries = list(db.session.scalars(query.limit(LIMIT)))
    names = {c.id: c.name for c in contests}
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        entries = list(db.session.scalars(query))
        rows = [_row(e, names) for e in entries]
        if fmt == "csv":
            return download(csv_bytes(HEADERS, rows), "审计日志.csv", "text/csv")
        return download(xlsx_bytes([("审计日志", HEADERS, rows)]), "审计日志.xlsx", XLSX)
    return render_template("audit/index.html", entries=entries, contests=contests, chosen=chosen, names=names,
                           actions=ACTION_LABELS, limit=LIMIT)
