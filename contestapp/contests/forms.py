from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, DecimalField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from contestapp.contests.models import CONTEST_KIND_LABELS, CRITERION_KIND_LABELS, EVENT_MODE_LABELS

CODE = Regexp(r"^[A-Za-z0-9_\-]+$", message="代码只能包含字母、数字、下划线和连字符")
REQUIRED = DataRequired(message="此项必填")


class ContestForm(FlaskForm):
    code = StringField("竞赛代码", validators=[REQUIRED, Length(max=64), CODE])
    name = StringField("竞赛名称", validators=[REQUIRED, Length(max=200)])
    kind = SelectField("竞赛类型", choices=[(k.value, v) for k, v in CONTEST_KIND_LABELS.items()])
    organisation_id = SelectField("主办单位", coerce=int)
    year = IntegerField("年度", validators=[REQUIRED, NumberRange(2000, 2100, message="年度无效")])
    starts_on = DateField("竞赛日期（计算年龄的基准日）", validators=[REQUIRED])
    ends_on = DateField("结束日期", validators=[Optional()])
    location = StringField("地点", validators=[Optional(), Length(max=200)])


class DefinitionUploadForm(FlaskForm):
    file = FileField("竞赛定义文件（JSON 或 YAML）", validators=[
        FileRequired(message="请选择文件"), FileAllowed(["json", "yaml", "yml"], message="只接受 .json、.yaml 或 .yml 文件")])


class EventForm(FlaskForm):
    code = StringField("赛项代码", validators=[REQUIRED, Length(max=64), CODE])
    name = StringField("赛项名称", validators=[REQUIRED, Length(max=200)])
    mode = SelectField("形式", choices=[(k.value, v) for k, v in EVENT_MODE_LABELS.items()])
    combine = SelectField("轮次合成方式", choices=[
        ("weighted_sum", "加权求和"), ("sum", "求和"), ("mean", "平均"), ("best", "取最好成绩")])
    places = IntegerField("总成绩小数位", default=2, validators=[NumberRange(0, 6)])
    unshared_places = IntegerField("排名不并列的名次数（0 表示允许并列）", default=0, validators=[NumberRange(0, 1000)])


class RoundForm(FlaskForm):
    code = StringField("轮次代码", validators=[REQUIRED, Length(max=64), CODE])
    name = StringField("轮次名称", validators=[REQUIRED, Length(max=200)])
    weight = DecimalField("权重（加权求和时各轮之和须为 1）", default=1, places=None,
                          validators=[REQUIRED, NumberRange(min=0, message="权重不能为负")])
    aggregate = SelectField("裁判组合分方式", choices=[("mean", "平均"), ("median", "中位数"), ("trimmed", "去掉最高最低分")])
    drop_high = IntegerField("去掉最高分个数", default=0, validators=[NumberRange(0, 10)])
    drop_low = IntegerField("去掉最低分个数", default=0, validators=[NumberRange(0, 10)])
    reduce = SelectField("余下的分数", choices=[("mean", "取平均"), ("sum", "求和")])
    min_judges = IntegerField("最少裁判人数", default=1, validators=[NumberRange(1, 50)])
    spread_alert = DecimalField("分差预警阈值（空为不预警）", places=None, validators=[Optional()])
    combine = SelectField("评分项合成", choices=[("sum", "求和"), ("weighted", "加权")])
    multiplier = BooleanField("每个参赛者有难度系数")
    places = IntegerField("轮次成绩小数位", default=2, validators=[NumberRange(0, 6)])
    pass_mark = DecimalField("合格线（空为不设）", places=None, validators=[Optional()])


class CriterionForm(FlaskForm):
    code = StringField("评分项代码", validators=[REQUIRED, Length(max=64), CODE])
    name = StringField("评分项名称", validators=[REQUIRED, Length(max=300)])
    kind = SelectField("类型", choices=[(k.value, v) for k, v in CRITERION_KIND_LABELS.items()])
    max = DecimalField("最高分", places=None, validators=[REQUIRED])
    min = DecimalField("最低分", default=0, places=None, validators=[Optional()])
    step = DecimalField("分值步长（空为不限）", places=None, validators=[Optional()])
    weight = DecimalField("权重/系数", default=1, places=None, validators=[Optional()])
    deduction_per = DecimalField("每处扣分（扣分项）", places=None, validators=[Optional()])
    bonus_group = StringField("加分组（同组只计最高一项）", validators=[Optional(), Length(max=64)])
