"""The results area's scheduled job: end the publicity periods that are due and finalise those events (every kind
of contest; idempotent)."""
from __future__ import annotations

from datetime import datetime

from contestapp.i18n import N_
from contestapp.jobs.runner import job
from contestapp.results.services import end_publicity_if_due


@job("finalise_results", N_("公示期满、成绩定稿（所有竞赛）"), minutes=15, trigger="interval")
def finalise_results(now: datetime) -> str:
    done = end_publicity_if_due(now)
    return f"定稿 {len(done.get('finalised', []))} 个赛项；等待 {len(done.get('waiting', []))} 个（有待仲裁的申诉或问题）"
