"""Airflow 3: macros, user-defined macros and filters, a template file, native rendering."""

import os
from datetime import datetime

from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def kind(value):
    print("type", type(value).__name__, value)


with DAG(
    "v3_templates",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    user_defined_macros={"team": "data"},
    user_defined_filters={"shout": lambda text: text.upper() + "!"},
    template_searchpath=[os.path.join(os.path.dirname(__file__), "templates")],
) as dag:
    BashOperator(
        task_id="macros",
        bash_command=(
            "echo plus={{ macros.ds_add(ds, 3) }}"
            " fmt={{ macros.ds_format(ds, '%Y-%m-%d', '%d/%m/%Y') }}"
            " team={{ team }} shout={{ 'hi' | shout }} filt={{ logical_date | ds_nodash }}"
        ),
    )
    BashOperator(task_id="from_file", bash_command="script.sh", env={"GREETING": "{{ team }}"})
    PythonOperator(
        task_id="native",
        python_callable=kind,
        op_args=["{{ [1, 2, 3] }}"],
        render_template_as_native_obj=True,
    )
    PythonOperator(task_id="text", python_callable=kind, op_args=["{{ [1, 2, 3] }}"])
    # templates_exts: a value ending in .sql is a template file, found in the search path.
    PythonOperator(
        task_id="sql_file",
        python_callable=lambda templates_dict: print(templates_dict["query"]),
        templates_dict={"query": "query.sql"},
        templates_exts=[".sql"],
        params={"limit": 10},
    )

    BashOperator(task_id="strict", bash_command="echo {{ no_such_name }}")
