"""The craftsman selection's printed naming list (拟命名人选公示 during publicity, 命名名单 once named), drawn like
every list of the app (`contestapp.results.exports.pdf_table`: columns from their content, long units and summaries
wrap, nothing is cut)."""
from __future__ import annotations

from typing import Iterable, Sequence

from contestapp.craftsman.models import Nomination, NominationStatus, Stage
from contestapp.results.exports import pdf_table

HEADER = ["序号", "姓名", "工作单位", "职业（工种）", "简介"]


def named_in_order(nominations: Iterable[Nomination]) -> list[Nomination]:
    """The people on the list: direct recognitions first, then by final rank."""
    named = [n for n in nominations if n.named]
    named.sort(key=lambda n: (n.status != NominationStatus.DIRECT, n.final_rank or 0, n.id))
    return named


def naming_rows(named: Sequence[Nomination]) -> list[list[str]]:
    return [[str(i), n.name, n.employer or n.unit_org.name, n.trade, n.summary] for i, n in enumerate(named, 1)]


def naming_list_pdf(contest_name: str, call_title: str, stage: str, rows: Sequence[Sequence[str]], *,
                    period: str = "", number: str = "") -> bytes:
    named = stage == Stage.NAMED
    title = f"{contest_name}{'命名名单' if named else '拟命名人选公示'}"
    subtitle = f"“{call_title}”" + (f" · 公示期 {period}" if period and not named else "")
    return pdf_table(title, subtitle, HEADER, rows, footer=f"公示编号 {number}" if number else "")
