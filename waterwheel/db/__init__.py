"""The database: models, engine and sessions, and migrations."""

from waterwheel.db.engine import Database

__all__ = ["Database"]
