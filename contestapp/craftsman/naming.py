"""Naming (命名) of a craftsman selection: the proposed list, its publicity kept as the event's results snapshots, the
titles with their certificate serials."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Any, Sequence

from sqlalchemy import func, select

from contestapp.audit.service import record
from contestapp.certificates.issuing import CertificateRequest, issue
from contestapp.certificates.printing import certificate_data
from contestapp.certificates.serials import setup_of
from contestapp.certificates.models import Certificate
from contestapp.certificates.render import render_batch
from contestapp.common.db import utcnow
from contestapp.common.formatting import contest_zone
from contestapp.contests.definition import spec_of
from contestapp.contests.models import Contest
from contestapp.craftsman.calls import DEFENCE_ROUND, REVIEW_ROUND, event_of, targets_of
from contestapp.craftsman.errors import CraftsmanError
from contestapp.craftsman.models import CraftsmanCall, CraftsmanTitle, Nomination, NominationStatus, Stage
from contestapp.craftsman.nominations import candidate_of, nominations_of
from contestapp.craftsman.review import Standing, final_standings
from contestapp.domain.eligibility import TargetResult, check_targets
from contestapp.domain.publicity import add_working_days
from contestapp.entrants.models import Entry
from contestapp.extensions import db
from contestapp.i18n import N_, Message, stored
from contestapp.results.models import ResultSnapshot, SnapshotKind
from contestapp.results.services import pending_appeals


# --- naming ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Proposal:
    direct: list[Nomination]
    ranked: list[Standing]       # the ranked candidates taken
    rest: list[Standing]         # ranked candidates not taken
    targets: list[TargetResult]
    warnings: list[Message]  # in Chinese as str; `tr` shows them in the reader's language

    @property
    def named(self) -> list[Nomination]:
        return self.direct + [s.nomination for s in self.ranked]


def propose(call: CraftsmanCall) -> Proposal:
    """拟命名名单: the directly recognised first, then the best ranked up to the quota; targets checked."""
    contest = db.session.get(Contest, call.contest_id)
    direct = nominations_of(contest, NominationStatus.DIRECT)
    standings = final_standings(call)
    room = max(call.quota - len(direct), 0)
    taken, rest = standings[:room], standings[room:]
    warnings: list[Message] = []
    if len(direct) > call.quota:
        warnings.append(Message(N_("直接认定 %(n)s 人，已超过名额 %(quota)s 人"), n=len(direct), quota=call.quota))
    if taken and rest and rest[0].rank == taken[-1].rank:
        warnings.append(Message(N_("第 %(rank)s 名并列，名额线处须由评审委员会决定"), rank=taken[-1].rank))
    named = direct + [s.nomination for s in taken]
    if len(named) < call.quota:
        warnings.append(Message(N_("拟命名 %(n)s 人，少于名额 %(quota)s 人"), n=len(named), quota=call.quota))
    results = check_targets(targets_of(call), [candidate_of(n) for n in named], call.reference_date)
    warnings += [missed_target(r) for r in results if not r.met]
    return Proposal(direct, taken, rest, results, warnings)


def missed_target(result: TargetResult) -> Message:
    """A missed structure target, as the domain words it (a Message, translatable)."""
    return result.message


def confirm_list(call: CraftsmanCall, actor, acknowledged: bool, now: datetime | None = None) -> Proposal:
    """The organiser confirms the proposed list; missed targets must be acknowledged explicitly. Publicity starts."""
    if call.stage not in (Stage.REVIEW, Stage.VOTE, Stage.NAMING):
        raise CraftsmanError(N_("当前阶段不能确定命名名单"))
    if call.vote_enabled and call.stage == Stage.REVIEW:
        raise CraftsmanError(N_("本次评选设有网络投票，请先完成投票"))
    proposal = propose(call)
    if proposal.warnings and not acknowledged:
        raise CraftsmanError(Message(N_("名单有未达到的要求，请确认已知悉后再提交：%(warnings)s"), sep="；",
                                     warnings=tuple(proposal.warnings)))
    contest_nominations = nominations_of(db.session.get(Contest, call.contest_id))
    chosen = {n.id for n in proposal.named}
    for n in contest_nominations:
        n.named = n.id in chosen
    for s in proposal.ranked + proposal.rest:
        s.nomination.final_rank, s.nomination.final_score = s.rank, s.total
    now = now or utcnow()
    # kept as messages, shown later in the reader's language (the audit keeps them in Chinese)
    call.confirmed_at, call.confirmed_warnings = now, [stored(w) for w in proposal.warnings]
    call.stage = Stage.PUBLICITY
    call.publicity_starts = now
    call.publicity_ends = publicity_end(now, call.publicity_days, contest_zone(call.contest))
    snap = _record_snapshot(call, "preliminary", _naming_list_data(call, proposal, now), actor, now)
    record(actor, "craftsman.list.confirm", call, contest_id=call.contest_id,
           summary=f"确定拟命名名单 {len(chosen)} 人，公示至 {call.publicity_ends:%Y-%m-%d}（{snap.number}）",
           data={"named": sorted(chosen), "warnings": [str(w) for w in proposal.warnings], "snapshot": snap.number})
    return proposal


# --- publicity as results snapshots ------------------------------------------------------------------------------
#
# The naming list is published and kept as the event's results snapshots (result_snapshots: numbered, immutable,
# every version readable on the results pages): the publicity list is a preliminary snapshot (P1, P2...), the named
# list the final one (F1). It does not go through `results.services.publish_preliminary`/`finalise`, because that
# workflow publishes the scoring engine's ranking of every active entry on marks alone: the candidates not
# shortlisted have no defence marks (publication is refused), the public vote merge, the direct recognitions (no
# entry, no marks) and the quota cut are not in it, and `finalise` applies the event's awards. So the craftsman call
# keeps its own publicity period (`publicity_starts`/`publicity_ends`, working days to the end of the local day) and
# writes the snapshots itself, numbered as the results workflow numbers them; the results EventResultState is left
# untouched (the scheduler's `end_publicity_if_due` would otherwise try to finalise the marks-only ranking).
# Objections during publicity are the results workflow's appeals on the event (`results.services.lodge_appeal`);
# naming waits until none is pending.

def _num(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _naming_list_data(call: CraftsmanCall, proposal: Proposal, now: datetime) -> dict[str, Any]:
    """The publicised list in the results snapshot's shape (ranking rows with rank, code, name, unit, total, rounds,
    explanation), the directly recognised first (no rank), then the ranked candidates taken."""
    contest = db.session.get(Contest, call.contest_id)
    event = event_of(contest)
    entries = {e.entrant_id: e for e in db.session.scalars(select(Entry).where(Entry.event_id == event.id))}
    rows = []
    for n in proposal.direct:
        rows.append({"rank": None, "entry_id": None, "nomination_id": n.id, "number": None, "code": None,
                     "name": n.name, "unit": n.unit_org.name, "employer": n.employer, "total": None, "time": None,
                     "vetoed": False, "passed": True, "tied_with": [], "decision": "直接认定", "rounds": {},
                     "explanation": f"直接认定：{n.direct_reason or ''}"})
    for st in proposal.ranked:
        n, entry = st.nomination, entries.get(st.nomination.entrant_id)
        rows.append({"rank": st.rank, "entry_id": entry.id if entry else None, "nomination_id": n.id,
                     "number": entry.number if entry else None, "code": entry.code if entry else None,
                     "name": n.name, "unit": n.unit_org.name, "employer": n.employer, "total": _num(st.total),
                     "time": None, "vetoed": False, "passed": True, "tied_with": list(st.tied_with),
                     "decision": None, "rounds": {REVIEW_ROUND: _num(st.review), DEFENCE_ROUND: _num(st.defence)},
                     "votes": st.votes if call.vote_enabled else None, "explanation": st.explanation})
    spec = spec_of(contest).events[0]
    return {
        "contest": {"id": contest.id, "code": contest.code, "name": contest.name},
        "event": {"id": event.id, "code": event.code, "name": event.name},
        "rounds": [{"code": r.code, "name": r.name} for r in spec.rounds],
        "chain": [k.describe() for k in spec.chain],
        "computed_at": now.isoformat(),
        "ranking": rows,
        "withdrawn": [],
        "craftsman": {"title": call.title, "quota": call.quota, "warnings": [str(w) for w in proposal.warnings],
                      "publicity_starts": call.publicity_starts.isoformat() if call.publicity_starts else None,
                      "publicity_ends": call.publicity_ends.isoformat() if call.publicity_ends else None,
                      "vote_weight": str(call.vote_weight) if call.vote_enabled else None},
    }


def _record_snapshot(call: CraftsmanCall, kind: str, data: dict[str, Any], actor, now: datetime):
    """A new effective snapshot of the selection's event, numbered `<contest>/<event>/P<n>` or `F<n>` as the results
    workflow numbers its own (the unique (event, kind, version) arbitrates two concurrent publications)."""
    contest = db.session.get(Contest, call.contest_id)
    event = event_of(contest)
    kind = SnapshotKind(kind)
    version = (db.session.scalar(select(func.max(ResultSnapshot.version)).where(
        ResultSnapshot.event_id == event.id, ResultSnapshot.kind == kind)) or 0) + 1
    letter = "P" if kind == SnapshotKind.PRELIMINARY else "F"
    snap = ResultSnapshot(event_id=event.id, kind=kind, version=version, status="effective",
                          number=f"{contest.code}/{event.code}/{letter}{version}", data=data, reason=None,
                          created_by_id=getattr(actor, "id", None), created_at=now)
    db.session.add(snap)
    db.session.flush()
    record(actor, "results.publish" if letter == "P" else "results.finalise", snap, contest_id=contest.id,
           summary=f"{event.name}：{'公示' if letter == 'P' else '命名'}名单 {snap.number}")
    return snap


def publicity_snapshots(contest: Contest) -> list:
    """Every published version of the naming list (the event's results snapshots), oldest first."""
    if not contest.events:
        return []
    return list(db.session.scalars(select(ResultSnapshot).where(ResultSnapshot.event_id == event_of(contest).id)
                                   .order_by(ResultSnapshot.created_at, ResultSnapshot.id)))


def current_publicity_snapshot(contest: Contest):
    snaps = [s for s in publicity_snapshots(contest) if s.kind == SnapshotKind.PRELIMINARY and s.status == "effective"]
    return snaps[-1] if snaps else None


def pending_objections(contest: Contest) -> int:
    """Objections lodged during publicity (the results workflow's appeals on the event) not yet decided."""
    return pending_appeals(event_of(contest)) if contest.events else 0


def publicity_end(start: datetime, days: int, zone) -> datetime:
    """End of the publicity period: `days` working days (Mon–Fri) after `start`, at the end of that day in `zone`."""
    day = add_working_days(start.astimezone(zone), days).date()
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone)


def name_titles(call: CraftsmanCall, actor, now: datetime | None = None) -> list[CraftsmanTitle]:
    """命名: after publicity, each named candidate receives the title with a numbered certificate serial."""
    now = now or utcnow()
    if call.stage != Stage.PUBLICITY:
        raise CraftsmanError(N_("须先确定名单并完成公示"))
    if call.publicity_ends and now < call.publicity_ends:
        until = call.publicity_ends.astimezone(contest_zone(call.contest))
        raise CraftsmanError(Message(N_("公示期至 %(until)s，公示结束后才能命名"), until=f"{until:%Y-%m-%d %H:%M}"))
    contest = db.session.get(Contest, call.contest_id)
    pending = pending_objections(contest)
    if pending:
        raise CraftsmanError(Message(N_("公示期间收到的 %(n)s 件异议尚未处理，处理后才能命名"), n=pending))
    published = current_publicity_snapshot(contest)
    named = [n for n in nominations_of(contest) if n.named]
    named.sort(key=lambda n: (n.status != NominationStatus.DIRECT, n.final_rank or 0, n.id))
    titles = []
    for i, n in enumerate(named, 1):
        t = CraftsmanTitle(contest_id=contest.id, nomination_id=n.id, serial=f"GJ{contest.year or now.year}"
                           f"{contest.id:03d}{i:03d}", holder=n.name, unit=n.employer or n.unit_org.name,
                           title=call.title)
        db.session.add(t)
        titles.append(t)
    call.stage, call.named_at = Stage.NAMED, now
    db.session.flush()
    if published is not None:  # the named list = the publicised list, kept as the final snapshot with the serials
        serials = {t.nomination_id: t.serial for t in titles}
        data = dict(published.data)
        data["computed_at"] = now.isoformat()
        data["ranking"] = [dict(row, serial=serials.get(row.get("nomination_id"))) for row in data["ranking"]]
        data["craftsman"] = dict(data.get("craftsman") or {}, named_at=now.isoformat(), publicity=published.number)
        _record_snapshot(call, "final", data, actor, now)
    for t in titles:
        record(actor, "certificate.title", t, contest_id=contest.id, summary=f"命名 {t.holder} 为“{t.title}”，证书 {t.serial}")
    _issue_certificates(contest, titles, actor)
    return titles


def _issue_certificates(contest: Contest, titles: Sequence[CraftsmanTitle], actor) -> None:
    """Register the title certificates with the certificate issue, keeping the serials given at naming, so that
    /verify/<serial> finds them and reprints, revocation and batches work as for every certificate."""
    if not titles:
        return
    by_id = {n.id: n for n in nominations_of(contest)}
    issue(contest, [CertificateRequest(
        holder=t.holder, award=t.title, kind="craftsman", id_number=by_id[t.nomination_id].id_number,
        entrant_id=by_id[t.nomination_id].entrant_id, unit=t.unit, rank=i, serial=t.serial, source="craftsman",
        fields={"title": t.title, "unit": t.unit}) for i, t in enumerate(titles, 1)], actor=actor)


def titles_of(contest: Contest) -> list[CraftsmanTitle]:
    return list(db.session.scalars(select(CraftsmanTitle).where(CraftsmanTitle.contest_id == contest.id)
                                   .order_by(CraftsmanTitle.serial)))


def certificate_records(contest: Contest):
    """One CertificateData per title, from the certificate issue's records (same serials and signed links)."""
    serials = [t.serial for t in titles_of(contest)]
    rows = {c.serial: c for c in db.session.scalars(select(Certificate).where(Certificate.serial.in_(serials)))}
    setup = setup_of(contest)
    return [certificate_data(rows[s], contest, setup) for s in serials if s in rows]


def render_certificates(contest: Contest, out) -> int:
    """All title certificates of a contest in one PDF (layout `craftsman`); returns the page count."""
    records = certificate_records(contest)
    if not records:
        raise CraftsmanError(N_("还没有命名，无法生成证书"))
    return render_batch("craftsman", records, out, title=f"{contest.name} 工匠称号证书").pages
