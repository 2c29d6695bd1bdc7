"""Walks every URL rule of the application and proves who is refused.

- every endpoint declares its rule (public / roles / contest) through contestapp.auth.permissions;
- anonymous users are sent to the login page (HTML) or get 401 (API) from everything that is not public;
- signed-in users of the wrong role get 403 from role-guarded pages;
- for contest pages, an organiser of another organisation, a judge and a chief judge who are not members of the
  contest, and a unit account get 403; the contest's own organiser is let in to the pages meant for organisers.
New routes are covered automatically: the URL values are filled from the objects built below.
"""
import re

import pytest

from contestapp.extensions import db

CONVERTER_DEFAULTS = {"int": "999999", "string": "x", "path": "x", "any": None}


@pytest.fixture
def world(app, make):
    city = make.org("甲市总工会", "city")
    county = make.org("甲市乙县总工会", "county", city)
    other = make.org("丙市总工会", "city")
    contest = make.contest(county)
    make.roster(contest, 3)
    people = {
        "owner": make.user("owner", "organiser", city),            # manages county's contests from above
        "stranger": make.user("stranger", "organiser", other),
        "judge": make.user("judge", "judge", other),
        "chief": make.user("chief", "chief_judge", other),
        "arbiter": make.user("arbiter", "arbitrator", other),
        "unitacct": make.user("unitacct", "unit", other),
        "admin": make.user("admin", "admin", None),
    }
    db.session.commit()
    event = contest.events[0]
    rnd = event.rounds[0]
    values = {
        "contest_id": contest.id, "event_id": event.id, "round_id": rnd.id, "criterion_id": rnd.criteria[0].id,
        "node_id": event.id, "kind": "event", "code": "en", "entrant_id": contest_entrant_id(contest),
    }
    return {"contest": contest, "values": values, **people}


def contest_entrant_id(contest):
    from contestapp.entrants.models import Entrant

    return db.session.scalar(db.select(Entrant.id).where(Entrant.contest_id == contest.id))


def build_url(rule, values):
    url = rule.rule
    for match in re.finditer(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>", rule.rule):
        converter, args, name = match.groups()
        if name in values:
            value = values[name]
        elif converter == "any":
            value = args.split(",")[0].strip().strip("'\"")
        else:
            value = CONVERTER_DEFAULTS.get(converter or "string", "x")
        url = url.replace(match.group(0), str(value), 1)
    return url


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        methods = sorted(m for m in rule.methods if m in ("GET", "POST", "PUT", "PATCH", "DELETE"))
        yield rule, app.view_functions[rule.endpoint], methods


def call(client, method, url):
    return client.open(url, method=method, data={}, json=None if method == "GET" else None)


def test_every_endpoint_declares_who_may_use_it(app):
    undeclared = [rule.endpoint for rule, view, _ in routes(app) if not getattr(view, "access", None)]
    assert undeclared == [], f"endpoints without an access rule: {undeclared}"


def test_anonymous_users_are_refused_everything_not_public(app, world):
    client = app.test_client()
    checked = 0
    for rule, view, methods in routes(app):
        if view.access == "public":
            continue
        for method in methods:
            url = build_url(rule, world["values"])
            response = call(client, method, url)
            if url.startswith("/api/"):
                assert response.status_code == 401, (method, url, response.status_code)
            else:
                assert response.status_code == 302 and "/login" in response.headers["Location"], (
                    method, url, response.status_code)
            checked += 1
    assert checked > 10


@pytest.mark.parametrize("who", ["stranger", "judge", "chief", "arbiter", "unitacct"])
def test_wrong_role_or_organisation_is_refused(app, world, who):
    from tests.conftest import login

    client = app.test_client()
    login(client, who)
    user = world[who]
    refused = 0
    for rule, view, methods in routes(app):
        access = view.access
        if access == "public" or rule.endpoint == "auth.logout":
            continue
        kind, _, roles = access.partition(":")
        allowed_roles = set(roles.split(",")) if roles else set()
        if kind == "roles" and user.role in allowed_roles:
            continue  # a role-level page this user may open; its data is filtered by membership
        if kind == "contest" and "contest_id" not in rule.arguments:
            continue
        for method in methods:
            url = build_url(rule, world["values"])
            response = call(client, method, url)
            assert response.status_code == 403, (who, method, url, response.status_code)
            refused += 1
    assert refused > 5


def test_the_contests_own_organiser_is_let_in(app, world):
    from tests.conftest import login

    client = app.test_client()
    login(client, "owner")
    for rule, view, methods in routes(app):
        if "GET" not in methods or not view.access.startswith("contest:") or "organiser" not in view.access:
            continue
        if set(rule.arguments) - {"contest_id"}:
            continue
        url = build_url(rule, world["values"])
        response = client.get(url)
        assert response.status_code not in (401, 403), (url, response.status_code)


def test_admin_only_pages_refuse_organisers(app, world):
    from tests.conftest import login

    client = app.test_client()
    login(client, "owner")
    admin_only = [(rule, view) for rule, view, _ in routes(app) if view.access in ("contest:admin", "roles:admin")]
    assert admin_only, "expected at least the ID-reveal route to be admin-only"
    for rule, view in admin_only:
        for method in sorted(m for m in rule.methods if m in ("GET", "POST")):
            assert call(client, method, build_url(rule, world["values"])).status_code == 403
