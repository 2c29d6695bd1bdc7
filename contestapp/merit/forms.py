from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from contestapp.domain.periods import SCHEDULE_LABELS

REQUIRED = DataRequired(message="此项必填")


class ProjectForm(FlaskForm):
    name = StringField("项目名称", validators=[REQUIRED, Length(max=200)])
    owner = StringField("建设单位（业主）", validators=[Optional(), Length(max=200)])
    budget = DecimalField("总投资（万元）", places=None, validators=[Optional(), NumberRange(0)])
    location = StringField("建设地点", validators=[Optional(), Length(max=200)])
    starts_on = DateField("开始日期", validators=[REQUIRED])
    ends_on = DateField("结束日期", validators=[REQUIRED])
    schedule = SelectField("考评周期", choices=list(SCHEDULE_LABELS.items()))
    deadline_days = IntegerField("期末后几天截止", default=5, validators=[NumberRange(0, 60)])
    red_flags = IntegerField("流动红旗数量（前 N 名）", default=3, validators=[NumberRange(0, 100)])
    review_weight = DecimalField("年度考评权重（0–1）", places=None, default=0.2, validators=[NumberRange(0, 1)])
    top_flag = IntegerField("积分考核：优先推荐前 K 名", default=20, validators=[NumberRange(1, 10000)])


class ParticipantsUploadForm(FlaskForm):
    file = FileField("参建单位名单（.xlsx 或 .csv）", validators=[
        FileRequired(message="请选择文件"), FileAllowed(["xlsx", "csv"], message="只接受 .xlsx 或 .csv 文件")])


class EvidenceForm(FlaskForm):
    entry_id = SelectField("对象", coerce=int)
    criterion_id = SelectField("专项", coerce=int)
    note = StringField("说明", validators=[Optional(), Length(max=500)])
    file = FileField("佐证材料（PDF、JPG、PNG，10 MB 以内）", validators=[
        FileRequired(message="请选择文件"), FileAllowed(["pdf", "jpg", "jpeg", "png"], message="只接受 PDF、JPG、PNG")])
