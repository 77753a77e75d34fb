"""EmptyOperator: does nothing; Waterwheel runs it as a no-op task (no container)."""

from __future__ import annotations

from typing import Any

from airflow.models.baseoperator import BaseOperator


class EmptyOperator(BaseOperator):
    ui_color = "#e8f7e4"
    runs_in_container = False

    def execute(self, context: dict[str, Any]) -> None:
        pass


DummyOperator = EmptyOperator
