"""Airflow 3: airflow.sdk Variable (default=), Connection.get, var/conn templates,
Variables set by one task and read by the next."""

from datetime import datetime

from airflow.sdk import Connection, Variable, dag, task
from airflow.sdk.exceptions import AirflowRuntimeError


@dag(schedule=None, start_date=datetime(2024, 1, 1))
def v3_variables_connections():
    @task
    def read():
        print("region", Variable.get("region"))
        print("default", Variable.get("absent", default="dflt"))
        try:
            Variable.get("absent")
        except AirflowRuntimeError:
            print("absent raises AirflowRuntimeError")
        conn = Connection.get("warehouse")
        print("conn", conn.host, conn.login, conn.schema, conn.extra_dejson.get("sslmode"))

    @task
    def write():
        Variable.set("written", "value")
        print("kept", Variable.setdefault("written", "other"))
        print("added", Variable.setdefault("fresh", {"n": 1}, deserialize_json=True))

    @task.bash
    def template() -> str:
        return (
            "echo {{ var.value.region }} {{ conn.warehouse.login }}"
            " {{ var.value.written }} {{ var.json.fresh.n }}"
        )

    read() >> write() >> template()


v3_variables_connections()
