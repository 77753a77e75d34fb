"""The task context: its type, the ``var`` and ``conn`` template accessors,
and the current context that ``get_current_context()`` returns."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from airflow.exceptions import AirflowException
from airflow.utils.types import NOTSET

Context = dict[str, Any]

_current: list[Context] = []


@contextmanager
def set_current_context(context: Context) -> Iterator[Context]:
    _current.append(context)
    try:
        yield context
    finally:
        _current.pop()


def get_current_context() -> Context:
    if not _current:
        raise AirflowException(
            "Current context was requested but no context was found! Are you running within a task?"
        )
    return _current[-1]


class _VariableValues:
    def __init__(self, deserialize_json: bool) -> None:
        self._json = deserialize_json

    def __getattr__(self, key: str) -> Any:
        from airflow.models.variable import Variable

        return Variable.get(key, deserialize_json=self._json)

    def get(self, key: str, default: Any = NOTSET) -> Any:
        from airflow.models.variable import Variable

        return Variable.get(key, default_var=default, deserialize_json=self._json)


class VariableAccessor:
    """``{{ var.value.key }}``, ``{{ var.json.key.field }}``, ``var.value.get(k, d)``."""

    value = _VariableValues(deserialize_json=False)
    json = _VariableValues(deserialize_json=True)


class ConnectionAccessor:
    """``{{ conn.my_db.host }}`` and ``conn.get(conn_id)``."""

    def __getattr__(self, conn_id: str) -> Any:
        from airflow.models.connection import Connection

        return Connection.get(conn_id)

    def get(self, conn_id: str, default: Any = None) -> Any:
        from airflow.exceptions import AirflowNotFoundException
        from airflow.models.connection import Connection

        try:
            return Connection.get(conn_id)
        except AirflowNotFoundException:
            return default
