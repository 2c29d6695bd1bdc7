"""What every demo contest shares: the federation's organisations, the password, and the core accounts."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from contestapp.auth.models import Organisation, Role, User
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


def demo_users(world: World, specs: list[tuple[str, str, str, Organisation | None, str | None]]) -> list[User]:
    """Many demo accounts at once (username, role, name, organisation, unit), all with the demo password hashed
    once: a password hash costs about half a second, and a demo of forty units would otherwise take twenty."""
    first = world.user(*specs[0])
    out = [first]
    for username, role, name, org_, unit in specs[1:]:
        user = world.users.get(username) or db.session.scalar(select(User).where(User.username == username))
        if user is None:
            Role(role)  # an unknown role fails here, as create_user would
            user = User(username=username, display_name=name, role=role, organisation=org_ or first.organisation,
                        unit_name=unit, password_hash=first.password_hash)
            db.session.add(user)
        world.users[username] = user
        out.append(user)
    db.session.flush()
    return out
