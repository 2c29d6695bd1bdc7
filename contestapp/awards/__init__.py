"""Awards and titles applied to a final result snapshot (AwardGrant rows for the certificate office)."""
