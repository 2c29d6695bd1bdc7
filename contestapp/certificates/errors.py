"""The certificates area's errors: what the organiser must fix, in Chinese."""
from __future__ import annotations

from contestapp.certificates.fonts import FontError, MissingGlyphError
from contestapp.certificates.layout import LayoutError
from contestapp.certificates.render import CertificateDataError
from contestapp.common.recipients import NoRecipients


class CertificateError(ValueError):
    """A request the organiser must fix (message in Chinese)."""


# Everything printing can refuse with a message for the organiser (a missing glyph, a missing value, a bad layout,
# an empty list): shown as it is, never as a system error.
PRINT_ERRORS = (CertificateError, NoRecipients, MissingGlyphError, CertificateDataError, FontError, LayoutError)
