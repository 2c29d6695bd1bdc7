from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from contestapp.domain.periods import SCHEDULE_LABELS
from contestapp.i18n import N_

# domain.periods names the schedules (pure, without i18n); marked here for the catalogue
_SCHEDULE_NAMES = (N_("每周"), N_("每半月"), N_("每月"), N_("每两月"), N_("每季度"), N_("每年"))

REQUIRED = DataRequired(message=_l("此项必填"))


class ProjectForm(FlaskForm):
    name = StringField(_l("项目名称"), validators=[REQUIRED, Length(max=200)])
    owner = StringField(_l("建设单位（业主）"), validators=[Optional(), Length(max=200)])
    budget = DecimalField(_l("总投资（万元）"), places=None, validators=[Optional(), NumberRange(0)])
    location = StringField(_l("建设地点"), validators=[Optional(), Length(max=200)])
    starts_on = DateField(_l("开始日期"), validators=[REQUIRED])
    ends_on = DateField(_l("结束日期"), validators=[REQUIRED])
    schedule = SelectField(_l("考评周期"), choices=[(k, _l(v)) for k, v in SCHEDULE_LABELS.items()])
    deadline_days = IntegerField(_l("期末后几天截止"), default=5, validators=[NumberRange(0, 60)])
    red_flags = IntegerField(_l("流动红旗数量（前 N 名）"), default=3, validators=[NumberRange(0, 100)])
    review_weight = DecimalField(_l("年度考评权重（0–1）"), places=None, default=0.2, validators=[NumberRange(0, 1)])
    top_flag = IntegerField(_l("积分考核：优先推荐前 K 名"), default=20, validators=[NumberRange(1, 10000)])


class ParticipantsUploadForm(FlaskForm):
    file = FileField(_l("参建单位名单（.xlsx 或 .csv）"), validators=[
        FileRequired(message=_l("请选择文件")), FileAllowed(["xlsx", "csv"], message=_l("只接受 .xlsx 或 .csv 文件"))])


class EvidenceForm(FlaskForm):
    entry_id = SelectField(_l("对象"), coerce=int)
    criterion_id = SelectField(_l("专项"), coerce=int)
    note = StringField(_l("说明"), validators=[Optional(), Length(max=500)])
    file = FileField(_l("佐证材料（PDF、JPG、PNG，10 MB 以内）"), validators=[
        FileRequired(message=_l("请选择文件")), FileAllowed(["pdf", "jpg", "jpeg", "png"], message=_l("只接受 PDF、JPG、PNG"))])
