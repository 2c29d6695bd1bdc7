"""Organisations, users and roles."""
from __future__ import annotations

import re
import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, event, select
from sqlalchemy.orm import NO_VALUE, Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from contestapp.common.db import UTCDateTime, utcnow
from contestapp.domain.recusal import Affiliation
from contestapp.extensions import db
from contestapp.i18n import N_


class OrgLevel(StrEnum):
    PROVINCE = "province"   # 省总工会
    CITY = "city"           # 市总工会
    COUNTY = "county"       # 县(区)总工会
    INDUSTRY = "industry"   # 产业工会
    TOWN = "town"           # 乡镇/街道总工会
    PROJECT = "project"     # 重点工程指挥部
    UNIT = "unit"           # 基层单位


ORG_LEVEL_LABELS = {
    OrgLevel.PROVINCE: N_("省总工会"), OrgLevel.CITY: N_("市总工会"), OrgLevel.COUNTY: N_("县(区)总工会"),
    OrgLevel.INDUSTRY: N_("产业工会"), OrgLevel.TOWN: N_("乡镇(街道)总工会"), OrgLevel.PROJECT: N_("重点工程指挥部"),
    OrgLevel.UNIT: N_("基层单位"),
}


class Role(StrEnum):
    ADMIN = "admin"
    ORGANISER = "organiser"
    CHIEF_JUDGE = "chief_judge"
    JUDGE = "judge"
    ARBITRATOR = "arbitrator"
    UNIT = "unit"  # a unit's account: nominates candidates, fills self-assessments


ROLE_LABELS = {
    Role.ADMIN: N_("系统管理员"), Role.ORGANISER: N_("组织者"), Role.CHIEF_JUDGE: N_("裁判长"), Role.JUDGE: N_("裁判/评委"),
    Role.ARBITRATOR: N_("仲裁组成员"), Role.UNIT: N_("单位账号"),
}


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    level: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)

    parent: Mapped[Organisation | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Organisation]] = relationship(back_populates="parent")

    def subtree_ids(self) -> set[int]:
        """This organisation and every organisation below it (one query per level; hierarchies are shallow)."""
        ids, frontier = {self.id}, [self.id]
        while frontier:
            frontier = list(db.session.scalars(select(Organisation.id).where(Organisation.parent_id.in_(frontier))))
            frontier = [i for i in frontier if i not in ids]
            ids.update(frontier)
        return ids

    def __repr__(self) -> str:
        return f"<Organisation {self.name}>"


# A practical check of an e-mail address (one @, a dotted domain, no spaces); the mail server has the last word.
EMAIL_PATTERN = r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+$"
EMAIL_MAX = 254


def clean_email(address: str | None) -> str | None:
    """The address trimmed, or None when blank; ValueError (Chinese) when it is not an e-mail address."""
    address = (address or "").strip()
    if not address:
        return None
    if len(address) > EMAIL_MAX or not re.match(EMAIL_PATTERN, address):
        raise ValueError(f"电子邮箱格式不正确：{address}")
    return address


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), index=True)
    # The unit the person belongs to (chosen explicitly when the account is made): a unit account nominates and
    # reports for it; a judge or expert is recused from candidates of it. `unit_name`: the person's employer when it
    # is not an organisation of the tree (e.g. a technical college), also used for recusal.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    unit_name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX))  # reminders by e-mail when SMTP is configured
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Every session and remember-me cookie of this user carries this token (`get_id`); a new one ends them all at
    # once: logout, "log out everywhere", a new password, deactivation, a role change (contestapp.auth.sessions).
    session_token: Mapped[str] = mapped_column(String(32), default=lambda: new_session_token())

    organisation: Mapped[Organisation | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """Flask-Login's id for the session and the remember-me cookie: the user's id and session token."""
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        """End every session of this user (the next request of each is signed out)."""
        self.session_token = new_session_token()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(Role(self.role), self.role)

    @property
    def units_label(self) -> str:
        """The units the person belongs to, as pages show them: the organisation, then the employer when named."""
        return " · ".join(n for n in (self.organisation.name if self.organisation else "", self.unit_name or "") if n)

    @property
    def affiliation(self) -> Affiliation:
        """The units this person belongs to, for recusal: the account's organisation and the named employer."""
        return Affiliation.of(self.organisation_id, self.organisation.name if self.organisation else None,
                              self.unit_name)

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


def new_session_token() -> str:
    return secrets.token_hex(16)


@event.listens_for(User.password_hash, "set", active_history=True)
@event.listens_for(User.role, "set", active_history=True)
@event.listens_for(User.active, "set", active_history=True)
def _credentials_changed(user: User, value, old, _initiator) -> None:
    """A new password, role or deactivation ends the user's sessions, whichever code changes it."""
    if user.id is not None and old is not NO_VALUE and old != value:
        user.session_token = new_session_token()


class SessionUser(UserMixin):
    """The signed-in user as a JSON API request needs it: the user's columns from one Core query, no ORM object
    (Flask-Login's ORM load was the largest single cost of a tablet's mark save). Same attributes and role checks
    as `User`; relationships (`organisation`) are deliberately absent, so code that needs them fails loudly."""

    __slots__ = ("id", "username", "display_name", "role", "active", "organisation_id", "unit_name", "locale",
                 "session_token")

    def __init__(self, id: int, username: str, display_name: str, role: str, active: bool,  # noqa: A002
                 organisation_id: int | None, unit_name: str | None, locale: str | None,
                 session_token: str | None = None) -> None:
        self.id, self.username, self.display_name, self.role = id, username, display_name, role
        self.active, self.organisation_id, self.unit_name, self.locale = active, organisation_id, unit_name, locale
        self.session_token = session_token

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}" if self.session_token else str(self.id)

    COLUMNS = ("id", "username", "display_name", "role", "active", "organisation_id", "unit_name", "locale")

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    role_label = User.role_label
    has_role = User.has_role

    def __repr__(self) -> str:
        return f"<SessionUser {self.username} {self.role}>"
