"""Certificate serials: the contest's settings row, serial patterns such as `{year}-{event}-{seq:04d}`, and
sequence numbers handed out by one atomic UPDATE per prefix (concurrent issuers never receive the same number)."""
from __future__ import annotations

import re
import string
from typing import Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from contestapp.certificates.errors import CertificateError
from contestapp.certificates.models import DEFAULT_SERIAL_PATTERN, Certificate, CertificateSetup, SerialCounter
from contestapp.common.db import utcnow
from contestapp.contests.models import Contest
from contestapp.extensions import db
from contestapp.i18n import N_, Message

SERIAL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
PATTERN_FIELDS = ("year", "contest", "event", "kind", "seq")
KIND_LETTER = {"award": "A", "title": "T", "craftsman": "C", "honour": "H"}
ZONE = ZoneInfo("Asia/Shanghai")


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
        raise CertificateError(Message(N_("证书编号格式有误：%(error)s"), error=str(exc))) from None


def check_pattern(pattern: str) -> list[str]:
    """Problems of a serial pattern such as `{year}-{event}-{seq:04d}` (Chinese Messages), empty when usable."""
    problems = []
    try:
        parts = _pattern_parts(pattern)
    except CertificateError as exc:
        return [exc.args[0]]
    names = [n for _, n, _ in parts if n is not None]
    unknown = [n for n in names if n not in PATTERN_FIELDS]
    if unknown:
        problems.append(Message(N_("未知的占位符 %(names)s（可用：{year} {contest} {event} {kind} {seq:04d}）"),
                                names=", ".join("{" + n + "}" for n in unknown)))
    if names.count("seq") != 1:
        problems.append(N_("须包含且只包含一个序号 {seq}，例如 {seq:04d}"))
    for _, n, spec in parts:
        if n == "seq" and spec and not re.fullmatch(r"0?\d?d", spec):
            problems.append(N_("序号格式只能是 {seq} 或 {seq:04d} 这样的位数"))
    if not problems:
        sample = format_serial(pattern, {"year": "2025", "contest": "C", "event": "E", "kind": "A"}, 1)
        if not SERIAL_RE.match(sample):
            problems.append(N_("证书编号只能包含字母、数字和 - _ .（不超过 64 个字符）"))
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
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
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


def allocate_serials(contest: Contest, pattern: str, kind: str, event_code: str, count: int) -> list[str]:
    values = _pattern_values(contest, kind, event_code)
    scope = format_serial(pattern, values, None)[:100]
    serials: list[str] = []
    for _attempt in range(5):  # numbers taken by serials given elsewhere (e.g. a changed pattern) are skipped
        wanted = count - len(serials)
        fresh = [format_serial(pattern, values, n) for n in allocate_numbers(contest.id, scope, wanted)]
        bad = [s for s in fresh if not SERIAL_RE.match(s)]
        if bad:
            raise CertificateError(Message(N_("证书编号「%(serial)s」含不允许的字符：编号只能包含字母、数字和 - _ .；"
                                              "请修改编号格式或赛项代码"), serial=bad[0]))
        taken = set(db.session.scalars(select(Certificate.serial).where(Certificate.serial.in_(fresh))))
        serials += [s for s in fresh if s not in taken]
        if len(serials) == count:
            return serials
    raise CertificateError(N_("无法分配证书编号：编号格式产生的编号已被占用，请修改编号格式"))
