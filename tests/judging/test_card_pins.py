"""Judges' login-card PINs: derived from SECRET_KEY and the card code, never stored for new cards, so a copy of the
database does not log anyone in; cards issued before keep their stored (legacy) PIN; the card sheet still prints
every PIN."""
from __future__ import annotations

import subprocess

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from config import TestingConfig
from contestapp import create_app
from contestapp.extensions import db
from contestapp.judging import cards
from contestapp.judging.cards import issue_card
from contestapp.judging.common import local_today
from contestapp.judging.models import JudgeCard, card_pin
from tests.conftest import Factory
from tests.judging.conftest import Fresh, signed_in

BEFORE_DERIVED_PINS = "2725a1ea1c1b"  # the revision whose judge_cards.pin held every PIN in clear


def new_card(jw, judge="j2"):
    today = local_today()
    card = issue_card(jw["contest"], jw[judge], jw["organiser"], today, today)
    db.session.commit()
    return card


def card_row(card_id: int):
    return db.session.execute(text("SELECT * FROM judge_cards WHERE id = :id"), {"id": card_id}).mappings().one()


def make_legacy(card: JudgeCard) -> str:
    """Turn `card` into one issued before derived PINs: a stored PIN, different from the derived one."""
    pin = f"{(int(card_pin(card.code)) + 1) % 10 ** 6:06d}"
    db.session.execute(text("UPDATE judge_cards SET legacy_pin = :pin WHERE id = :id"), {"pin": pin, "id": card.id})
    db.session.commit()
    db.session.expire_all()
    return pin


def card_login(client, card, pin):
    return client.post("/judging/card", data={"code": card.code, "pin": pin})


def test_a_new_card_stores_no_pin_and_logs_in_with_the_derived_one(app, jw):
    card = new_card(jw)
    pin = card.pin
    assert len(pin) == 6 and pin.isdigit() and pin == card_pin(card.code)
    row = card_row(card.id)
    assert row["legacy_pin"] is None and "pin" not in row
    assert pin not in {str(v) for v in row.values()}
    wrong = f"{(int(pin) + 1) % 10 ** 6:06d}"
    assert card_login(Fresh(app), card, wrong).status_code == 401
    assert card_login(Fresh(app), card, "１２３４５６").status_code == 401  # full-width digits: refused, no error
    r = card_login(Fresh(app), card, pin)
    assert r.status_code == 302 and r.headers["Location"].endswith("/judging/")


def test_a_new_secret_key_changes_every_pin_and_the_old_card_fails(app, jw):
    card = new_card(jw)
    old_pin = card.pin
    config = TestingConfig(app.config["SQLALCHEMY_DATABASE_URI"])
    config.SECRET_KEY = "another-secret-key"
    other = create_app(config)
    try:
        with other.app_context():
            new_pin = db.session.get(JudgeCard, card.id).pin
            db.session.remove()
        assert new_pin != old_pin
        assert card_login(Fresh(other), card, old_pin).status_code == 401
        assert card_login(Fresh(other), card, new_pin).status_code == 302
    finally:
        with other.app_context():
            db.engine.dispose()
    # the app with the key the card was made with still takes the printed PIN
    assert card_login(Fresh(app), card, old_pin).status_code == 302


def test_a_card_issued_before_derived_pins_keeps_its_printed_pin(app, jw):
    card = new_card(jw)
    stored = make_legacy(card)
    assert card.pin == stored != card_pin(card.code)
    assert card_login(Fresh(app), card, card_pin(card.code)).status_code == 401
    assert card_login(Fresh(app), card, stored).status_code == 302
    # reissue: the new card has no stored PIN, the old one no longer logs in
    new = new_card(jw)
    assert card_row(new.id)["legacy_pin"] is None
    assert card_login(Fresh(app), card, stored).status_code == 401
    assert card_login(Fresh(app), new, new.pin).status_code == 302


def test_the_card_sheet_prints_derived_and_legacy_pins(app, jw, tmp_path):
    derived = new_card(jw, "j2")
    legacy = new_card(jw, "j3")
    stored = make_legacy(legacy)
    r = signed_in(app, "org1").get(f"/contests/{jw['contest'].id}/judging/cards.pdf")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    path = tmp_path / "cards.pdf"
    path.write_bytes(r.data)
    sheet = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert derived.pin in sheet and stored in sheet
    assert card_pin(legacy.code) not in sheet


# --- the migration keeps the PINs of cards already printed ---------------------------------------------------------

def test_the_migration_keeps_printed_pins_both_ways(empty_database):
    app = create_app(TestingConfig(empty_database))
    with app.app_context():
        upgrade()
        make = Factory()
        org = make.org()
        contest = make.contest(org)
        judges = [make.user(f"judge{i}", "judge", org) for i in (1, 2)]
        today = local_today()
        new, old = (issue_card(contest, j, None, today, today) for j in judges)
        db.session.commit()
        codes, derived = (new.code, old.code), new.pin
        db.session.execute(text("UPDATE judge_cards SET legacy_pin = '246810' WHERE code = :c"), {"c": old.code})
        db.session.commit()
        db.session.remove()

        # back to clear PINs: the newer card gets its derived PIN written, the older keeps its own
        downgrade(revision=BEFORE_DERIVED_PINS)
        pins = dict(db.session.execute(text("SELECT code, pin FROM judge_cards")).all())
        db.session.remove()
        assert pins == {codes[0]: derived, codes[1]: "246810"}

        # and up again: both printed PINs still log in
        upgrade()
        rows = dict(db.session.execute(text("SELECT code, legacy_pin FROM judge_cards")).all())
        assert rows == {codes[0]: derived, codes[1]: "246810"}
        for code, pin in zip(codes, (derived, "246810")):
            assert cards.card_login(code, pin, "127.0.0.1").code == code
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
