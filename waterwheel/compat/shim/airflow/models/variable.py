"""Variables: ``AIRFLOW_VAR_<KEY>`` from the environment first, then the
project stash, then the global stash (key ``airflow.var.<key>``, text value).

When DAG files are loaded for deployment no stash is reachable, so only the
environment (and defaults) answer there. ``set`` (and ``setdefault``) write the
project stash, which runner tasks may do under ``airflow.var.`` only.
"""

from __future__ import annotations

import json
import os
from typing import Any

from airflow.exceptions import VariableNotFound
from airflow.utils.types import NOTSET

from waterwheel.compat import stash


class Variable:
    @staticmethod
    def _text(key: str) -> str | None:
        from_env = os.environ.get(f"AIRFLOW_VAR_{key.upper()}")
        if from_env is not None:
            return from_env
        value = stash.config_value(stash.VARIABLE_PREFIX + key)
        return None if value is None else value.decode()

    @classmethod
    def get(
        cls,
        key: str,
        default_var: Any = NOTSET,
        deserialize_json: bool = False,
        *,
        default: Any = NOTSET,
    ) -> Any:
        """``default_var`` is Airflow 2's name of Airflow 3's ``default``."""
        if default is not NOTSET:
            default_var = default
        text = cls._text(key)
        if text is None:
            if default_var is not NOTSET:
                return default_var
            raise VariableNotFound(f"Variable {key} does not exist")
        return json.loads(text) if deserialize_json else text

    @classmethod
    def set(
        cls, key: str, value: Any, description: str | None = None, serialize_json: bool = False
    ) -> None:
        text = json.dumps(value, indent=2) if serialize_json else str(value)
        stash.put_config_value(stash.VARIABLE_PREFIX + key, text.encode())

    @classmethod
    def setdefault(
        cls, key: str, default: Any, description: str | None = None, deserialize_json: bool = False
    ) -> Any:
        value = cls.get(key, default_var=None, deserialize_json=deserialize_json)
        if value is not None:
            return value
        if default is None:
            raise ValueError("Default Value must be set")
        cls.set(key, default, description, serialize_json=deserialize_json)
        return default
