"""The merit area's certificate recipients: the year's honours of a merit contest (Honour rows not pending a
decision), in event, honour and rank order."""
from __future__ import annotations

from sqlalchemy import select

from contestapp.common.recipients import NoRecipients, Recipient, register
from contestapp.contests.models import Event
from contestapp.entrants.models import Entrant, Entry
from contestapp.extensions import db
from contestapp.i18n import N_
from contestapp.merit.models import Honour, HonourRule


@register("merit", N_("立功竞赛荣誉名单"))
def merit_recipients(contest, kind: str = "honour", event=None) -> list[Recipient]:
    stmt = (select(Honour, Entrant, Event).join(HonourRule, HonourRule.id == Honour.rule_id)
            .join(Event, Event.id == HonourRule.event_id).join(Entry, Entry.id == Honour.entry_id)
            .join(Entrant, Entrant.id == Entry.entrant_id)
            .where(Honour.contest_id == contest.id, Honour.pending.is_(False)))
    if event is not None:
        stmt = stmt.where(Event.id == event.id)
    out = [Recipient(holder=h.entrant_name, award=h.label, kind="honour", id_number=person.id_number,
                     entrant_id=person.id, event_code=ev.code, unit=h.unit_name or "", rank=h.rank)
           for h, person, ev in db.session.execute(stmt.order_by(Event.order, Honour.label, Honour.rank, Honour.id))]
    if not out:
        raise NoRecipients(N_("没有已确定的荣誉名单"))
    return out
