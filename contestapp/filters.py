"""Template filters: numbers, dates in the display time zone, masking."""
from __future__ import annotations

from flask import Flask
from flask_babel import get_locale
from flask_login import current_user

from contestapp.auth.permissions import contest_roles
from contestapp.common.formatting import local_time, number
from contestapp.common.nav import contest_tabs, top_nav_links
from contestapp.i18n import tr


def register(app: Flask) -> None:
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(number, "number")
    app.add_template_global(get_locale, "get_locale")
    app.add_template_global(tr, "tr")  # a reason a service or the domain gave, in the reader's language
    app.add_template_global(contest_roles, "contest_roles")
    app.add_template_global(lambda contest: contest_tabs(contest, contest_roles(current_user, contest)),
                            "contest_tabs")
    app.add_template_global(top_nav_links, "top_nav_links")
