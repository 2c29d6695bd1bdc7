"""Who has earned a certificate: a small provider interface between the areas that name winners and the area that
prints certificates.

Each area that names people (skills awards, craftsman titles, merit honours) registers one provider under a source
name; the certificates area asks the registry for a source's recipients and imports none of those areas::

    @register("merit", N_("立功竞赛荣誉名单"))
    def merit_recipients(contest, kind, event):
        return [Recipient(holder="张三", award="一等功", kind="honour", ...)]

A provider with nothing to certify yet raises `NoRecipients` with a Chinese message for the organiser. The
providers are registered when their modules are imported (`contestapp.app.RECIPIENT_PROVIDERS`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from contestapp.i18n import N_, Message


class NoRecipients(ValueError):
    """Nothing to certify from this source yet (message in Chinese: an N_ text or a Message)."""


@dataclass(frozen=True)
class Recipient:
    """One person (or unit) to certify.

    `holder` is the name as printed; `award` the award or title text (一等奖, 某某市技术能手...). `id_number` only tells
    namesakes apart and is printed masked; `serial` keeps a serial the area has already given out (a craftsman title);
    `fields` adds or overrides layout values ({"unit": ..., "title": ...}); `rank` orders the list.
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
    fields: Mapping[str, str] = field(default_factory=dict)


# provider(contest, kind, event or None) -> recipients in award order
ProviderFunc = Callable[[Any, str, Any], "list[Recipient]"]


@dataclass(frozen=True)
class Provider:
    source: str
    label: str  # Chinese, marked with N_ (pages translate it)
    func: ProviderFunc


_PROVIDERS: dict[str, Provider] = {}


def register(source: str, label: str) -> Callable[[ProviderFunc], ProviderFunc]:
    def add(func: ProviderFunc) -> ProviderFunc:
        _PROVIDERS[source] = Provider(source, label, func)
        return func

    return add


def providers() -> dict[str, Provider]:
    """The registered sources, in registration order."""
    return dict(_PROVIDERS)


def recipients(source: str, contest, kind: str, event=None) -> list[Recipient]:
    provider = _PROVIDERS.get(source)
    if provider is None:
        raise NoRecipients(Message(N_("未知的名单来源：%(source)s"), source=source))
    return provider.func(contest, kind, event)
