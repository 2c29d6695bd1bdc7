"""Every account belongs to a unit chosen by whoever creates it: nothing lands in the top organisation by default
(issue 12: experts left there were recused from every candidate). The user form says what the unit means."""
import re

import pytest
from sqlalchemy import select

from contestapp.auth.models import User
from contestapp.extensions import db
from tests.conftest import PASSWORD


def test_an_account_cannot_be_created_without_its_unit(app):
    from contestapp.auth.services import create_user

    with pytest.raises(ValueError, match="请选择账号的所属单位"):
        create_user("expert1", PASSWORD, "judge", "专家一", None)


def _orgs(make):
    city = make.org("杭州市总工会", "city")
    college = make.org("杭州技师学院", "unit", city)
    make.user("boss", "admin", city)
    db.session.commit()
    return city, college


def test_the_user_form_preselects_no_unit_and_explains_recusal(client, make, login_as):
    city, college = _orgs(make)
    login_as("boss")
    page = client.get("/users/new").get_data(as_text=True)
    selected = re.search(r'<select[^>]*id="organisation_id"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.search(r'<option selected value="0">请选择所属单位</option>', selected)
    assert "\u3000杭州技师学院（基层单位）" in selected  # under its federation, with its level
    assert "自动回避" in page and "不要默认选上级或主办组织" in page

    form = {"username": "expert1", "display_name": "专家一", "role": "judge", "organisation_id": "0",
            "password": "password-123", "active": "y"}
    page = client.post("/users/new", data=form).get_data(as_text=True)
    assert "请选择账号的所属单位" in page
    assert db.session.scalar(select(User).where(User.username == "expert1")) is None
    assert client.post("/users/new", data={**form, "organisation_id": college.id}).status_code == 302
    expert = db.session.scalar(select(User).where(User.username == "expert1"))
    assert expert.organisation_id == college.id
    listing = client.get("/users/").get_data(as_text=True)
    assert "杭州技师学院" in listing and "所属单位和工作单位决定回避" in listing


def test_editing_an_account_without_a_unit_asks_for_one(client, make, login_as):
    city, college = _orgs(make)
    legacy = User(username="old", display_name="老账号", role="judge")  # made before units were required
    legacy.set_password(PASSWORD)
    db.session.add(legacy)
    db.session.commit()
    login_as("boss")
    assert "未设置" in client.get("/users/").get_data(as_text=True)
    page = client.get(f"/users/{legacy.id}/edit").get_data(as_text=True)
    assert re.search(r'<option selected value="0">', page)
    response = client.post(f"/users/{legacy.id}/edit", data={"username": "old", "display_name": "老账号",
                                                             "role": "judge", "organisation_id": "0", "active": "y"})
    assert "请选择账号的所属单位" in response.get_data(as_text=True)
