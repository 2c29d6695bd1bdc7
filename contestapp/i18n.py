"""Marking fixed Chinese labels for translation where they are defined, without translating them there.

Labels kept in dictionaries (statuses, roles, kinds, choices) stay Chinese in Python: services write them into audit
summaries, exports and PDFs, which are Chinese records whatever the reader's language. `N_("草稿")` only marks the
string, so that `scripts/i18n.py` (babel's default keywords include N_) puts it in the catalogue; pages translate it
when they show it, e.g. `{{ _(sheet.status_label) }}`.
"""
from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 (the gettext convention's name)
    return message
