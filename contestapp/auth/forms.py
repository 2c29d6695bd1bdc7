from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(message=_l("请输入用户名")), Length(max=80)])
    password = PasswordField(_l("密码"), validators=[DataRequired(message=_l("请输入密码")), Length(max=200)])
    remember = BooleanField(_l("记住我"))


class PasswordForm(FlaskForm):
    """A signed-in user sets a new password (and so ends their other sessions)."""

    current = PasswordField(_l("当前密码"), validators=[DataRequired(message=_l("请输入当前密码")), Length(max=200)])
    new = PasswordField(_l("新密码"), validators=[DataRequired(message=_l("请输入新密码")),
                                                Length(min=8, max=200, message=_l("密码至少 8 位"))])
    confirm = PasswordField(_l("再次输入新密码"), validators=[DataRequired(message=_l("请再次输入新密码")),
                                                       EqualTo("new", message=_l("两次输入的新密码不一致"))])
