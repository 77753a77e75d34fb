"""Label: names an edge in Airflow's UI; here it only passes the edge through."""

from __future__ import annotations

from typing import Any

from airflow.models.taskmixin import DependencyMixin


class Label(DependencyMixin):
    """``a >> Label("why") >> b`` is ``a >> b``."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._upstream: list[DependencyMixin] = []

    @property
    def leaves(self) -> list[Any]:
        return [leaf for node in self._upstream for leaf in node.leaves]

    def _receive_from(self, upstream: DependencyMixin) -> None:
        self._upstream.append(upstream)
