from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired(message="请输入用户名"), Length(max=80)])
    password = PasswordField("密码", validators=[DataRequired(message="请输入密码"), Length(max=200)])
    remember = BooleanField("记住我")
