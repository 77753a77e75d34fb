"""Airflow 3: classic operators, chain_linear, Label, a custom branch and custom operator."""

from datetime import datetime

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, BaseBranchOperator, BaseOperator, Label, chain_linear


class Greeter(BaseOperator):
    template_fields = ("greeting",)

    def __init__(self, *, greeting: str, **kwargs):
        super().__init__(**kwargs)
        self.greeting = greeting

    def execute(self, context):
        print(f"Greeter says {self.greeting}")
        return self.greeting


class OddEven(BaseBranchOperator):
    def choose_branch(self, context):
        return "even" if context["logical_date"].day % 2 == 0 else ["odd"]


with DAG("v3_classic", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False) as dag:
    greet = Greeter(task_id="greet", greeting="hi {{ ds }}")
    pick = OddEven(task_id="pick")
    even, odd = EmptyOperator(task_id="even"), EmptyOperator(task_id="odd")
    a, b = EmptyOperator(task_id="a"), EmptyOperator(task_id="b")
    chain_linear(greet, [pick], [even, odd], [a, b])
    greet >> Label("direct") >> b
