"""A DAG file using a @task form the shim does not provide."""

from airflow.sdk import dag, task


@dag(schedule=None)
def broken_decorator():
    @task.virtualenv(requirements=["requests"])
    def isolated():
        return 1

    isolated()


broken_decorator()
