"""Engines and sessions for SQLite (the embedded default) and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def _sqlite_setup(engine: Engine, begin: str) -> None:
    """Make SQLite enforce foreign keys and begin transactions with ``begin``.

    pysqlite's own transaction handling starts transactions late and as
    deferred ones, so two threads that both read then write can deadlock on
    the lock upgrade: writers use ``BEGIN IMMEDIATE`` (the write lock up front),
    readers a plain ``BEGIN`` (a snapshot; in WAL mode they never wait).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)


def make_engine(url: str, *, readonly: bool = False, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        _sqlite_setup(engine, "BEGIN" if readonly else "BEGIN IMMEDIATE")
        return engine
    if url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; plain postgresql:// URLs mean it.
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, **kwargs)


class Database:
    """One engine and its session factory, shared by a process.

    SQLite takes one writer at a time: the threads of this process take turns
    on a lock rather than sleeping in SQLite's busy handler, and reads go
    through a second engine that never takes the write lock.
    """

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock: threading.RLock | None = None
        self._read_sessions = self._sessions
        if self.engine.dialect.name == "sqlite":
            self._write_lock = threading.RLock()
            self.read_engine = make_engine(url, readonly=True, **engine_kwargs)
            self._read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits on exit, or rolls back on any error."""
        with self._write_lock or nullcontext(), self._sessions.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading only: one consistent snapshot, no write lock."""
        with self._read_sessions.begin() as session:
            yield session

    def upgrade(self) -> None:
        """Bring the schema to the newest migration."""
        from waterwheel.db.migrate import upgrade

        upgrade(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
        if self._read_sessions is not self._sessions:
            self.read_engine.dispose()
