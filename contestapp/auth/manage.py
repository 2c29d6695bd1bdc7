"""Managing organisations and accounts. Admins manage everything; organisers manage the accounts of their own
organisation and the organisations below it (and may not create admins)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from contestapp.audit.service import record
from contestapp.auth.models import EMAIL_MAX, EMAIL_PATTERN, ORG_LEVEL_LABELS, ROLE_LABELS, Organisation, OrgLevel, Role, User
from contestapp.auth.permissions import ADMIN, ORGANISER, deny, managed_organisation_ids, roles_required
from contestapp.auth.services import create_user
from contestapp.extensions import db

bp = Blueprint("manage", __name__)


class UserForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(message=_l("此项必填")), Length(max=80),
                                              Regexp(r"^[A-Za-z0-9_.\-]+$", message=_l("用户名只能包含字母、数字、点、下划线和连字符"))])
    display_name = StringField(_l("姓名/显示名称"), validators=[DataRequired(message=_l("此项必填")), Length(max=100)])
    role = SelectField(_l("角色"))
    organisation_id = SelectField(_l("所属单位"), coerce=int,
                                  validators=[DataRequired(message=_l("请选择账号的所属单位"))])
    unit_name = StringField(_l("工作单位（不在所属单位列表中时填写）"), validators=[Optional(), Length(max=200)])
    phone = StringField(_l("手机号"), validators=[Optional(), Regexp(r"^1\d{10}$", message=_l("手机号应为11位数字"))])
    email = StringField(_l("电子邮箱（用于提醒，可不填）"),
                        validators=[Optional(), Length(max=EMAIL_MAX), Regexp(EMAIL_PATTERN, message=_l("电子邮箱格式不正确"))],
                        filters=[lambda v: v.strip() if isinstance(v, str) else v])
    password = PasswordField(_l("密码（新建必填；修改时留空表示不改）"), validators=[Optional(), Length(min=8, message=_l("密码至少 8 位"))])
    active = BooleanField(_l("启用"), default=True)


class OrganisationForm(FlaskForm):
    name = StringField(_l("组织名称"), validators=[DataRequired(message=_l("此项必填")), Length(max=200)])
    level = SelectField(_l("层级"), choices=[(k.value, _l(v)) for k, v in ORG_LEVEL_LABELS.items()])
    parent_id = SelectField(_l("上级组织"), coerce=int)


def _scope() -> set[int] | None:
    """Organisation ids the current user manages; None means all (admin)."""
    return None if current_user.role == ADMIN else managed_organisation_ids(current_user)


def _organisations() -> list[Organisation]:
    query = select(Organisation).order_by(Organisation.id)
    scope = _scope()
    if scope is not None:
        query = query.where(Organisation.id.in_(scope))
    return list(db.session.scalars(query))


def _tree_order(orgs: list[Organisation]) -> list[tuple[Organisation, int]]:
    """The organisations as the tree reads, each with its depth (parents first, children below them)."""
    ids = {o.id for o in orgs}
    children: dict[int | None, list[Organisation]] = {}
    for o in orgs:
        children.setdefault(o.parent_id if o.parent_id in ids else None, []).append(o)
    out: list[tuple[Organisation, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for o in children.get(parent, []):
            out.append((o, depth))
            walk(o.id, depth + 1)

    walk(None, 0)
    return out


def _user_form(user: User | None = None) -> UserForm:
    form = UserForm(obj=user)
    roles = [r for r in Role if current_user.role == ADMIN or r != Role.ADMIN]
    form.role.choices = [(r.value, _(ROLE_LABELS[r])) for r in roles]
    # no organisation is preselected: the person's own unit is chosen every time (it decides recusal)
    form.organisation_id.choices = [(0, _("请选择所属单位"))] + [
        (o.id, "\u3000" * depth + f"{o.name}（{_(ORG_LEVEL_LABELS.get(o.level, o.level))}）")
        for o, depth in _tree_order(_organisations())]
    if form.organisation_id.data is None:
        form.organisation_id.data = 0
    return form


def _check_user_in_scope(user: User) -> None:
    scope = _scope()
    if scope is not None and (user.organisation_id not in scope or user.role == ADMIN):
        deny(403)


@bp.route("/users/")
@roles_required(ORGANISER)
def users():
    query = select(User).order_by(User.organisation_id, User.role, User.username)
    scope = _scope()
    if scope is not None:
        query = query.where(User.organisation_id.in_(scope))
    return render_template("auth/users.html", users=db.session.scalars(query).all(), roles=ROLE_LABELS)


@bp.route("/users/new", methods=["GET", "POST"])
@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required(ORGANISER)
def user_form(user_id: int | None = None):
    user = db.session.get(User, user_id) if user_id else None
    if user_id and user is None:
        deny(404)
    if user:
        _check_user_in_scope(user)
    form = _user_form(user)
    if form.validate_on_submit():
        if form.role.data == Role.ADMIN and current_user.role != ADMIN:
            deny(403)
        org = db.session.get(Organisation, form.organisation_id.data)
        if user is None:
            if not form.password.data:
                form.password.errors.append("新建账号须设置密码")
                return render_template("auth/user_form.html", form=form, user=user)
            try:
                user = create_user(form.username.data, form.password.data, form.role.data, form.display_name.data,
                                   org, form.unit_name.data or None)
            except ValueError as exc:
                form.username.errors.append(_(str(exc)))
                return render_template("auth/user_form.html", form=form, user=user)
        else:
            clash = db.session.scalar(select(User.id).where(User.username == form.username.data, User.id != user.id))
            if clash:
                form.username.errors.append(f"用户名 {form.username.data} 已存在")
                return render_template("auth/user_form.html", form=form, user=user)
            user.username, user.display_name, user.role = form.username.data, form.display_name.data, form.role.data
            user.organisation, user.unit_name = org, form.unit_name.data or None
            if form.password.data:
                user.set_password(form.password.data)
        user.phone = form.phone.data or None
        user.email = form.email.data or None
        user.active = form.active.data
        db.session.flush()
        record(current_user, "user.save", user, summary=f"{user.username}（{user.role_label}）",
               data={"active": user.active, "password_changed": bool(form.password.data)})
        db.session.commit()
        flash(_("账号已保存"), "success")
        return redirect(url_for(".users"))
    return render_template("auth/user_form.html", form=form, user=user)


@bp.route("/organisations/", methods=["GET", "POST"])
@roles_required(ORGANISER)
def organisations():
    orgs = _organisations()
    form = OrganisationForm()
    top = [(0, _("（无，顶级组织）"))] if current_user.role == ADMIN else []
    form.parent_id.choices = [(o.id, o.name) for o in orgs] + top
    if form.validate_on_submit():
        if db.session.scalar(select(Organisation.id).where(Organisation.name == form.name.data)):
            form.name.errors.append("该组织已存在")
        else:
            org = Organisation(name=form.name.data, level=OrgLevel(form.level.data).value,
                               parent_id=form.parent_id.data or None)
            db.session.add(org)
            db.session.flush()
            record(current_user, "organisation.create", org, summary=org.name)
            db.session.commit()
            flash(_("组织已添加"), "success")
            return redirect(url_for(".organisations"))
    ids = {o.id for o in orgs}
    roots = [o for o in orgs if o.parent_id not in ids]
    children: dict[int, list[Organisation]] = {}
    for o in orgs:
        children.setdefault(o.parent_id or 0, []).append(o)
    return render_template("auth/organisations.html", roots=roots, children=children, form=form, levels=ORG_LEVEL_LABELS)
