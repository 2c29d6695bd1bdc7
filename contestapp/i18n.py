"""Marking fixed Chinese labels for translation where they are defined, without translating them there.

Labels kept in dictionaries (statuses, roles, kinds, choices) stay Chinese in Python: services write them into audit
summaries, exports and PDFs, which are Chinese records whatever the reader's language. `N_("草稿")` only marks the
string, so that `scripts/i18n.py` (babel's default keywords include N_) puts it in the catalogue; pages translate it
when they show it, e.g. `{{ _(sheet.status_label) }}`.

`N_`, `Message`, `joined`, `said` and `verbatim` live in `contestapp.domain.messages` (no Flask there: the pure
domain words its reasons with them) and are the same objects here; this module adds what needs a request: `tr`.
"""
from __future__ import annotations

from flask_babel import gettext

from contestapp.domain.messages import SEPARATORS, N_, Message, joined, said, verbatim

__all__ = ["N_", "Message", "SEPARATORS", "joined", "kept", "said", "stored", "restored", "tr", "verbatim"]


def stored(message) -> dict:
    """A message as JSON data (e.g. a background job's failure, shown later in its reader's language)."""
    if not isinstance(message, Message):
        return {"text": str(message)}
    return {"template": message.template, "sep": message.sep, "params": {
        k: {"items": [stored(i) for i in v]} if isinstance(v, tuple) else stored(v) if isinstance(v, Message)
        else _json_value(v) for k, v in message.params.items()}}


def _json_value(value):
    """A plain parameter as JSON keeps it: a number other than int or float (a Decimal percentage) as its text,
    which %s shows the same."""
    return value if value is None or isinstance(value, (str, int, float)) else str(value)


def restored(data: dict) -> Message:
    """The message `stored` made."""
    if "template" not in data:
        return said(data.get("text", ""))
    params = {k: tuple(map(restored, v["items"])) if isinstance(v, dict) and "items" in v
              else restored(v) if isinstance(v, dict) else v for k, v in (data.get("params") or {}).items()}
    return Message(data["template"], sep=data.get("sep", "、"), **params)


def kept(detail: dict | None, text: str | None) -> Message | None:
    """What a column pair shows: the message the system kept (`stored`) in `detail`, else `text` as written (a
    person's words, or a system text from before it was kept, shown as it is: never looked up); None when empty."""
    if detail:
        return restored(detail)
    return verbatim(text) if text else None


def tr(message) -> str:
    """Inside a request: a message, or an error raised with one, in the reader's language (a plain Chinese string
    is looked up whole, as `_()` does; a `Message` by its template, then filled in)."""
    if isinstance(message, BaseException):
        message = message.args[0] if message.args else str(message)
    if isinstance(message, Message):
        return gettext(message.template, **{
            k: gettext(message.sep).join(map(tr, v)) if isinstance(v, tuple) else tr(v) if isinstance(v, Message) else v
            for k, v in message.params.items()})
    return gettext(str(message))
