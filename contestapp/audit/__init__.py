"""The append-only audit log: `record()` is the one way to write it."""
