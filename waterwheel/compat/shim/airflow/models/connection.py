"""Connections: ``AIRFLOW_CONN_<ID>`` from the environment first, then the
project stash, then the global stash (key ``airflow.conn.<conn_id>``), each
holding Airflow's URI form or its JSON form."""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from airflow.exceptions import AirflowNotFoundException

from waterwheel.compat import stash

_FIELDS = ("conn_type", "description", "host", "login", "password", "schema", "port", "extra")


def _normal_type(scheme: str) -> str:
    scheme = scheme.replace("-", "_")
    return "postgres" if scheme == "postgresql" else scheme


class Connection:
    def __init__(
        self,
        conn_id: str | None = None,
        conn_type: str | None = None,
        description: str | None = None,
        host: str | None = None,
        login: str | None = None,
        password: str | None = None,
        schema: str | None = None,
        port: int | None = None,
        extra: str | dict[str, Any] | None = None,
        uri: str | None = None,
    ) -> None:
        self.conn_id = conn_id
        self.description = description
        self.conn_type, self.host, self.login, self.password = conn_type, host, login, password
        self.schema, self.port = schema, port
        self.extra = json.dumps(extra) if isinstance(extra, dict) else extra
        if uri is not None:
            self._parse_uri(uri)

    def _parse_uri(self, uri: str) -> None:
        scheme, _, rest = uri.partition("://")
        self.conn_type = _normal_type(scheme)
        protocol = None
        if "://" in rest:  # a host with its own scheme: type://https://host
            protocol, _, rest = rest.partition("://")
        parts = urlsplit("//" + rest)
        host = unquote(parts.hostname or "")
        self.host = f"{protocol}://{host}" if protocol else host
        self.login = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.schema = unquote(parts.path[1:]) if parts.path else ""
        self.port = parts.port
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        if "__extra__" in query:
            self.extra = query["__extra__"]
        elif query:
            self.extra = json.dumps(query)

    def get_uri(self) -> str:
        host = self.host or ""
        uri = f"{(self.conn_type or '').replace('_', '-')}://"
        if "://" in host:
            protocol, host = host.split("://", 1)
            uri += f"{protocol}://"
        if self.login or self.password:
            uri += quote(self.login or "", safe="")
            if self.password:
                uri += ":" + quote(self.password, safe="")
            uri += "@"
        uri += quote(host, safe="")
        if self.port:
            uri += f":{self.port}"
        if self.schema:
            uri += "/" + quote(self.schema, safe="")
        extra = self.extra_dejson
        if extra:
            plain = all(isinstance(v, str) for v in extra.values())
            query = urlencode(extra) if plain else urlencode({"__extra__": self.extra})
            uri += ("?" if self.schema else "/?") + query
        return uri

    @property
    def extra_dejson(self) -> dict[str, Any]:
        if not self.extra:
            return {}
        try:
            value = json.loads(self.extra)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def to_dict(self) -> dict[str, Any]:
        return {"conn_id": self.conn_id} | {name: getattr(self, name) for name in _FIELDS}

    def as_json(self) -> str:
        return json.dumps({k: v for k, v in self.to_dict().items() if k != "conn_id"})

    @classmethod
    def from_json(cls, value: str, conn_id: str | None = None) -> Connection:
        fields = json.loads(value)
        if fields.get("port") is not None:
            fields["port"] = int(fields["port"])
        fields["conn_type"] = _normal_type(fields.get("conn_type") or "")
        return cls(conn_id=conn_id, **{k: v for k, v in fields.items() if k in _FIELDS})

    @classmethod
    def _from_text(cls, conn_id: str, text: str) -> Connection:
        text = text.strip()
        if text.startswith("{"):
            return cls.from_json(text, conn_id=conn_id)
        return cls(conn_id=conn_id, uri=text)

    @classmethod
    def get(cls, conn_id: str) -> Connection:
        """The connection, from the environment, project stash or global stash."""
        text = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}")
        if text is None:
            value = stash.config_value(stash.CONNECTION_PREFIX + conn_id)
            text = None if value is None else value.decode()
        if text is None:
            raise AirflowNotFoundException(f"The conn_id `{conn_id}` isn't defined")
        return cls._from_text(conn_id, text)

    get_connection_from_secrets = get

    def __repr__(self) -> str:
        return f"Connection({self.conn_id!r}, {self.conn_type!r})"
