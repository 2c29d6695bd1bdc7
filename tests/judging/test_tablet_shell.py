"""The tablet's shell as the service worker needs it: the worker served from /judging/ (so that its scope is the
tablet's pages) and checked on every visit; the tablet page naming its user, so that a copy is never shown to
another one."""
from __future__ import annotations

from tests.conftest import login


def test_service_worker_is_served_from_the_tablets_folder(app, client):
    response = client.get("/judging/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.get_data(as_text=True)
    assert 'addEventListener("fetch"' in body and "X-Contestapp-User" in body


def test_tablet_page_names_its_user_and_registers_the_worker(app, client, make):
    judge = make.user("shelljudge", "judge", make.org())
    from contestapp.extensions import db

    db.session.commit()
    login(client, "shelljudge")
    response = client.get("/judging/")
    assert response.status_code == 200
    assert response.headers["X-Contestapp-User"] == str(judge.id)
    assert "no-cache" in response.headers["Cache-Control"]
    page = response.get_data(as_text=True)
    assert 'data-worker="/judging/sw.js"' in page and 'data-scope="/judging/"' in page
    assert "js/tablet-offline.js" in page


def test_tablet_page_signed_out_is_a_redirect_the_worker_clears_on(app, client):
    response = client.get("/judging/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "X-Contestapp-User" not in response.headers
