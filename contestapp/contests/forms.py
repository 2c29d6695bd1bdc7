from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, DecimalField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from contestapp.contests.models import CONTEST_KIND_LABELS, CRITERION_KIND_LABELS, EVENT_MODE_LABELS

CODE = Regexp(r"^[A-Za-z0-9_\-]+$", message=_l("代码只能包含字母、数字、下划线和连字符"))
REQUIRED = DataRequired(message=_l("此项必填"))


class ContestForm(FlaskForm):
    code = StringField(_l("竞赛代码"), validators=[REQUIRED, Length(max=64), CODE])
    name = StringField(_l("竞赛名称"), validators=[REQUIRED, Length(max=200)])
    kind = SelectField(_l("竞赛类型"), choices=[(k.value, _l(v)) for k, v in CONTEST_KIND_LABELS.items()])
    organisation_id = SelectField(_l("主办单位"), coerce=int)
    year = IntegerField(_l("年度"), validators=[REQUIRED, NumberRange(2000, 2100, message=_l("年度无效"))])
    starts_on = DateField(_l("竞赛日期（计算年龄的基准日）"), validators=[REQUIRED])
    ends_on = DateField(_l("结束日期"), validators=[Optional()])
    location = StringField(_l("地点"), validators=[Optional(), Length(max=200)])


class DefinitionUploadForm(FlaskForm):
    file = FileField(_l("竞赛定义文件（JSON 或 YAML）"), validators=[
        FileRequired(message=_l("请选择文件")), FileAllowed(["json", "yaml", "yml"], message=_l("只接受 .json、.yaml 或 .yml 文件"))])
    start = DateField(_l("从哪天起使用（立功竞赛、积分考核按此日期生成考评期；默认今天）"), validators=[Optional()])


class EventForm(FlaskForm):
    code = StringField(_l("赛项代码"), validators=[REQUIRED, Length(max=64), CODE])
    name = StringField(_l("赛项名称"), validators=[REQUIRED, Length(max=200)])
    mode = SelectField(_l("形式"), choices=[(k.value, _l(v)) for k, v in EVENT_MODE_LABELS.items()])
    combine = SelectField(_l("轮次合成方式"), choices=[
        ("weighted_sum", _l("加权求和")), ("sum", _l("求和")), ("mean", _l("平均")), ("best", _l("取最好成绩"))])
    places = IntegerField(_l("总成绩小数位"), default=2, validators=[NumberRange(0, 6)])
    unshared_places = IntegerField(_l("排名不并列的名次数（0 表示允许并列）"), default=0, validators=[NumberRange(0, 1000)])


class RoundForm(FlaskForm):
    code = StringField(_l("轮次代码"), validators=[REQUIRED, Length(max=64), CODE])
    name = StringField(_l("轮次名称"), validators=[REQUIRED, Length(max=200)])
    weight = DecimalField(_l("权重（加权求和时各轮之和须为 1）"), default=1, places=None,
                          validators=[REQUIRED, NumberRange(min=0, message=_l("权重不能为负"))])
    aggregate = SelectField(_l("裁判组合分方式"), choices=[("mean", _l("平均")), ("median", _l("中位数")), ("trimmed", _l("去掉最高最低分"))])
    drop_high = IntegerField(_l("去掉最高分个数"), default=0, validators=[NumberRange(0, 10)])
    drop_low = IntegerField(_l("去掉最低分个数"), default=0, validators=[NumberRange(0, 10)])
    reduce = SelectField(_l("余下的分数"), choices=[("mean", _l("取平均")), ("sum", _l("求和"))])
    min_judges = IntegerField(_l("最少裁判人数"), default=1, validators=[NumberRange(1, 50)])
    spread_alert = DecimalField(_l("分差预警阈值（空为不预警）"), places=None, validators=[Optional()])
    combine = SelectField(_l("评分项合成"), choices=[("sum", _l("求和")), ("weighted", _l("加权"))])
    multiplier = BooleanField(_l("每个参赛者有难度系数"))
    places = IntegerField(_l("轮次成绩小数位"), default=2, validators=[NumberRange(0, 6)])
    pass_mark = DecimalField(_l("合格线（空为不设）"), places=None, validators=[Optional()])


class CriterionForm(FlaskForm):
    code = StringField(_l("评分项代码"), validators=[REQUIRED, Length(max=64), CODE])
    name = StringField(_l("评分项名称"), validators=[REQUIRED, Length(max=300)])
    kind = SelectField(_l("类型"), choices=[(k.value, _l(v)) for k, v in CRITERION_KIND_LABELS.items()])
    max = DecimalField(_l("最高分"), places=None, validators=[REQUIRED])
    min = DecimalField(_l("最低分"), default=0, places=None, validators=[Optional()])
    step = DecimalField(_l("分值步长（空为不限）"), places=None, validators=[Optional()])
    weight = DecimalField(_l("权重/系数"), default=1, places=None, validators=[Optional()])
    deduction_per = DecimalField(_l("每处扣分（扣分项）"), places=None, validators=[Optional()])
    bonus_group = StringField(_l("加分组（同组只计最高一项）"), validators=[Optional(), Length(max=64)])
