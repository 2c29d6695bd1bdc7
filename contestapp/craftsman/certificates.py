"""The craftsman area's certificate recipients: the titles named in a selection, with the serials given at naming."""
from __future__ import annotations

from sqlalchemy import select

from contestapp.common.recipients import NoRecipients, Recipient, register
from contestapp.craftsman.models import CraftsmanTitle, Nomination
from contestapp.extensions import db
from contestapp.i18n import N_


@register("craftsman", N_("工匠命名名单"))
def craftsman_recipients(contest, kind: str = "craftsman", event=None) -> list[Recipient]:
    rows = db.session.execute(select(CraftsmanTitle, Nomination)
                              .join(Nomination, Nomination.id == CraftsmanTitle.nomination_id)
                              .where(CraftsmanTitle.contest_id == contest.id).order_by(CraftsmanTitle.serial))
    out = [Recipient(holder=t.holder, award=t.title, kind="craftsman", id_number=getattr(n, "id_number", None),
                     unit=t.unit, rank=rank, serial=t.serial)
           for rank, (t, n) in enumerate(rows, 1)]
    if not out:
        raise NoRecipients(N_("还没有命名的工匠，无法发证"))
    return out
