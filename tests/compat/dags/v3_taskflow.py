"""Airflow 3: airflow.sdk TaskFlow, inferred multiple_outputs, override, reuse suffixes."""

from datetime import UTC, datetime

from airflow.sdk import dag, task


@dag(schedule="@daily", start_date=datetime(2024, 1, 1, tzinfo=UTC))
def v3_taskflow():
    @task
    def numbers() -> dict[str, int]:
        return {"a": 1, "b": 2}

    @task
    def add(x: int, y: int) -> int:
        return x + y

    @task
    def show(value, ti=None):
        print(f"show {value} from {ti.task_id}")

    pair = numbers()
    first = add(pair["a"], pair["b"])
    second = add.override(task_id="add_again", retries=2)(first, 10)
    show(first)
    show(second)


v3_taskflow()
