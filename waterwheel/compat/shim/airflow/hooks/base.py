"""BaseHook: provider hooks and DAG code read connections through it."""

from __future__ import annotations

from airflow.models.connection import Connection


class BaseHook:
    @classmethod
    def get_connection(cls, conn_id: str) -> Connection:
        return Connection.get(conn_id)
