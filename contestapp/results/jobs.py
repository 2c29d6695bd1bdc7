"""The results area's scheduled job: end the publicity periods that are due and finalise those events (every kind
of contest; idempotent)."""
from __future__ import annotations

from datetime import datetime

from contestapp.i18n import N_, Message
from contestapp.jobs.runner import job
from contestapp.results.services import end_publicity_if_due


@job("finalise_results", N_("公示期满、成绩定稿（所有竞赛）"), minutes=15, trigger="interval")
def finalise_results(now: datetime) -> Message:
    done = end_publicity_if_due(now)
    return Message(N_("定稿 %(finalised)s 个赛项；等待 %(waiting)s 个（有待仲裁的申诉或问题）"),
                   finalised=len(done.get("finalised", [])), waiting=len(done.get("waiting", [])))
