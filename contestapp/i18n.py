"""Marking fixed Chinese labels for translation where they are defined, without translating them there.

Labels kept in dictionaries (statuses, roles, kinds, choices) stay Chinese in Python: services write them into audit
summaries, exports and PDFs, which are Chinese records whatever the reader's language. `N_("草稿")` only marks the
string, so that `scripts/i18n.py` (babel's default keywords include N_) puts it in the catalogue; pages translate it
when they show it, e.g. `{{ _(sheet.status_label) }}`.
"""
from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 (the gettext convention's name)
    return message


class Message(str):
    """A Chinese message with parameters, e.g. `Message(N_("已开启 %(name)s"), name=period.name)`: as a string it is
    the Chinese text (services, audit, the CLI); a page shows it in the reader's language with `tr`.

    A tuple parameter is a list of fixed labels, each marked N_ (e.g. the fields a form still lacks): joined with 、
    in Chinese; `tr` translates each label and joins them the reader's way."""

    template: str
    params: dict

    def __new__(cls, template: str, **params):
        chinese = {k: "、".join(v) if isinstance(v, tuple) else v for k, v in params.items()}
        obj = super().__new__(cls, template % chinese if params else template)
        obj.template, obj.params = template, params
        return obj


def tr(message) -> str:
    """Inside a request: a message, or an error raised with one, in the reader's language (a plain Chinese string
    is looked up whole, as `_()` does; a `Message` by its template, then filled in)."""
    from flask_babel import gettext

    if isinstance(message, BaseException):
        message = message.args[0] if message.args else str(message)
    if isinstance(message, Message):
        return gettext(message.template, **{k: gettext("、").join(map(gettext, v)) if isinstance(v, tuple) else v
                                            for k, v in message.params.items()})
    return gettext(str(message))
