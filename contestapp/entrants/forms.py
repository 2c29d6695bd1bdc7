from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired


class RosterUploadForm(FlaskForm):
    file = FileField(_l("报名表（.xlsx 或 .csv）"), validators=[
        FileRequired(message=_l("请选择报名表文件")), FileAllowed(["xlsx", "csv"], message=_l("只接受 .xlsx 或 .csv 文件"))])
