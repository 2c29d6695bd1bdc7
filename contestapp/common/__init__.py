"""Small shared pieces of the application layer (database types, time, pagination, masking)."""
