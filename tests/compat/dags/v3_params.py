"""Airflow 3: Param objects, @dag function parameters as params, conf overriding them."""

from datetime import datetime

from airflow.sdk import Param, dag, task


@dag(
    schedule=None,
    start_date=datetime(2024, 1, 1),
    params={"size": Param(5, type="integer", minimum=1), "label": "small"},
)
def v3_params(region: str = "eu"):
    @task
    def show(region, **context):
        params = context["params"]
        print(f"size={params['size']} label={params['label']} region={region}")
        print(f"conf={context['dag_run'].conf}")

    show(region)


v3_params()
