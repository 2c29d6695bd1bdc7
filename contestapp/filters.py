"""Template filters: numbers, dates in the display time zone, masking."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask import Flask

from contestapp.common.forms import contest_zone  # the one place that names the display zone


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(contest_zone()).strftime(fmt)


def number(value, places: int | None = None) -> str:
    if value is None or value == "":
        return ""
    d = Decimal(value)
    if places is not None:
        from contestapp.domain.types import round_half_up

        return str(round_half_up(d, places))
    from contestapp.common.db import plain

    return str(plain(d))


def register(app: Flask) -> None:
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(number, "number")
    from contestapp.auth.permissions import contest_roles
    from contestapp.common.nav import contest_tabs, top_nav_links

    from flask_babel import get_locale

    app.add_template_global(get_locale, "get_locale")
    app.add_template_global(contest_roles, "contest_roles")
    app.add_template_global(contest_tabs, "contest_tabs")
    app.add_template_global(top_nav_links, "top_nav_links")
