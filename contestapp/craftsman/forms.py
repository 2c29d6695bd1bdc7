"""Forms of the craftsman selection: call, nomination, materials, eligibility decision, public vote."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, DateField, DecimalField, HiddenField, IntegerField,
                     RadioField, SelectField, StringField, TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from contestapp.common.forms import ZonedDateTimeField
from contestapp.craftsman.models import EMPLOYER_TYPES
from contestapp.domain.eligibility import LEVEL_NAMES
from contestapp.i18n import N_

# domain.eligibility names the vocational levels (pure, without i18n); marked here for the catalogue. The values
# stay Chinese (they are stored and compared), only the labels shown are translated.
_LEVEL_NAMES = (N_("初级工"), N_("中级工"), N_("高级工"), N_("技师"), N_("高级技师"))
LEVELS = [(n, _l(n)) for n in LEVEL_NAMES]

REQUIRED = DataRequired(message=_l("此项必填"))
TRISTATE = [("", _l("请选择")), ("1", _l("是")), ("0", _l("否"))]


class CallForm(FlaskForm):
    title = StringField(_l("授予称号（如：江山工匠）"), validators=[REQUIRED, Length(max=200)])
    notice = TextAreaField(_l("申报通知正文"), validators=[Optional(), Length(max=20000)])
    quota = IntegerField(_l("命名名额"), default=10, validators=[REQUIRED, NumberRange(1, 10000)])
    shortlist_size = IntegerField(_l("入围人数（专家评审后）"), default=15, validators=[REQUIRED, NumberRange(1, 10000)])
    reference_date = DateField(_l("年龄计算基准日"), validators=[REQUIRED])
    deadline = ZonedDateTimeField(_l("申报截止时间"), validators=[REQUIRED])
    max_age = IntegerField(_l("年龄上限（周岁，空为不限）"), validators=[Optional(), NumberRange(16, 100)])
    min_years_in_trade = IntegerField(_l("最低从业年限（年）"), validators=[Optional(), NumberRange(0, 60)])
    min_level = SelectField(_l("最低职业技能等级"), choices=[("", _l("不限"))] + LEVELS)
    employer_types = StringField(_l("可申报的单位性质（用顿号或逗号分隔，空为不限）"), validators=[Optional()],
                                 default="国有企业、民营企业、外资企业、集体企业")
    front_line_only = BooleanField(_l("仅限一线职工"))
    direct_keywords = StringField(_l("直接认定的荣誉关键词（用顿号或逗号分隔）"), default="省级一等奖、技能大师")
    young_age = IntegerField(_l("结构要求：青年年龄上限"), default=40, validators=[Optional(), NumberRange(16, 100)])
    young_share = DecimalField(_l("青年比例下限（0–1）"), default=0.5, places=None, validators=[Optional(), NumberRange(0, 1)])
    front_share = DecimalField(_l("一线职工比例下限（0–1）"), default=0.8, places=None,
                               validators=[Optional(), NumberRange(0, 1)])
    vote_enabled = BooleanField(_l("开启网络投票"))
    vote_weight = DecimalField(_l("投票得分权重（0–1）"), default=0, places=None, validators=[Optional(), NumberRange(0, 1)])
    publicity_days = IntegerField(_l("公示期（工作日）"), default=5, validators=[REQUIRED, NumberRange(1, 30)])


class NominationForm(FlaskForm):
    name = StringField(_l("姓名"), validators=[REQUIRED, Length(max=100)])
    id_number = StringField(_l("身份证号"), validators=[REQUIRED, Length(max=18)])
    phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=20)])
    employer = StringField(_l("工作单位"), validators=[Optional(), Length(max=200)])
    employer_type = SelectField(_l("单位性质"), choices=[("", _l("请选择"))] + [(t, _l(t)) for t in EMPLOYER_TYPES])
    job = StringField(_l("岗位 / 职务"), validators=[Optional(), Length(max=100)])
    front_line = SelectField(_l("是否一线职工"), choices=TRISTATE)
    trade = StringField(_l("职业（工种）"), validators=[Optional(), Length(max=100)])
    years_in_trade = IntegerField(_l("从事本职业年限"), validators=[Optional(), NumberRange(0, 70)])
    vocational_level = SelectField(_l("职业技能等级"), choices=[("", _l("请选择"))] + LEVELS)
    honours = TextAreaField(_l("荣誉与竞赛获奖（每行一项）"), validators=[Optional(), Length(max=5000)])
    apprentices = IntegerField(_l("带徒人数"), validators=[Optional(), NumberRange(0, 10000)])
    innovations = TextAreaField(_l("技术创新成果"), validators=[Optional(), Length(max=5000)])
    patents = IntegerField(_l("专利数"), validators=[Optional(), NumberRange(0, 10000)])
    statement = TextAreaField(_l("主要事迹（推荐理由）"), validators=[Optional(), Length(max=20000)])
    summary = TextAreaField(_l("事迹简介（公示和投票页显示，500 字以内）"), validators=[Optional(), Length(max=500)])

    def values(self) -> dict:
        data = {k: getattr(self, k).data for k in (
            "name", "id_number", "phone", "employer", "employer_type", "job", "trade", "years_in_trade",
            "vocational_level", "honours", "apprentices", "innovations", "patents", "statement", "summary")}
        data = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
        data["employer_type"] = data["employer_type"] or None
        data["vocational_level"] = data["vocational_level"] or None
        data["front_line"] = {"1": True, "0": False}.get(self.front_line.data)
        return data


class UploadForm(FlaskForm):
    file = FileField(_l("选择文件（PDF、JPG、PNG）"), validators=[FileRequired(message=_l("请选择文件"))])
    kind = SelectField(_l("类别"), choices=[("material", _l("证明材料")), ("photo", _l("个人照片（公示/投票用）"))])


class DecisionForm(FlaskForm):
    decision = RadioField(_l("审查结论"), choices=[("eligible", _l("符合条件，进入专家评审")), ("direct", _l("直接认定")),
                                              ("return", _l("退回补充")), ("ineligible", _l("不符合条件"))],
                          validators=[REQUIRED])
    note = TextAreaField(_l("说明（退回、不符合条件、直接认定时必填）"), validators=[Optional(), Length(max=1000)])


class CodeForm(FlaskForm):
    phone = StringField(_l("手机号码"), validators=[REQUIRED, Length(max=20)])


class VoteForm(FlaskForm):
    phone = StringField(_l("手机号码"), validators=[REQUIRED, Length(max=20)])
    code = StringField(_l("验证码"), validators=[REQUIRED, Length(max=10)])
    nomination_id = HiddenField(validators=[REQUIRED])
