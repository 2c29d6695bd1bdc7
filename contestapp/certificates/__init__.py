"""Certificate rendering engine: fonts, layouts (data), PDF rendering. No Flask, no SQLAlchemy."""
