"""The contests area's refusal: `SetupError`, a Chinese message for the organiser. Its own module, so that both
`contests.services` and `contests.definition` (which `services` uses) can raise it."""
from __future__ import annotations


class SetupError(ValueError):
    """A set-up change that is not allowed now; the message is for the organiser."""
