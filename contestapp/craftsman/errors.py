"""The craftsman area's refusals: a Chinese message for the user (`CraftsmanError`); the blueprint turns them
into a flash and a redirect (forms) or JSON (API), see `craftsman.views`."""
from __future__ import annotations

from contestapp.craftsman.panel import PanelCheck


class CraftsmanError(ValueError):
    """A refused action; the message is Chinese, for the user."""


class RateLimited(CraftsmanError):
    """Too many codes or votes from one phone, address or device."""
    status = 429


class WrongCode(CraftsmanError):
    """A wrong vote code: refused, and the failed attempt is counted (the change is kept, not rolled back)."""
    keeps_changes = True


class PanelTooSmall(CraftsmanError):
    """The review cannot start (or needs the organiser's confirmation): `check` says for which candidates."""

    def __init__(self, message: str, check: PanelCheck):
        super().__init__(message)
        self.check = check
