"""INSERT ... ON CONFLICT for the two backends we run on, written once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from waterwheel.db.models import Base

Rows = list[dict[str, Any]]
# What a conflicting row's columns become, given the row offered (``excluded``).
Overwrite = list[str] | Callable[[Any], Mapping[str, Any]]


def _insert(session: Session, model: type[Base]) -> Any:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def upsert(
    session: Session, model: type[Base], rows: Rows, keys: list[str], update: Overwrite
) -> None:
    """Insert ``rows``; where ``keys`` already exist, overwrite the ``update``
    columns with the offered values, or set what ``update(excluded)`` says."""
    if not rows:
        return
    statement = _insert(session, model)
    offered = statement.excluded
    values = update(offered) if callable(update) else {name: offered[name] for name in update}
    session.execute(statement.on_conflict_do_update(index_elements=keys, set_=values), rows)


def insert_missing(session: Session, model: type[Base], rows: Rows, keys: list[str]) -> None:
    """Insert those of ``rows`` whose ``keys`` do not exist yet."""
    if rows:
        session.execute(_insert(session, model).on_conflict_do_nothing(index_elements=keys), rows)
