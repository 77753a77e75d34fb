"""Airflow 2's ``days_ago`` (gone in Airflow 3)."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.utils import timezone


def days_ago(
    n: int, hour: int = 0, minute: int = 0, second: int = 0, microsecond: int = 0
) -> datetime:
    """Midnight UTC today (or the given time of day) minus ``n`` days."""
    today = timezone.utcnow().replace(
        hour=hour, minute=minute, second=second, microsecond=microsecond
    )
    return today - timedelta(days=n)
