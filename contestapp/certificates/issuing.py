"""Issuing and revoking certificates. Services never commit.

Other areas issue certificates through one call::

    from contestapp.certificates.issuing import CertificateRequest, issue
    result = issue(contest, [CertificateRequest(holder="张三", award="一等奖", kind="award", entrant_id=7,
                                                event_code="welder", rank=1, unit="某某公司")], actor=user)

Issuing the same request again (same kind, event, person and award) returns the certificate already issued, with
its serial. The lists a batch issues come from the providers registered in `contestapp.common.recipients` (award
lists, craftsman titles, merit honours); this area imports none of those areas.
"""
from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from sqlalchemy import or_, select

from contestapp.audit.service import record
from contestapp.certificates.errors import CertificateError
from contestapp.certificates.fonts import FontSet
from contestapp.certificates.layout import Layout
from contestapp.certificates.models import KINDS, Certificate, CertificateStatus
from contestapp.certificates.printing import certificate_data, fonts, layout_for
from contestapp.certificates.render import check_records
from contestapp.certificates.serials import SERIAL_RE, allocate_serials, setup_of
from contestapp.common.db import utcnow
from contestapp.common.recipients import Recipient, recipients
from contestapp.contests.models import Contest, Event
from contestapp.domain.idcard import mask_id_number
from contestapp.extensions import db
from contestapp.i18n import N_, Message


# --- requests ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CertificateRequest(Recipient):
    """One certificate to issue: a recipient (see `contestapp.common.recipients.Recipient` for the fields; the full
    ID number is never stored, only its masked form) and the list it came from (`source`)."""

    source: str = "manual"

    def key(self) -> str:
        if self.entrant_id:
            person = f"e{self.entrant_id}"
        elif self.id_number:
            person = "i" + hashlib.sha256(self.id_number.strip().upper().encode()).hexdigest()[:20]
        else:
            person = "n" + self.holder.strip()
        return f"{self.kind}|{self.event_code}|{person}|{self.award.strip()}"[:300]

    @classmethod
    def of(cls, recipient: Recipient, source: str) -> CertificateRequest:
        return cls(**{f.name: getattr(recipient, f.name) for f in dataclasses.fields(Recipient)}, source=source)


@dataclass
class IssueResult:
    certificates: list[Certificate]  # in award order, the revoked ones left out
    new: int = 0
    existing: int = 0
    revoked: list[Certificate] = field(default_factory=list)  # asked for again, but revoked: not printed


# --- issuing -------------------------------------------------------------------------------------------------------------

def _events(contest: Contest) -> dict[str, Event]:
    return {e.code: e for e in contest.events}


def issue(contest: Contest, requests: Sequence[CertificateRequest], layout: Layout | None = None, actor=None, *,
          mode: str = "full", check_fonts: FontSet | None = None) -> IssueResult:
    """Issue certificates for `requests` (all of one kind), reusing the serials of those issued before.

    Everything is checked first, nothing is written when one request is wrong: a name or unit with a character no
    font has raises MissingGlyphError naming the person and the character; missing values CertificateDataError;
    other problems CertificateError. The caller commits.
    """
    if not requests:
        raise CertificateError(N_("没有需要发放的证书"))
    kinds = {r.kind for r in requests}
    if len(kinds) != 1 or not kinds <= set(KINDS):
        raise CertificateError(Message(N_("一次只能发放一种证书（%(kinds)s）"), kinds=", ".join(sorted(kinds))))
    kind = kinds.pop()
    events = _events(contest)
    for r in requests:
        if not r.holder.strip() or not r.award.strip():
            raise CertificateError(Message(N_("证书缺少姓名或奖项：%(holder)s %(award)s"),
                                           holder=r.holder or Message(N_("（无姓名）")), award=r.award))
        if r.event_code and r.event_code not in events:
            raise CertificateError(Message(N_("%(holder)s：本竞赛没有赛项「%(event)s」"), holder=r.holder,
                                           event=r.event_code))
        if r.serial and not SERIAL_RE.match(r.serial):
            raise CertificateError(Message(N_("%(holder)s：证书编号「%(serial)s」只能包含字母、数字和 - _ ."),
                                           holder=r.holder, serial=r.serial))
    keys = [r.key() for r in requests]
    if len(set(keys)) != len(keys):
        dup = next(r for r, k in zip(requests, keys) if keys.count(k) > 1)
        raise CertificateError(Message(N_("名单中 %(holder)s 的「%(award)s」重复出现"), holder=dup.holder,
                                       award=dup.award))
    existing = {c.key: c for c in db.session.scalars(
        select(Certificate).where(Certificate.contest_id == contest.id, Certificate.key.in_(keys)))}
    given = [r.serial for r in requests if r.serial and r.key() not in existing]
    if given:
        taken = set(db.session.scalars(select(Certificate.serial).where(Certificate.serial.in_(given))))
        if taken:
            raise CertificateError(Message(N_("证书编号已被使用：%(serials)s"), serials=", ".join(sorted(taken)[:5])))

    setup = setup_of(contest)
    layout = layout or layout_for(contest, kind)
    # the glyph and value check before anything is written: nothing is half-issued
    preview = []
    for r, k in zip(requests, keys):
        old = existing.get(k)
        probe = Certificate(serial=old.serial if old else (r.serial or "CHECK-0001"),
                            issued_at=old.issued_at if old else utcnow())
        preview.append(certificate_data(_fill(probe, r, events), contest, setup, "http://check"))
    check_records(layout, preview, check_fonts or fonts(), mode)

    result = IssueResult([])
    new_by_event: dict[str, list[Certificate]] = {}
    for position, (r, k) in enumerate(zip(requests, keys)):
        cert = existing.get(k)
        if cert is None:
            cert = Certificate(contest_id=contest.id, key=k, kind=kind, issued_by=getattr(actor, "id", None),
                               status=CertificateStatus.VALID, serial=r.serial or "")
            _fill(cert, r, events)
            if not r.serial:
                new_by_event.setdefault(r.event_code, []).append(cert)
            result.new += 1
        else:
            changed = {name: (getattr(cert, name), value) for name, value in _details(r, events).items()
                       if getattr(cert, name) != value}
            if changed:
                _fill(cert, r, events)
                record(actor, "certificate.update", cert, contest_id=contest.id,
                       summary=f"证书 {cert.serial} 信息更新：{'，'.join(changed)}",
                       data={k2: {"from": a, "to": b} for k2, (a, b) in changed.items() if k2 != "id_masked"})
            result.existing += 1
            if cert.status == CertificateStatus.REVOKED:
                result.revoked.append(cert)
                continue
        cert.position = position
        result.certificates.append(cert)
    for event_code, certs in new_by_event.items():
        for cert, serial in zip(certs, allocate_serials(contest, setup.serial_pattern, kind, event_code, len(certs))):
            cert.serial = serial
    fresh = [c for c in result.certificates if c.id is None]
    db.session.add_all(fresh)
    db.session.flush()
    for cert in fresh:
        record(actor, "certificate.issue", cert, contest_id=contest.id,
               summary=f"发放{cert.kind_label} {cert.serial}：{cert.holder} {cert.award}",
               data={"serial": cert.serial, "source": cert.source})
    result.certificates.sort(key=lambda c: (c.event_order, c.rank or 10**9, c.position))
    return result


def _details(r: CertificateRequest, events: Mapping[str, Event]) -> dict:
    event = events.get(r.event_code)
    fields = dict(r.fields)
    unit = fields.pop("unit", None) or r.unit
    return {
        "holder": r.holder.strip(), "award": r.award.strip(), "unit": unit or "",
        "id_masked": mask_id_number(r.id_number.strip()) if r.id_number else "",
        "entrant_id": r.entrant_id, "event_id": event.id if event else None, "event_code": r.event_code,
        "event_name": event.name if event else "", "event_order": event.order if event else 0, "rank": r.rank,
        "source": r.source, "fields": fields,
    }


def _fill(cert: Certificate, r: CertificateRequest, events: Mapping[str, Event]) -> Certificate:
    for name, value in _details(r, events).items():
        setattr(cert, name, value)
    return cert


def revoke(cert: Certificate, reason: str, actor) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(N_("撤销证书必须填写原因"))
    if cert.status == CertificateStatus.REVOKED:
        raise CertificateError(Message(N_("证书 %(serial)s 已于此前撤销"), serial=cert.serial))
    cert.status, cert.revoked_at, cert.revoke_reason = CertificateStatus.REVOKED, utcnow(), reason[:500]
    record(actor, "certificate.revoke", cert, contest_id=cert.contest_id,
           summary=f"撤销证书 {cert.serial}（{cert.holder} {cert.award}）：{reason}"[:500],
           data={"serial": cert.serial, "reason": reason})


def certificates_query(contest: Contest, q: str = "", kind: str | None = None, event_id: int | None = None,
                       status: str | None = None):
    stmt = select(Certificate).where(Certificate.contest_id == contest.id)
    if kind:
        stmt = stmt.where(Certificate.kind == kind)
    if event_id:
        stmt = stmt.where(Certificate.event_id == event_id)
    if status:
        stmt = stmt.where(Certificate.status == status)
    if q:  # matched literally: % and _ are not wildcards (autoescape)
        stmt = stmt.where(or_(*(column.contains(q, autoescape=True) for column in (
            Certificate.holder, Certificate.serial, Certificate.award, Certificate.unit))))
    return stmt.order_by(Certificate.kind, Certificate.event_order, Certificate.rank, Certificate.position,
                         Certificate.id)

# --- sources -------------------------------------------------------------------------------------------------------------

def requests_from(contest: Contest, source: str, kind: str, event: Event | None = None) -> list[CertificateRequest]:
    """The list of a registered recipient source (awards, craftsman, merit...), as requests to issue."""
    return [CertificateRequest.of(r, source) for r in recipients(source, contest, kind, event)]


def issued_certificates(contest: Contest, kind: str, event: Event | None = None) -> list[Certificate]:
    stmt = select(Certificate).where(Certificate.contest_id == contest.id, Certificate.kind == kind,
                                     Certificate.status == CertificateStatus.VALID)
    if event is not None:
        stmt = stmt.where(Certificate.event_id == event.id)
    certs = list(db.session.scalars(stmt.order_by(Certificate.event_order, Certificate.rank, Certificate.position,
                                                  Certificate.id)))
    if not certs:
        raise CertificateError(N_("没有已发放的有效证书可重印"))
    return certs
