"""BaseBranchOperator: subclasses choose the branch in ``choose_branch``."""

from __future__ import annotations

from typing import Any

from airflow.models.baseoperator import BaseOperator
from airflow.models.skipmixin import SkipMixin


class BaseBranchOperator(BaseOperator, SkipMixin):
    def choose_branch(self, context: dict[str, Any]) -> str | list[str] | None:
        raise NotImplementedError

    def execute(self, context: dict[str, Any]) -> Any:
        branch = self.choose_branch(context)
        self.skip_all_except(context["ti"], branch)
        return branch
