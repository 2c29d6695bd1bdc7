"""Issuing, printing, verifying and revoking certificates. Services never commit (except `run_batch`, which is a job:
it runs outside a request, in its own app context, and commits its progress like a CLI command).

Other areas issue certificates through one call::

    from contestapp.certificates.services import CertificateRequest, issue
    result = issue(contest, [CertificateRequest(holder="张三", award="一等奖", kind="award", entrant_id=7,
                                                event_code="welder", rank=1, unit="某某公司")], actor=user)

Issuing the same request again (same kind, event, person and award) returns the certificate already issued, with
its serial. Sources offered by the console and the CLI: `awards` (the award list of the official final result
snapshot, contestapp.awards), `craftsman` (titles named in a craftsman selection, contestapp.craftsman) and `merit`
(the year's honours of a merit contest, contestapp.merit); each is read through a small adapter below, imported
only when used.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import string
import threading
import zipfile
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import or_, select, update

from contestapp.audit.service import record
from contestapp.certificates.fonts import FontError, FontSet, MissingGlyphError, load_fonts
from contestapp.certificates.layout import Layout, LayoutError, builtin_layout, parse_layout, validate_layout
from contestapp.certificates.models import (
    DEFAULT_SERIAL_PATTERN,
    KIND_LABELS,
    BatchStatus,
    Certificate,
    CertificateBatch,
    CertificateKind,
    CertificateLayout,
    CertificateSetup,
    CertificateStatus,
    PrinterOffset,
    SerialCounter,
)
from contestapp.certificates.render import (
    CertificateData,
    CertificateDataError,
    check_records,
    render_batch,
    render_calibration,
    render_one,
    render_preview,
)
from contestapp.common.db import utcnow
from contestapp.contests.models import Contest, Event
from contestapp.domain.idcard import mask_id_number
from contestapp.extensions import db
from contestapp.i18n import N_

log = logging.getLogger(__name__)

KINDS = tuple(k.value for k in CertificateKind)
BUILTIN_FOR_KIND = {"award": "award", "title": "title", "craftsman": "craftsman", "honour": "honour"}
SOURCES = {"awards": N_("竞赛获奖名单"), "craftsman": N_("工匠命名名单"), "merit": N_("立功竞赛荣誉名单"),
           "issued": N_("已发证书（重印）")}
SIG_LENGTH = 16  # hex digits of HMAC-SHA256 kept in the link (64 bits)
SERIAL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
PATTERN_FIELDS = ("year", "contest", "event", "kind", "seq")
KIND_LETTER = {"award": "A", "title": "T", "craftsman": "C", "honour": "H"}
ZONE = ZoneInfo("Asia/Shanghai")


class CertificateError(ValueError):
    """A request the organiser must fix (message in Chinese)."""


# --- requests ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CertificateRequest:
    """One certificate to issue.

    `holder` is the person's or unit's name as printed; `award` the award or title text (一等奖, 某某市技术能手,
    先进集体...). `id_number` is only used to print/store its masked form and to tell namesakes apart; it is never
    stored in full. `serial` keeps a serial another area has already given out (e.g. a craftsman title);
    `fields` adds or overrides layout values ({"unit": ..., "title": ...}). `rank` orders the batch (award order).
    """

    holder: str
    award: str
    kind: str = "award"
    id_number: str | None = None
    entrant_id: int | None = None
    event_code: str = ""
    unit: str = ""
    rank: int = 0
    serial: str | None = None
    source: str = "manual"
    fields: Mapping[str, str] = field(default_factory=dict)

    def key(self) -> str:
        if self.entrant_id:
            person = f"e{self.entrant_id}"
        elif self.id_number:
            person = "i" + hashlib.sha256(self.id_number.strip().upper().encode()).hexdigest()[:20]
        else:
            person = "n" + self.holder.strip()
        return f"{self.kind}|{self.event_code}|{person}|{self.award.strip()}"[:300]


@dataclass
class IssueResult:
    certificates: list[Certificate]  # in award order, the revoked ones left out
    new: int = 0
    existing: int = 0
    revoked: list[Certificate] = field(default_factory=list)  # asked for again, but revoked: not printed


# --- settings, serials ---------------------------------------------------------------------------------------------

def setup_of(contest: Contest) -> CertificateSetup:
    setup = db.session.get(CertificateSetup, contest.id)
    if setup is None:
        setup = CertificateSetup(contest_id=contest.id, serial_pattern=DEFAULT_SERIAL_PATTERN)
        db.session.add(setup)
        db.session.flush()
    return setup


def _pattern_parts(pattern: str) -> list[tuple[str, str | None, str]]:
    try:
        return [(lit, name, spec or "") for lit, name, spec, _ in string.Formatter().parse(pattern)]
    except ValueError as exc:
        raise CertificateError(f"证书编号格式有误：{exc}") from None


def check_pattern(pattern: str) -> list[str]:
    """Problems of a serial pattern such as `{year}-{event}-{seq:04d}` (Chinese), empty when usable."""
    problems = []
    try:
        parts = _pattern_parts(pattern)
    except CertificateError as exc:
        return [str(exc)]
    names = [n for _, n, _ in parts if n is not None]
    unknown = [n for n in names if n not in PATTERN_FIELDS]
    if unknown:
        problems.append(f"未知的占位符 {', '.join('{' + n + '}' for n in unknown)}（可用：{{year}} {{contest}} {{event}} "
                        f"{{kind}} {{seq:04d}}）")
    if names.count("seq") != 1:
        problems.append("须包含且只包含一个序号 {seq}，例如 {seq:04d}")
    for _, n, spec in parts:
        if n == "seq" and spec and not re.fullmatch(r"0?\d?d", spec):
            problems.append("序号格式只能是 {seq} 或 {seq:04d} 这样的位数")
    if not problems:
        sample = format_serial(pattern, {"year": "2025", "contest": "C", "event": "E", "kind": "A"}, 1)
        if not SERIAL_RE.match(sample):
            problems.append("证书编号只能包含字母、数字和 - _ .（不超过 64 个字符）")
    return problems


def format_serial(pattern: str, values: Mapping[str, str], seq: int | None) -> str:
    """The serial for `seq`; with seq None, the prefix key its counter is kept under (seq shown as '#')."""
    out = []
    for lit, name, spec in _pattern_parts(pattern):
        out.append(lit)
        if name == "seq":
            out.append("#" if seq is None else format(seq, spec or "d"))
        elif name is not None:
            out.append(str(values.get(name, "")))
    return "".join(out)


def _pattern_values(contest: Contest, kind: str, event_code: str) -> dict[str, str]:
    year = contest.year or (contest.starts_on.year if contest.starts_on else utcnow().astimezone(ZONE).year)
    return {"year": str(year), "contest": contest.code, "event": event_code or "ALL", "kind": KIND_LETTER.get(kind, "X")}


def _ensure_counter(contest_id: int, scope: str) -> None:
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(SerialCounter).values(contest_id=contest_id, scope=scope, last=0)
                       .on_conflict_do_nothing(index_elements=["contest_id", "scope"]))


def allocate_numbers(contest_id: int, scope: str, count: int) -> list[int]:
    """`count` fresh sequence numbers for a serial prefix: one atomic UPDATE moves the counter, so concurrent
    issuers (threads, processes, web and CLI) never receive the same number; the row stays locked until commit."""
    _ensure_counter(contest_id, scope)
    where = (SerialCounter.contest_id == contest_id, SerialCounter.scope == scope)
    db.session.execute(update(SerialCounter).where(*where).values(last=SerialCounter.last + count)
                       .execution_options(synchronize_session=False))
    last = db.session.scalar(select(SerialCounter.last).where(*where))
    return list(range(last - count + 1, last + 1))


def _allocate_serials(contest: Contest, pattern: str, kind: str, event_code: str, count: int) -> list[str]:
    values = _pattern_values(contest, kind, event_code)
    scope = format_serial(pattern, values, None)[:100]
    serials: list[str] = []
    for _attempt in range(5):  # numbers taken by serials given elsewhere (e.g. a changed pattern) are skipped
        wanted = count - len(serials)
        fresh = [format_serial(pattern, values, n) for n in allocate_numbers(contest.id, scope, wanted)]
        bad = [s for s in fresh if not SERIAL_RE.match(s)]
        if bad:
            raise CertificateError(f"证书编号「{bad[0]}」含不允许的字符：编号只能包含字母、数字和 - _ .；"
                                   f"请修改编号格式或赛项代码")
        taken = set(db.session.scalars(select(Certificate.serial).where(Certificate.serial.in_(fresh))))
        serials += [s for s in fresh if s not in taken]
        if len(serials) == count:
            return serials
    raise CertificateError(N_("无法分配证书编号：编号格式产生的编号已被占用，请修改编号格式"))


# --- signing and verification ----------------------------------------------------------------------------------------

def sign_serial(serial: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"certificate:{serial}".encode(), hashlib.sha256).hexdigest()[:SIG_LENGTH]


def signature_ok(serial: str, sig: str | None) -> bool:
    return bool(sig) and hmac.compare_digest(sign_serial(serial), sig.strip().lower())


def base_url(fallback: str | None = None) -> str:
    """Where the QR codes point: CONTESTAPP_PUBLIC_URL when set, else the address the organiser is using."""
    return (current_app.config.get("PUBLIC_BASE_URL") or fallback or "http://localhost").rstrip("/")


def verify_url(serial: str, base: str | None = None) -> str:
    return f"{base_url(base)}/verify/{quote(serial)}?sig={sign_serial(serial)}"


@dataclass
class Verification:
    state: str  # valid / revoked / forged (bad or missing signature) / unknown (signed, but no such certificate)
    certificate: Certificate | None = None


def verify(serial: str, sig: str | None) -> Verification:
    cert = db.session.scalar(select(Certificate).where(Certificate.serial == serial)) if SERIAL_RE.match(serial) \
        else None
    if not signature_ok(serial, sig):
        return Verification("forged", None)  # never say whether a serial exists to an unsigned link
    if cert is None:
        return Verification("unknown", None)
    return Verification(cert.status, cert)


def lookup(serial: str, holder: str) -> Verification:
    """A typed-in check (no QR at hand): serial and holder's name must both match."""
    cert = db.session.scalar(select(Certificate).where(Certificate.serial == serial.strip()))
    if cert is None or cert.holder.strip() != holder.strip():
        return Verification("unknown", None)
    return Verification(cert.status, cert)


# --- layouts and printers --------------------------------------------------------------------------------------------

def layout_row(contest: Contest, kind: str, create: bool = False) -> CertificateLayout | None:
    if kind not in KINDS:
        raise CertificateError(f"未知的证书类型：{kind}")
    row = db.session.scalar(select(CertificateLayout).where(CertificateLayout.contest_id == contest.id,
                                                            CertificateLayout.kind == kind))
    if row is None and create:
        row = CertificateLayout(contest_id=contest.id, kind=kind, builtin=BUILTIN_FOR_KIND[kind], document=None)
        db.session.add(row)
        db.session.flush()
    return row


def layout_document(contest: Contest, kind: str) -> dict:
    row = layout_row(contest, kind)
    if row is not None and row.document is not None:
        return row.document
    return builtin_layout(BUILTIN_FOR_KIND[kind]).to_dict()


def layout_for(contest: Contest, kind: str) -> Layout:
    row = layout_row(contest, kind)
    if row is None or row.document is None:
        return builtin_layout(row.builtin if row else BUILTIN_FOR_KIND[kind])
    return parse_layout(row.document)


def parse_document(text: str) -> tuple[dict | None, list[str]]:
    """A layout document typed in the editor: (document, errors by path)."""
    import json

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [f"JSON 第 {exc.lineno} 行第 {exc.colno} 列: {exc.msg}"]
    errors = validate_layout(data)
    return (data if not errors else None), errors


def save_layout(contest: Contest, kind: str, document: dict | None, actor) -> CertificateLayout:
    """Store an edited layout (validated), or go back to the built-in one with document None."""
    if document is not None:
        errors = validate_layout(document)
        if errors:
            raise LayoutError(errors)
    row = layout_row(contest, kind, create=True)
    row.document = document
    row.updated_by = getattr(actor, "id", None)
    row.updated_at = utcnow()
    record(actor, "certificate.layout", row, contest_id=contest.id,
           summary=f"{'修改' if document is not None else '恢复内置'}{KIND_LABELS[CertificateKind(kind)]}版式")
    return row


def save_printer(contest: Contest, kind: str, printer: str, dx: Decimal, dy: Decimal, actor) -> PrinterOffset:
    printer = printer.strip()
    if not printer:
        raise CertificateError(N_("请填写打印机名称"))
    if abs(dx) > 50 or abs(dy) > 50:
        raise CertificateError(N_("校准偏移不能超过 ±50 毫米"))
    row = layout_row(contest, kind, create=True)
    offset = next((p for p in row.printers if p.printer == printer), None)
    if offset is None:
        offset = PrinterOffset(printer=printer)
        row.printers.append(offset)
    offset.dx, offset.dy = Decimal(dx), Decimal(dy)
    db.session.flush()
    record(actor, "certificate.printer", offset, contest_id=contest.id,
           summary=f"打印机「{printer}」校准偏移 dx={dx} dy={dy} 毫米", data={"kind": kind, "dx": dx, "dy": dy})
    return offset


def printer_offset(contest: Contest, kind: str, printer: str | None) -> tuple[float, float]:
    if not printer:
        return 0.0, 0.0
    row = layout_row(contest, kind)
    for p in (row.printers if row else []):
        if p.printer == printer:
            return float(p.dx), float(p.dy)
    raise CertificateError(f"打印机「{printer}」还没有校准（请在版式页面填写偏移量）")


def fonts() -> FontSet:
    return load_fonts(current_app.config.get("CERT_FONT"))


# --- values printed ----------------------------------------------------------------------------------------------------

_DIGITS = "〇一二三四五六七八九"


def chinese_date(d: date) -> str:
    """二〇二五年五月一日."""
    def small(n: int) -> str:
        if n < 10:
            return _DIGITS[n]
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")

    return "".join(_DIGITS[int(c)] for c in str(d.year)) + f"年{small(d.month)}月{small(d.day)}日"


def certificate_data(cert: Certificate, contest: Contest, setup: CertificateSetup, base: str | None = None
                     ) -> CertificateData:
    issued = cert.issued_at.astimezone(ZONE).date() if cert.issued_at else utcnow().astimezone(ZONE).date()
    values = {
        "name": cert.holder, "unit": cert.unit or "", "contest": contest.name, "event": cert.event_name or "",
        "award": cert.award, "title": cert.award, "issuer": setup.issuer or contest.organisation.name,
        "date": setup.date_text or chinese_date(issued), "id_masked": cert.id_masked or "",
    }
    values.update({k: str(v) for k, v in (cert.fields or {}).items()})
    return CertificateData(serial=cert.serial, verify_url=verify_url(cert.serial, base), fields=values,
                           person=cert.holder)


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
        raise CertificateError(f"一次只能发放一种证书（{', '.join(sorted(kinds))}）")
    kind = kinds.pop()
    events = _events(contest)
    for r in requests:
        if not r.holder.strip() or not r.award.strip():
            raise CertificateError(f"证书缺少姓名或奖项：{r.holder or '（无姓名）'} {r.award}")
        if r.event_code and r.event_code not in events:
            raise CertificateError(f"{r.holder}：本竞赛没有赛项「{r.event_code}」")
        if r.serial and not SERIAL_RE.match(r.serial):
            raise CertificateError(f"{r.holder}：证书编号「{r.serial}」只能包含字母、数字和 - _ .")
    keys = [r.key() for r in requests]
    if len(set(keys)) != len(keys):
        dup = next(r for r, k in zip(requests, keys) if keys.count(k) > 1)
        raise CertificateError(f"名单中 {dup.holder} 的「{dup.award}」重复出现")
    existing = {c.key: c for c in db.session.scalars(
        select(Certificate).where(Certificate.contest_id == contest.id, Certificate.key.in_(keys)))}
    given = [r.serial for r in requests if r.serial and r.key() not in existing]
    if given:
        taken = set(db.session.scalars(select(Certificate.serial).where(Certificate.serial.in_(given))))
        if taken:
            raise CertificateError(f"证书编号已被使用：{', '.join(sorted(taken)[:5])}")

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
        for cert, serial in zip(certs, _allocate_serials(contest, setup.serial_pattern, kind, event_code, len(certs))):
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
        raise CertificateError(f"证书 {cert.serial} 已于此前撤销")
    cert.status, cert.revoked_at, cert.revoke_reason = CertificateStatus.REVOKED, utcnow(), reason[:500]
    record(actor, "certificate.revoke", cert, contest_id=cert.contest_id,
           summary=f"撤销证书 {cert.serial}（{cert.holder} {cert.award}）：{reason}"[:500],
           data={"serial": cert.serial, "reason": reason})


def mark_printed(certs: Iterable[Certificate], actor, how: str) -> int:
    """Count a print; every print after the first is a reprint, logged in the audit log. Returns reprints."""
    now, reprints = utcnow(), 0
    for cert in certs:
        if cert.printed_at is not None:
            cert.reprints += 1
            reprints += 1
            record(actor, "certificate.reprint", cert, contest_id=cert.contest_id,
                   summary=f"重印证书 {cert.serial}（第 {cert.reprints} 次重印，{how}）",
                   data={"serial": cert.serial, "reprints": cert.reprints, "how": how})
        cert.printed_at = now
    return reprints


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
    if source == "awards":
        return requests_from_awards(contest, kind, event)
    if source == "craftsman":
        return requests_from_craftsman(contest)
    if source == "merit":
        return requests_from_merit(contest, event)
    raise CertificateError(f"未知的名单来源：{source}")


def requests_from_awards(contest: Contest, kind: str = "award", event: Event | None = None
                         ) -> list[CertificateRequest]:
    """The official award list (contestapp.awards: grants of each event's latest effective final snapshot).
    kind "award" gives the awards (一等奖...), kind "title" the titles (技术能手...)."""
    try:
        from contestapp.awards.models import AwardGrant
        from contestapp.results.services import official_snapshot
    except ImportError:  # pragma: no cover - before the awards area is installed
        raise CertificateError(N_("获奖名单模块尚未启用：请在成绩定稿后再发证")) from None
    from contestapp.entrants.models import Entrant, Entry

    wanted = "title" if kind == "title" else "award"
    out: list[CertificateRequest] = []
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
            out.append(CertificateRequest(holder=person.name, award=grant.name, kind=wanted,
                                          id_number=person.id_number, entrant_id=person.id, event_code=ev.code,
                                          unit=person.unit_name, rank=grant.rank, source="awards"))
    if not out:
        raise CertificateError("没有可发证的获奖名单：成绩须已定稿并生效" + (f"（{event.name}）" if event else ""))
    return out


def requests_from_craftsman(contest: Contest) -> list[CertificateRequest]:
    """Titles named in a craftsman selection (contestapp.craftsman), with the serials given at naming."""
    try:
        from contestapp.craftsman.models import CraftsmanTitle, Nomination
    except ImportError:  # pragma: no cover
        raise CertificateError(N_("工匠评选模块尚未启用")) from None
    out = []
    rows = db.session.execute(select(CraftsmanTitle, Nomination).join(Nomination, Nomination.id ==
                                                                     CraftsmanTitle.nomination_id)
                              .where(CraftsmanTitle.contest_id == contest.id).order_by(CraftsmanTitle.serial))
    for rank, (t, n) in enumerate(rows, 1):
        out.append(CertificateRequest(holder=t.holder, award=t.title, kind="craftsman",
                                      id_number=getattr(n, "id_number", None), unit=t.unit, rank=rank,
                                      serial=t.serial, source="craftsman"))
    if not out:
        raise CertificateError(N_("还没有命名的工匠，无法发证"))
    return out


def requests_from_merit(contest: Contest, event: Event | None = None) -> list[CertificateRequest]:
    """The year's honours of a merit contest (contestapp.merit Honour rows that are not pending a decision)."""
    try:
        from contestapp.merit.models import Honour, HonourRule
    except ImportError:  # pragma: no cover
        raise CertificateError(N_("立功竞赛模块尚未启用")) from None
    from contestapp.entrants.models import Entrant, Entry

    stmt = (select(Honour, Entrant, Event).join(HonourRule, HonourRule.id == Honour.rule_id)
            .join(Event, Event.id == HonourRule.event_id).join(Entry, Entry.id == Honour.entry_id)
            .join(Entrant, Entrant.id == Entry.entrant_id)
            .where(Honour.contest_id == contest.id, Honour.pending.is_(False)))
    if event is not None:
        stmt = stmt.where(Event.id == event.id)
    out = []
    for h, person, ev in db.session.execute(stmt.order_by(Event.order, Honour.label, Honour.rank, Honour.id)):
        out.append(CertificateRequest(holder=h.entrant_name, award=h.label, kind="honour",
                                      id_number=person.id_number, entrant_id=person.id, event_code=ev.code,
                                      unit=h.unit_name or "", rank=h.rank, source="merit"))
    if not out:
        raise CertificateError(N_("没有已确定的荣誉名单"))
    return out


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


# --- printing ------------------------------------------------------------------------------------------------------------

def batch_dir() -> Path:
    path = Path(current_app.config["INSTANCE_PATH"]) / "certificates"
    path.mkdir(parents=True, exist_ok=True)
    return path


def safe_filename(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", text).strip(" .")[:60] or "证书"


def zip_member_name(cert: Certificate) -> str:
    return f"{cert.serial}_{safe_filename(cert.holder)}.pdf"


def create_batch(contest: Contest, source: str, kind: str, event: Event | None, mode: str, printer: str | None,
                 actor) -> CertificateBatch:
    if source not in SOURCES:
        raise CertificateError(f"未知的名单来源：{source}")
    if kind not in KINDS:
        raise CertificateError(f"未知的证书类型：{kind}")
    if mode not in ("full", "overlay"):
        raise CertificateError(N_("打印方式须为 full（全彩）或 overlay（套打）"))
    printer_offset(contest, kind, printer or None)  # refuse an uncalibrated printer now, not in the job
    batch = CertificateBatch(contest_id=contest.id, source=source, kind=kind, event_id=event.id if event else None,
                             mode=mode, printer=printer or None, created_by=getattr(actor, "id", None),
                             status=BatchStatus.QUEUED, phase=N_("排队中"))
    db.session.add(batch)
    db.session.flush()
    return batch


def run_batch(batch_id: int, base: str | None = None, progress: Callable[[int, int, str], None] | None = None,
              actor=None) -> CertificateBatch:
    """The issuing job: gather the list, issue (serials), render the batch PDF and the ZIP of single PDFs.

    Commits as it goes (it is a job, like a CLI command): the certificates once issued, the progress every few
    pages. A problem stops it before anything is issued (missing glyph, missing value, bad list) and is kept in
    `batch.error` in Chinese for the organiser.
    """
    from contestapp.auth.models import User

    batch = db.session.get(CertificateBatch, batch_id)
    actor = actor or (db.session.get(User, batch.created_by) if batch.created_by else None)
    contest = db.session.get(Contest, batch.contest_id)
    event = db.session.get(Event, batch.event_id) if batch.event_id else None

    def step(done: int, total: int, phase: str) -> None:
        batch.done, batch.total, batch.phase = done, total, phase
        db.session.commit()
        if progress:
            progress(done, total, phase)

    try:
        batch.status = BatchStatus.RUNNING
        step(0, 0, N_("检查名单和字形"))
        layout = layout_for(contest, batch.kind)
        offset = printer_offset(contest, batch.kind, batch.printer)
        font_set = fonts()
        if batch.source == "issued":
            certs = issued_certificates(contest, batch.kind, event)
            batch.issued = 0
            check_records(layout, [certificate_data(c, contest, setup_of(contest), base) for c in certs], font_set,
                          batch.mode)
        else:
            result = issue(contest, requests_from(contest, batch.source, batch.kind, event), layout, actor,
                           mode=batch.mode, check_fonts=font_set)
            certs = result.certificates
            batch.issued = result.new
            if not certs:
                raise CertificateError(N_("名单中的证书均已撤销，没有可打印的证书"))
        db.session.commit()  # the certificates exist from here on, with their serials

        setup = setup_of(contest)
        records = [certificate_data(c, contest, setup, base) for c in certs]
        n = len(records)
        total = 2 * n
        step(0, total, N_("生成合并 PDF"))
        stem = f"batch-{batch.id}-{contest.code}-{batch.kind}" + (f"-{event.code}" if event else "")
        stem = safe_filename(stem)
        title = f"{contest.name} {KIND_LABELS[CertificateKind(batch.kind)]}" + (f" · {event.name}" if event else "")
        every = max(1, min(200, n // 20))
        render_batch(layout, records, batch_dir() / f"{stem}.pdf", mode=batch.mode, offset=offset, fonts=font_set,
                     title=title, progress=lambda d, t: step(d, total, "生成合并 PDF"), progress_every=every)
        batch.pdf_name = f"{stem}.pdf"
        step(n, total, N_("生成单人 PDF"))
        tmp = batch_dir() / f"{stem}.zip.part"
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:  # PDFs are compressed already
            for i, (cert, rec) in enumerate(zip(certs, records), 1):
                zf.writestr(zip_member_name(cert), render_one(layout, rec, mode=batch.mode, offset=offset,
                                                              fonts=font_set, title=f"{title} {cert.serial}"))
                if i % every == 0 or i == n:
                    step(n + i, total, "生成单人 PDF")
        os.replace(tmp, batch_dir() / f"{stem}.zip")
        batch.zip_name = f"{stem}.zip"
        how = f"批次 {batch.id}，" + ("套打" if batch.mode == "overlay" else "全彩") + \
            (f"，打印机 {batch.printer}" if batch.printer else "")
        batch.reprinted = mark_printed(certs, actor, how)
        batch.status, batch.phase, batch.finished_at = BatchStatus.DONE, N_("已完成"), utcnow()
        db.session.commit()
    except (MissingGlyphError, CertificateDataError, CertificateError, FontError, LayoutError) as exc:
        _fail(batch_id, str(exc))
    except Exception as exc:  # noqa: BLE001 - a job must record its end whatever happened
        log.exception("certificate batch %s failed", batch_id)
        _fail(batch_id, f"生成失败（系统错误：{type(exc).__name__}），已记录，请联系管理员")
    return db.session.get(CertificateBatch, batch_id)


def _fail(batch_id: int, message: str) -> None:
    db.session.rollback()
    batch = db.session.get(CertificateBatch, batch_id)
    batch.status, batch.phase, batch.error, batch.finished_at = BatchStatus.FAILED, N_("失败"), message, utcnow()
    db.session.commit()


# The web console runs a batch in a thread with its own app context (and so its own database session). The jobs
# process (contestapp.jobs, APScheduler) is for scheduled work; a batch is started by a person who waits for it, and a
# thread starts at once without a second process to deploy. A batch left "running" by a restarted server is shown as
# stalled on the console and can simply be started again (serials are reused).
_threads: dict[int, threading.Thread] = {}


def start_batch(batch_id: int, base: str | None = None) -> threading.Thread:
    app = current_app._get_current_object()

    def main() -> None:
        with app.app_context():
            try:
                run_batch(batch_id, base)
            finally:
                db.session.remove()

    thread = threading.Thread(target=main, name=f"certificate-batch-{batch_id}", daemon=True)
    _threads[batch_id] = thread
    thread.start()
    return thread


def wait_for_batch(batch_id: int, timeout: float = 120) -> None:
    thread = _threads.get(batch_id)
    if thread is not None:
        thread.join(timeout)


def batch_file(batch: CertificateBatch, which: str) -> Path | None:
    name = batch.pdf_name if which == "pdf" else batch.zip_name
    if not name:
        return None
    path = batch_dir() / name
    return path if path.is_file() else None


def reprint_one(cert: Certificate, mode: str, printer: str | None, actor, base: str | None = None) -> bytes:
    contest = db.session.get(Contest, cert.contest_id)
    if cert.status != CertificateStatus.VALID:
        raise CertificateError(f"证书 {cert.serial} 已撤销，不能打印")
    offset = printer_offset(contest, cert.kind, printer)
    pdf = render_one(layout_for(contest, cert.kind), certificate_data(cert, contest, setup_of(contest), base),
                     mode=mode, offset=offset, fonts=fonts(), title=f"{contest.name} {cert.serial}")
    mark_printed([cert], actor, "单张打印" + ("（套打）" if mode == "overlay" else ""))
    return pdf


def preview_pdf(contest: Contest, kind: str, document: dict | None = None, mode: str = "full",
                printer: str | None = None) -> bytes:
    layout = parse_layout(document) if document is not None else layout_for(contest, kind)
    offset = printer_offset(contest, kind, printer) if mode == "overlay" else (0.0, 0.0)
    return render_preview(layout, mode=mode, offset=offset, fonts=fonts())


def calibration_pdf(contest: Contest, kind: str, printer: str | None) -> bytes:
    return render_calibration(layout_for(contest, kind), offset=printer_offset(contest, kind, printer),
                              fonts=fonts())


def pdf_to_png(pdf: bytes, dpi: int = 60) -> bytes:
    """The first page as PNG (poppler's pdftoppm in a subprocess)."""
    import subprocess

    out = subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-singlefile", "-"], input=pdf, capture_output=True,
                         timeout=30, check=True)
    return out.stdout


def batch_summary(batch: CertificateBatch) -> dict:
    # a batch still "running" an hour after it started was cut off by a restart (10,000 certificates take minutes)
    stalled = (batch.status in (BatchStatus.RUNNING, BatchStatus.QUEUED)
               and (utcnow() - batch.created_at).total_seconds() > 3600)
    return {"id": batch.id, "status": batch.status, "status_label": N_("已中断") if stalled else batch.status_label,
            "phase": batch.phase, "done": batch.done, "total": batch.total, "percent": batch.percent,
            "issued": batch.issued, "reprinted": batch.reprinted, "error": batch.error,
            "finished": batch.status in (BatchStatus.DONE, BatchStatus.FAILED) or stalled,
            "pdf": bool(batch.pdf_name), "zip": bool(batch.zip_name)}

