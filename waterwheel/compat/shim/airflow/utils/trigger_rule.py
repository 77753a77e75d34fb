"""Trigger rules: when a task runs given the states of its direct upstream."""

from __future__ import annotations

from enum import StrEnum


class TriggerRule(StrEnum):
    ALL_SUCCESS = "all_success"
    ALL_FAILED = "all_failed"
    ALL_DONE = "all_done"
    ALL_DONE_MIN_ONE_SUCCESS = "all_done_min_one_success"
    ALL_DONE_SETUP_SUCCESS = "all_done_setup_success"
    ONE_SUCCESS = "one_success"
    ONE_FAILED = "one_failed"
    ONE_DONE = "one_done"
    NONE_FAILED = "none_failed"
    NONE_FAILED_MIN_ONE_SUCCESS = "none_failed_min_one_success"
    NONE_FAILED_OR_SKIPPED = "none_failed_or_skipped"  # old name of the one above
    NONE_SKIPPED = "none_skipped"
    ALL_SKIPPED = "all_skipped"
    ALWAYS = "always"
    DUMMY = "dummy"  # old name of always

    @classmethod
    def is_valid(cls, rule: str) -> bool:
        return rule in cls._value2member_map_

    @classmethod
    def all_triggers(cls) -> set[str]:
        return set(cls._value2member_map_)
