"""DAG and task params: values with an optional JSON-Schema description.

Waterwheel keeps only the values and the schema keywords (stored on the job);
at run time a trigger's ``conf`` overrides them and a param left without a
value fails the task. Full JSON-Schema validation is not done.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from airflow.exceptions import ParamValidationError
from airflow.utils.types import NOTSET


class Param:
    def __init__(self, default: Any = NOTSET, description: str | None = None, **schema: Any):
        self.value = default
        self.description = description
        self.schema = schema

    def resolve(self, value: Any = NOTSET, suppress_exception: bool = False) -> Any:
        """The value (``value`` when given, else the default); an error when none."""
        final = value if value is not NOTSET else self.value
        if final is NOTSET:
            if suppress_exception:
                return None
            raise ParamValidationError("No value passed and Param has no default value")
        return copy.deepcopy(final)

    def dump(self) -> dict[str, Any]:
        value = None if self.value is NOTSET else self.value
        return {"value": value, "description": self.description, "schema": self.schema}

    def __repr__(self) -> str:
        return f"Param({self.value!r})"


class ParamsDict(dict):
    """A dict of Params; reading an item gives the Param's value."""

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        for key, value in (values or {}).items():
            self[key] = value

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value if isinstance(value, Param) else Param(value))

    def __getitem__(self, key: str) -> Any:
        return super().__getitem__(key).resolve()

    def get_param(self, key: str) -> Param:
        return super().__getitem__(key)

    def params(self) -> dict[str, Param]:
        return dict(super().items())

    def update(self, other: Mapping[str, Any] = (), **more: Any) -> None:  # type: ignore[override]
        items = other.params() if isinstance(other, ParamsDict) else dict(other)
        for key, value in (items | more).items():
            self[key] = value

    def dump(self) -> dict[str, Any]:
        return {key: param.dump() for key, param in self.params().items()}

    def resolve(self, conf: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Plain values, ``conf`` overriding same-named params (Airflow's default)."""
        conf = conf or {}
        values: dict[str, Any] = {}
        for key, param in self.params().items():
            try:
                values[key] = param.resolve(conf.get(key, NOTSET))
            except ParamValidationError as exc:
                raise ParamValidationError(f"param '{key}': {exc}") from None
        values.update({key: value for key, value in conf.items() if key not in values})
        return values


class DagParam:
    """A ``@dag`` function argument: stands for ``params[name]`` at run time."""

    def __init__(self, name: str, default: Any = NOTSET) -> None:
        self.name = name
        self.default = default

    def resolve(self, context: Mapping[str, Any]) -> Any:
        return context["params"].get(self.name, self.default)
