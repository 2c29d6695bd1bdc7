"""Translatable messages without Flask: the pure domain words its reasons with them, `contestapp.i18n` shows them.

`N_("草稿")` only marks a fixed text for the catalogue (`scripts/i18n.py`: babel's default keywords include N_).
A `Message` is a Chinese text with parameters: as a string it is the Chinese (services, audit, exports, the CLI and
the domain's tests see exactly that); `contestapp.i18n.tr` shows it in the reader's language by its template.
"""
from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 (the gettext convention's name)
    return message


def _message(template: str, sep: str, params: dict) -> Message:
    return Message(template, sep=sep, **params)


class Message(str):
    """A Chinese message with parameters, e.g. `Message(N_("已开启 %(name)s"), name=period.name)`: as a string it is
    the Chinese text (services, audit, the CLI); a page shows it in the reader's language with `tr`.

    A tuple parameter is a list of fixed labels, each marked N_ (e.g. the fields a form still lacks), or of
    Messages (e.g. the problems of a form, see `joined`), or of names users gave, each `verbatim` (a plain string
    item is looked up in the catalogue): joined with `sep` (、 unless given, or ；) in Chinese; `tr` translates each
    item and joins them the reader's way. A Message as a parameter is translated too."""

    template: str
    params: dict
    sep: str

    def __new__(cls, template: str, *, sep: str = "、", **params):
        chinese = {k: sep.join(v) if isinstance(v, tuple) else v for k, v in params.items()}
        obj = super().__new__(cls, template % chinese if params else template)
        obj.template, obj.params, obj.sep = template, params, sep
        return obj

    def __reduce__(self):
        # pickled (a cached ranking's reasons) and copied with its template and parameters, not as the bare text
        return _message, (self.template, self.sep, self.params)


SEPARATORS = (N_("、"), N_("；"))  # the separators of a tuple parameter, for the catalogue


def joined(messages, sep: str = "；") -> Message:
    """Several messages shown as one (e.g. every problem of a form): in Chinese joined with `sep`; `tr` translates
    each one."""
    return Message("%(items)s", sep=sep, items=tuple(messages))


def verbatim(name) -> Message:
    """A name or code users gave (a criterion's, a round's, an entry's) as an item of a tuple parameter: the same in
    every language, never looked up in the catalogue (a criterion named 用时（秒） stays so, as the pages show it)."""
    return Message("%(name)s", name=str(name))


def said(reason) -> Message:
    """A reason (an N_ text, a Message, or a plain Chinese text; or an error raised with one) as a Message, so that
    `tr` translates it when it is a parameter of another message (a plain text is looked up whole)."""
    if isinstance(reason, BaseException):
        reason = reason.args[0] if len(reason.args) == 1 and isinstance(reason.args[0], Message) else str(reason)
    return reason if isinstance(reason, Message) else Message(str(reason))
