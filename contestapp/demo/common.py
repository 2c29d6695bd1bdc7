"""What every demo contest shares: the federation's organisations, the password, and the core accounts."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from contestapp.auth.models import Organisation, User
from contestapp.auth.services import create_user
from contestapp.extensions import db

PASSWORD = "demo12345"


@dataclass
class World:
    """The demo's shared state: today's date, organisations by name, accounts by username."""

    today: date
    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def rng(self, seed: int) -> random.Random:
        return random.Random(seed)

    def user(self, username: str, role: str, name: str, org: Organisation, unit: str | None = None) -> User:
        """The account `username`, created once (password PASSWORD) in `org`, the unit the person belongs to (no
        default: recusal follows it), with `unit` naming an employer outside the organisation tree."""
        user = self.users.get(username) or db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = create_user(username, PASSWORD, role, name, org, unit)
            db.session.flush()
        self.users[username] = user
        return user


def org(name: str, level: str, parent: Organisation | None) -> Organisation:
    """The organisation `name`, created once under `parent`."""
    found = db.session.scalar(select(Organisation).where(Organisation.name == name))
    if found is None:
        found = Organisation(name=name, level=level, parent=parent)
        db.session.add(found)
        db.session.flush()
    return found


def base_world(today: date | None = None) -> World:
    world = World(today=today or date.today())
    province = org("浙江省总工会", "province", None)
    city = org("杭州市总工会", "city", province)
    county = org("西湖区总工会", "county", city)
    world.orgs.update({o.name: o for o in (province, city, county)})
    return world
