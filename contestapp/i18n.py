"""Marking fixed Chinese labels for translation where they are defined, without translating them there.

Labels kept in dictionaries (statuses, roles, kinds, choices) stay Chinese in Python: services write them into audit
summaries, exports and PDFs, which are Chinese records whatever the reader's language. `N_("草稿")` only marks the
string, so that `scripts/i18n.py` (babel's default keywords include N_) puts it in the catalogue; pages translate it
when they show it, e.g. `{{ _(sheet.status_label) }}`.
"""
from __future__ import annotations

from flask_babel import gettext


def N_(message: str) -> str:  # noqa: N802 (the gettext convention's name)
    return message


class Message(str):
    """A Chinese message with parameters, e.g. `Message(N_("已开启 %(name)s"), name=period.name)`: as a string it is
    the Chinese text (services, audit, the CLI); a page shows it in the reader's language with `tr`.

    A tuple parameter is a list of fixed labels, each marked N_ (e.g. the fields a form still lacks), or of
    Messages (e.g. the problems of a form, see `joined`): joined with `sep` (、 unless given, or ；) in Chinese; `tr`
    translates each item and joins them the reader's way. A Message as a parameter is translated too."""

    template: str
    params: dict
    sep: str

    def __new__(cls, template: str, *, sep: str = "、", **params):
        chinese = {k: sep.join(v) if isinstance(v, tuple) else v for k, v in params.items()}
        obj = super().__new__(cls, template % chinese if params else template)
        obj.template, obj.params, obj.sep = template, params, sep
        return obj


SEPARATORS = (N_("、"), N_("；"))  # the separators of a tuple parameter, for the catalogue


def joined(messages, sep: str = "；") -> Message:
    """Several messages shown as one (e.g. every problem of a form): in Chinese joined with `sep`; `tr` translates
    each one."""
    return Message("%(items)s", sep=sep, items=tuple(messages))


def said(reason) -> Message:
    """A reason (an N_ text, a Message, or a plain Chinese text such as a domain rule's) as a Message, so that `tr`
    translates it when it is a parameter of another message (a plain text is looked up whole)."""
    return reason if isinstance(reason, Message) else Message(str(reason))


def stored(message) -> dict:
    """A message as JSON data (e.g. a background job's failure, shown later in its reader's language)."""
    if not isinstance(message, Message):
        return {"text": str(message)}
    return {"template": message.template, "sep": message.sep, "params": {
        k: {"items": [stored(i) for i in v]} if isinstance(v, tuple) else stored(v) if isinstance(v, Message) else v
        for k, v in message.params.items()}}


def restored(data: dict) -> Message:
    """The message `stored` made."""
    if "template" not in data:
        return said(data.get("text", ""))
    params = {k: tuple(map(restored, v["items"])) if isinstance(v, dict) and "items" in v
              else restored(v) if isinstance(v, dict) else v for k, v in (data.get("params") or {}).items()}
    return Message(data["template"], sep=data.get("sep", "、"), **params)


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
