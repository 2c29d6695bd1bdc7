"""Authentication rules: password check with rate limiting, user creation."""
from __future__ import annotations

from sqlalchemy import select

from contestapp.auth import throttle
from contestapp.auth.models import Organisation, Role, User
from contestapp.extensions import db
from contestapp.i18n import N_


class LoginError(Exception):
    """A refused login; `template` and `params` make the Chinese message (`str()`), pages translate them."""

    status = 401

    def __init__(self, template: str, **params):
        self.template, self.params = template, params
        super().__init__(template % params if params else template)


class LoginThrottled(LoginError):
    """Too many failed sign-ins for the account or the address (429)."""

    status = 429


def authenticate(username: str, password: str, address: str) -> User:
    """Return the user, or raise LoginError with a message for the login page. Failures are recorded and throttled
    per account and per address (contestapp.auth.throttle)."""
    username = username.strip()
    try:
        throttle.check(username, address)
    except throttle.Throttled as exc:
        raise LoginThrottled(exc.template, **exc.params) from None
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.check_password(password):
        throttle.failed(username, address)
        raise LoginError(N_("用户名或密码错误"))
    if not user.active:
        raise LoginError(N_("该账号已停用，请联系管理员"))
    throttle.succeeded(username)
    return user


def create_user(username: str, password: str, role: str, display_name: str | None,
                organisation: Organisation | None, unit_name: str | None = None) -> User:
    """A new account, always in an organisation chosen by whoever creates it: the unit the person belongs to (a unit
    account nominates for it; a judge or expert is recused from its candidates). There is no default: an account
    quietly put in the top organisation would be recused from every candidate of that organisation's contests."""
    Role(role)  # refuse an unknown role early
    if organisation is None:
        raise ValueError(N_("请选择账号的所属单位"))
    if len(password) < 8:
        raise ValueError(N_("密码至少 8 位"))
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValueError(f"用户名 {username} 已存在")
    user = User(username=username, display_name=display_name or username, role=role,
                organisation=organisation, unit_name=unit_name)
    user.set_password(password)
    db.session.add(user)
    return user
