"""Airflow 3: @task.bash returns the command, rendered afterwards."""

from datetime import datetime

from airflow.sdk import dag, task


@dag(schedule=None, start_date=datetime(2024, 1, 1))
def v3_bash_decorator():
    @task
    def name() -> str:
        return "waterwheel"

    @task.bash
    def greet(who: str) -> str:
        return f"echo hello {who} on {{{{ ds }}}}"

    @task.bash(env={"COLOUR": "blue"}, append_env=True)
    def colour() -> str:
        return "echo colour=$COLOUR dag=$AIRFLOW_CTX_DAG_ID"

    greet(name()) >> colour()


v3_bash_decorator()
