"""DAG -> job document: triggers per flavour, catch-up defaults, retries,
timeouts, flattened groups, trigger rules, warnings, and schema validity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from waterwheel.compat import loader
from waterwheel.compat.translate import DEFAULT_IMAGE, job_uuid, translate
from waterwheel.jobdoc import parse_job

from .compat_support import DAGS, PROJECT, translated


def tasks(translation) -> dict[str, dict]:
    return {task["name"]: task for task in translation.document["tasks"]}


def warnings(translation) -> list[str]:
    return [str(w) for w in translation.warnings]


def test_airflow2_cron_fires_one_interval_after_its_logical_date(dags) -> None:
    doc = translated(dags, "v2_bash_daily").document
    assert doc["triggers"] == [
        {
            "name": "schedule",
            "start": "2024-01-01T00:00:00Z",
            "end": "2024-12-31T00:00:01Z",  # Airflow's end_date is inclusive
            "cron": "0 0 * * *",
            "offset": "1d",
            "catchup": "earliest",
        }
    ]
    assert doc["airflow"]["timing"] == "interval_start"
    assert doc["description"] == "daily bash"


def test_airflow3_cron_fires_at_its_logical_date(dags) -> None:
    translation = translated(dags, "v2_bash_daily", flavour="3")
    (trigger,) = translation.document["triggers"]
    assert "offset" not in trigger
    assert trigger["catchup"] == "latest_only"  # Airflow 3's default: catchup=False
    assert translation.document["airflow"]["timing"] == "trigger"
    assert any("schedule_interval is Airflow 2 only" in w for w in warnings(translation))


def test_airflow3_cron_start_is_aligned_to_the_first_matching_time(dags) -> None:
    (trigger,) = translated(dags, "v3_cron").document["triggers"]
    assert trigger == {
        "name": "schedule",
        "start": "2024-01-01T09:00:00Z",
        "end": "2024-03-01T00:00:01Z",
        "cron": "*/30 9-17 * * 1-5",
        "catchup": "latest_only",
    }


def test_airflow2_irregular_cron_triggers_at_the_interval_end(dags) -> None:
    doc = translated(dags, "v2_cron_weekdays").document
    (trigger,) = doc["triggers"]
    # start_date Wednesday 3 January: its interval ends Thursday 06:00.
    assert trigger["start"] == "2024-01-04T06:00:00Z"
    assert "offset" not in trigger
    assert doc["airflow"]["timing"] == "interval_end"
    assert "WATERWHEEL_AIRFLOW_TIMING=interval_end" in tasks_env(doc, "dates")


def tasks_env(doc: dict, name: str) -> list[str]:
    return next(t for t in doc["tasks"] if t["name"] == name)["docker"]["env"]


def test_the_same_weekday_cron_under_airflow3(dags) -> None:
    (trigger,) = translated(dags, "v2_cron_weekdays", flavour="3").document["triggers"]
    assert trigger["start"] == "2024-01-03T06:00:00Z"
    assert "offset" not in trigger


def test_timedelta_schedules(dags) -> None:
    (v2,) = translated(dags, "v2_timedelta").document["triggers"]
    assert v2 == {
        "name": "schedule",
        "start": "2024-01-01T02:00:00Z",
        "end": "2024-02-01T00:00:01Z",
        "period": "4h",
        "offset": "4h",
        "catchup": "latest_only",
    }
    (v3,) = translated(dags, "v3_timedelta").document["triggers"]
    assert v3 == {
        "name": "schedule",
        "start": "2024-01-01T00:00:00Z",
        "period": "1h 30m",
        "catchup": "latest_only",
    }


def test_omitted_schedule_is_a_day_in_airflow2_and_none_in_airflow3(time_machine) -> None:
    # days_ago(2) is read when the file loads: at a year's last second here.
    time_machine.move_to(datetime(2027, 12, 31, 23, 59, 59, tzinfo=UTC), tick=False)
    with loader.shim_imports(DAGS):
        result = loader.load_file(DAGS / "v2_days_ago.py")
    dags = {dag.dag_id: (dag, result.flavour) for dag in result.dags}
    (trigger,) = translated(dags, "v2_days_ago").document["triggers"]
    assert trigger["start"] == "2027-12-29T00:00:00Z"
    assert (trigger["period"], trigger["offset"], trigger["catchup"]) == ("1d", "1d", "earliest")
    assert translated(dags, "v2_days_ago", flavour="3").document["triggers"] == []


def test_once_runs_once_even_without_catchup(dags) -> None:
    assert translated(dags, "v2_once").document["triggers"] == [
        {
            "name": "schedule",
            "start": "2024-05-01T12:00:00Z",
            "end": "2024-05-01T12:00:01Z",
            "period": "1d",
            "catchup": "earliest",
        }
    ]


def test_no_schedule_means_no_trigger_and_roots_wait_for_manual_runs(dags) -> None:
    doc = translated(dags, "v2_manual").document
    assert doc["triggers"] == []
    assert tasks(translated(dags, "v2_manual"))["load"]["depends"] == []
    assert doc["paused"] is False  # is_paused_upon_creation=False
    assert doc["airflow"]["params"]["limit"] == {
        "value": 10,
        "description": None,
        "schema": {"type": "integer"},
    }


@pytest.mark.parametrize(
    ("dag_id", "flavour", "catchup"),
    [
        ("v2_bash_daily", "2", "earliest"),  # catchup_by_default in 2.x
        ("v2_bash_daily", "3", "latest_only"),  # False in 3.x
        ("v2_taskflow", "2", "latest_only"),  # explicit catchup=False
        ("v3_task_group_decorator", "3", "earliest"),  # explicit catchup=True
    ],
)
def test_catchup_defaults_per_flavour(dags, dag_id: str, flavour: str, catchup: str) -> None:
    translation = translated(dags, dag_id, flavour=flavour)
    assert translation.document["triggers"][0]["catchup"] == catchup
    assert translation.document["airflow"]["catchup"] is (catchup == "earliest")
    # catchup=False runs the newest missed interval, as Airflow: nothing to warn about.
    assert not any("catchup" in w for w in warnings(translation))


def test_jobs_start_paused_unless_the_dag_says_otherwise(dags) -> None:
    assert translated(dags, "v2_bash_daily").document["paused"] is True


def test_retries_delays_backoff_timeouts_and_queue(dags) -> None:
    by_name = tasks(translated(dags, "v2_retries"))
    assert by_name["plain"]["retry"] == {"max_attempts": 4, "delay": "2m"}
    assert by_name["plain"]["timeout"] == "30m"
    assert by_name["backoff"]["retry"] == {
        "max_attempts": 4,
        "delay": "2m",
        "backoff": "exponential",
        "max_delay": "1h",
    }
    assert by_name["backoff"]["queue"] == "heavy"
    assert "retry" not in by_name["none"] and "timeout" not in by_name["none"]
    assert "queue" not in by_name["plain"]


def test_task_groups_flatten_to_prefixed_names(dags) -> None:
    by_name = tasks(translated(dags, "v2_taskgroup"))
    assert list(by_name) == ["start", "extract.a", "extract.inner.b", "c", "d", "end"]
    assert by_name["start"]["depends"] == ["trigger/schedule"]
    assert by_name["extract.a"]["depends"] == ["task/start"]
    assert by_name["extract.inner.b"]["depends"] == ["task/extract.a"]
    assert by_name["c"]["depends"] == ["task/extract.inner.b"]
    assert by_name["end"]["depends"] == ["task/c", "task/d"]
    assert by_name["extract.a"]["retry"]["max_attempts"] == 5  # group default_args
    assert by_name["extract.a"]["docker"]["args"][2] == "extract.a"


def test_every_trigger_rule_is_carried_and_old_names_are_renamed(dags) -> None:
    by_name = tasks(translated(dags, "v3_providers"))
    rules = {
        name[5:]: task["trigger_rule"] for name, task in by_name.items() if name[:5] == "rule_"
    }
    assert rules == {rule: rule for rule in rules}
    assert len(rules) == 12
    assert by_name["rule_all_done"]["depends"] == ["task/work", "task/check"]
    dummy = tasks(translated(dags, "v2_dummy"))
    assert dummy["always"]["trigger_rule"] == "always"
    assert dummy["old_rule"]["trigger_rule"] == "none_failed_min_one_success"
    assert dummy["start"]["trigger_rule"] == "all_success"


def test_runner_tasks_and_noop_tasks(dags) -> None:
    translation = translated(dags, "v2_branch")
    by_name = tasks(translation)
    branch = by_name["branch"]
    assert branch["docker"] == {
        "image": DEFAULT_IMAGE,
        "command": ["python3", "-m", "waterwheel.compat.runner"],
        "args": [str(DAGS / "v2_branch.py"), "v2_branch", "branch"],
        "env": [
            "WATERWHEEL_AIRFLOW_VERSION=2",
            "WATERWHEEL_AIRFLOW_TIMING=interval_start",
            f"AIRFLOW__CORE__DAGS_FOLDER={DAGS}",
        ],
    }
    assert (branch["skip_exit_code"], branch["fail_exit_code"]) == (99, 98)
    assert branch["project_stash_write"] == ["airflow.var."]
    join = by_name["join"]
    assert join["docker"] is None
    assert not {"skip_exit_code", "fail_exit_code", "project_stash_write"} & set(join)
    assert by_name["join"]["trigger_rule"] == "none_failed_min_one_success"
    assert by_name["join"]["depends"] == ["task/weekday", "task/weekend", "task/report"]
    assert translation.document["uuid"] == job_uuid(PROJECT, "v2_branch")


def test_the_image_is_an_option(dags) -> None:
    dag, flavour = dags["v3_taskflow"]
    doc = translate(dag, project="p", flavour=flavour, image="registry.local/af:1").document
    assert {t["docker"]["image"] for t in doc["tasks"]} == {"registry.local/af:1"}
    assert doc["uuid"] == job_uuid("p", "v3_taskflow") != job_uuid(PROJECT, "v3_taskflow")


def test_taskflow_edges_become_depends(dags) -> None:
    by_name = tasks(translated(dags, "v2_taskflow"))
    assert by_name["total"]["depends"] == ["task/extract"]
    assert by_name["report"]["depends"] == ["task/total"]
    assert by_name["report"]["retry"] == {"max_attempts": 2, "delay": "5m"}


def test_unsupported_arguments_are_reported_per_task(dags) -> None:
    assert warnings(translated(dags, "v2_unsupported")) == [
        "DAG v2_unsupported: max_active_runs=1 is not supported and is ignored",
        "DAG v2_unsupported: dagrun_timeout=datetime.timedelta(seconds=7200) is not supported"
        " and is ignored",
        "DAG v2_unsupported: on_failure_callback=notify is not supported and is ignored",
        "DAG v2_unsupported, task limited: depends_on_past=True is not supported and is ignored",
        "DAG v2_unsupported, task limited: pool='db' is not supported and is ignored",
        "DAG v2_unsupported, task limited: priority_weight=5 is not supported and is ignored",
        "DAG v2_unsupported, task limited: sla=datetime.timedelta(seconds=3600) is not supported"
        " and is ignored",
        "DAG v2_unsupported, task limited: email notifications are not sent",
        "DAG v2_unsupported, task noop: on_success_callback never run: EmptyOperator becomes"
        " a no-op task",
    ]


def test_local_timezone_crons_are_reported(dags) -> None:
    translation = translated(dags, "v2_timezone")
    assert warnings(translation) == [
        "DAG v2_timezone: Waterwheel evaluates crons in UTC: '30 8 * * *' runs at UTC times,"
        " not in the DAG's timezone Europe/Paris"
    ]
    (trigger,) = translation.document["triggers"]
    # The cron runs in UTC, so its times are aligned and its intervals measured
    # in UTC (even days, unlike Paris across DST): the first 08:30 UTC on or
    # after the start date, midnight in Paris.
    assert translation.document["airflow"]["timing"] == "interval_start"
    assert trigger["start"] == "2024-03-01T08:30:00Z"
    assert trigger["offset"] == "1d"


@pytest.fixture
def make_dag():
    """Build a DAG with the shim, for schedules no corpus file should hold."""
    with loader.shim_imports(DAGS):
        from airflow import DAG
        from airflow.operators.bash import BashOperator

        def make(**kwargs):
            dag = DAG("made", **kwargs)
            BashOperator(task_id="t", bash_command="true", dag=dag)
            return dag

        yield make


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        (
            {"schedule": "@continuous", "start_date": datetime(2024, 1, 1)},
            "schedule '@continuous' is not supported; the job gets no trigger",
        ),
        (
            {"schedule": ["dataset"], "start_date": datetime(2024, 1, 1)},
            "schedule ['dataset'] (list) is not supported",
        ),
        (
            {"schedule": "0 0 L * *", "start_date": datetime(2024, 1, 1)},
            "cron '0 0 L * *' is not supported by Waterwheel",
        ),
        ({"schedule": "@daily"}, "the schedule needs a start_date; the job gets no trigger"),
        (
            {"schedule": timedelta(seconds=0.5), "start_date": datetime(2024, 1, 1)},
            "is shorter than a second",
        ),
    ],
)
def test_untranslatable_schedules_are_reported(make_dag, kwargs, reason: str) -> None:
    translation = translate(make_dag(**kwargs), project="p", flavour="3")
    assert translation.document["triggers"] == []
    assert any(reason in w for w in warnings(translation)), warnings(translation)


def test_exponential_backoff_other_than_doubling_is_reported(make_dag) -> None:
    dag = make_dag(schedule=None)
    task = dag.get_task("t")
    task.retries, task.retry_exponential_backoff = 2, 3.0
    translation = translate(dag, project="p", flavour="3")
    assert translation.document["tasks"][0]["retry"]["max_delay"] == "1d"
    assert warnings(translation) == [
        "DAG made, task t: retry_exponential_backoff=3.0: Waterwheel doubles the delay"
    ]


@pytest.mark.parametrize("flavour", ["2", "3"])
def test_every_translated_document_is_a_valid_job(dags, flavour: str) -> None:
    assert len(dags) >= 30
    for dag_id in dags:
        document = translated(dags, dag_id, flavour=flavour).document
        job = parse_job(document)  # the airflow block is a field the schema ignores
        assert job.name == dag_id
        assert [t.name for t in job.tasks] == [t["name"] for t in document["tasks"]]
