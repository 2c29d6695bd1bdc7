from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class CardLoginForm(FlaskForm):
    code = StringField(_l("登录卡号"), validators=[DataRequired(message=_l("请输入登录卡号")), Length(max=20)])
    pin = StringField(_l("PIN 码"), validators=[DataRequired(message=_l("请输入 PIN 码")), Length(max=8)])


class DrawForm(FlaskForm):
    levels = SelectField(_l("加密级数"), choices=[("1", _l("一次加密")), ("2", _l("二次加密"))], default="1")
    workstations = IntegerField(_l("工位数（空 = 参赛人数）"), validators=[Optional(), NumberRange(min=1, max=10000)])
    witnesses = StringField(_l("监督人"), validators=[Optional(), Length(max=300)])


class ManualDrawForm(FlaskForm):
    file = FileField(_l("人工抽签结果（CSV）"), validators=[FileRequired(message=_l("请选择文件"))])


class JudgeAddForm(FlaskForm):
    username = StringField(_l("裁判用户名"), validators=[DataRequired(message=_l("请输入用户名")), Length(max=80)])


class AssignForm(FlaskForm):
    judge_id = SelectField(_l("裁判"), coerce=int)
    round_ids = SelectMultipleField(_l("轮次"), coerce=int, validators=[DataRequired(message=_l("请选择轮次"))])
    criteria = StringField(_l("评分项代码（逗号分隔，空 = 全部）"), validators=[Optional(), Length(max=500)])


class CardIssueForm(FlaskForm):
    judge_id = SelectField(_l("裁判"), coerce=int)


class ReturnForm(FlaskForm):
    reason = TextAreaField(_l("退回理由"), validators=[DataRequired(message=_l("请填写退回理由")), Length(max=500)])


class TieForm(FlaskForm):
    order = StringField(_l("名次顺序（加密号，先者名次在前，逗号分隔）"), validators=[DataRequired(message=_l("请填写顺序"))])
    reason = TextAreaField(_l("裁定理由"), validators=[DataRequired(message=_l("请填写裁定理由")), Length(max=500)])


class DecisionForm(FlaskForm):
    """The chief judge's decision on a sheet request: approve, or refuse with a reason."""

    decision = TextAreaField(_l("处理意见（驳回时必填）"), validators=[Length(max=500)])


class PickerForm(FlaskForm):
    """The judges x criteria picker of a round: its checkboxes are read by `grid.read_picks`; this form checks CSRF."""
