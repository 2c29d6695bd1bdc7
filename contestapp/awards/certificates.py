"""The awards area's certificate recipients: the award list of each event's official final result (the grants of
its latest effective final snapshot). Kind "award" gives the awards (一等奖...), kind "title" the titles (技术能手...)."""
from __future__ import annotations

from sqlalchemy import select

from contestapp.awards.models import AwardGrant
from contestapp.common.recipients import NoRecipients, Recipient, register
from contestapp.entrants.models import Entrant, Entry
from contestapp.extensions import db
from contestapp.i18n import N_, Message
from contestapp.results.services import official_snapshot


@register("awards", N_("竞赛获奖名单"))
def award_recipients(contest, kind: str = "award", event=None) -> list[Recipient]:
    wanted = "title" if kind == "title" else "award"
    out: list[Recipient] = []
    for ev in ([event] if event else contest.events):
        snap = official_snapshot(ev)
        if snap is None:
            continue
        rows = db.session.execute(
            select(AwardGrant, Entrant).join(Entry, Entry.id == AwardGrant.entry_id)
            .join(Entrant, Entrant.id == Entry.entrant_id)
            .where(AwardGrant.snapshot_id == snap.id, AwardGrant.kind == wanted)
            .order_by(AwardGrant.rank, AwardGrant.id))
        for grant, person in rows:
            out.append(Recipient(holder=person.name, award=grant.name, kind=wanted, id_number=person.id_number,
                                 entrant_id=person.id, event_code=ev.code, unit=person.unit_name, rank=grant.rank))
    if not out:
        raise NoRecipients(Message(N_("没有可发证的获奖名单：成绩须已定稿并生效（%(event)s）"), event=event.name) if event
                           else N_("没有可发证的获奖名单：成绩须已定稿并生效"))
    return out
