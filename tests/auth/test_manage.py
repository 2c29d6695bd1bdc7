"""Organisations and accounts: admins manage all; organisers only their organisation and below, never admins."""
from sqlalchemy import select

from contestapp.auth.models import Organisation, User
from contestapp.extensions import db


def setup_orgs(make):
    city = make.org("市总工会", "city")
    county = make.org("县总工会", "county", city)
    other = make.org("邻市总工会", "city")
    make.user("cityorg", "organiser", city)
    make.user("boss", "admin")
    outsider = make.user("outsider", "judge", other)
    db.session.commit()
    return city, county, other, outsider


def test_organiser_creates_a_judge_in_a_lower_organisation(client, make, login_as):
    city, county, other, _ = setup_orgs(make)
    login_as("cityorg")
    response = client.post("/users/new", data={
        "username": "judge_w", "display_name": "王裁判", "role": "judge", "organisation_id": county.id,
        "unit_name": "县技工学校", "password": "password-123", "active": "y"})
    assert response.status_code == 302
    judge = db.session.scalar(select(User).where(User.username == "judge_w"))
    assert judge.organisation_id == county.id and judge.check_password("password-123")
    assert "judge_w" in client.get("/users/").get_data(as_text=True)
    assert "outsider" not in client.get("/users/").get_data(as_text=True)


def test_organiser_cannot_touch_other_organisations_or_make_admins(client, make, login_as):
    city, county, other, outsider = setup_orgs(make)
    login_as("cityorg")
    assert client.get(f"/users/{outsider.id}/edit").status_code == 403
    response = client.post("/users/new", data={
        "username": "sneaky", "display_name": "x", "role": "admin", "organisation_id": city.id,
        "password": "password-123", "active": "y"})
    assert response.status_code == 200 and "不是有效的选择" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.username == "sneaky")) is None
    response = client.post("/users/new", data={
        "username": "elsewhere", "display_name": "x", "role": "judge", "organisation_id": other.id,
        "password": "password-123", "active": "y"})
    assert response.status_code == 200 and "不是有效的选择" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.username == "elsewhere")) is None


def test_deactivating_an_account_stops_its_login(client, make, login_as):
    city, county, other, _ = setup_orgs(make)
    judge = make.user("judge_x", "judge", county)
    db.session.commit()
    login_as("cityorg")
    client.post(f"/users/{judge.id}/edit", data={
        "username": "judge_x", "display_name": "judge_x", "role": "judge", "organisation_id": county.id})
    db.session.expire_all()
    assert db.session.get(User, judge.id).active is False
    client.post("/logout")
    response = client.post("/login", data={"username": "judge_x", "password": "secret-pass-1"})
    assert response.status_code == 401


def test_organisations_form_a_hierarchy(client, make, login_as):
    city, county, other, _ = setup_orgs(make)
    login_as("cityorg")
    response = client.post("/organisations/", data={"name": "某某街道总工会", "level": "town",
                                                     "parent_id": county.id})
    assert response.status_code == 302
    town = db.session.scalar(select(Organisation).where(Organisation.name == "某某街道总工会"))
    assert town.parent_id == county.id
    assert town.id in city.subtree_ids() and town.id not in other.subtree_ids()
    page = client.get("/organisations/").get_data(as_text=True)
    assert "某某街道总工会" in page and "邻市总工会" not in page
