"""The shim package: both import paths, isolation from a real Airflow, and
the DAG-building semantics DAG files rely on."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from waterwheel.compat import loader

from .compat_support import DAGS, REPO

# (module, name) pairs DAG files import, Airflow 2 paths then Airflow 3 paths.
AIRFLOW2_PATHS = [
    ("airflow", "DAG"),
    ("airflow.models", "DAG"),
    ("airflow.models.dag", "DAG"),
    ("airflow.models.dag", "dag"),
    ("airflow.decorators", "dag"),
    ("airflow.decorators", "task"),
    ("airflow.decorators", "task_group"),
    ("airflow.utils.task_group", "TaskGroup"),
    ("airflow.models", "BaseOperator"),
    ("airflow.models.baseoperator", "BaseOperator"),
    ("airflow.models.baseoperator", "chain"),
    ("airflow.models.baseoperator", "cross_downstream"),
    ("airflow.models.baseoperator", "chain_linear"),
    ("airflow.utils.helpers", "chain"),
    ("airflow.utils.helpers", "cross_downstream"),
    ("airflow.utils.edgemodifier", "Label"),
    ("airflow.utils.trigger_rule", "TriggerRule"),
    ("airflow.utils.weight_rule", "WeightRule"),
    ("airflow.models", "Variable"),
    ("airflow.models.variable", "Variable"),
    ("airflow.models", "Connection"),
    ("airflow.models.connection", "Connection"),
    ("airflow.hooks.base", "BaseHook"),
    ("airflow.models", "Param"),
    ("airflow.models.param", "Param"),
    ("airflow.models.param", "ParamsDict"),
    ("airflow.models.xcom_arg", "XComArg"),
    ("airflow.operators.python", "get_current_context"),
    ("airflow.utils.context", "Context"),
    ("airflow.exceptions", "AirflowException"),
    ("airflow.exceptions", "AirflowSkipException"),
    ("airflow.exceptions", "AirflowFailException"),
    ("airflow.exceptions", "AirflowSensorTimeout"),
    ("airflow.exceptions", "AirflowTaskTimeout"),
    ("airflow.utils.dates", "days_ago"),
    ("airflow.utils", "timezone"),
    ("airflow.operators.branch", "BaseBranchOperator"),
    ("airflow.configuration", "conf"),
    ("airflow.operators.bash", "BashOperator"),
    ("airflow.operators.bash_operator", "BashOperator"),
    ("airflow.operators.python", "PythonOperator"),
    ("airflow.operators.python", "BranchPythonOperator"),
    ("airflow.operators.python", "ShortCircuitOperator"),
    ("airflow.operators.python_operator", "PythonOperator"),
    ("airflow.operators.empty", "EmptyOperator"),
    ("airflow.operators.dummy", "DummyOperator"),
    ("airflow.operators.dummy_operator", "DummyOperator"),
]
AIRFLOW3_PATHS = [
    ("airflow.sdk", name)
    for name in (
        "DAG",
        "dag",
        "task",
        "task_group",
        "TaskGroup",
        "BaseOperator",
        "chain",
        "cross_downstream",
        "chain_linear",
        "Label",
        "TriggerRule",
        "WeightRule",
        "Variable",
        "Connection",
        "BaseHook",
        "Param",
        "ParamsDict",
        "XComArg",
        "get_current_context",
        "Context",
        "BaseBranchOperator",
        "timezone",
        "macros",
    )
] + [
    ("airflow.sdk.exceptions", "AirflowSkipException"),
    ("airflow.sdk.exceptions", "AirflowFailException"),
    ("airflow.sdk.exceptions", "AirflowRuntimeError"),
    ("airflow.task.trigger_rule", "TriggerRule"),
    ("airflow.providers.common.compat.sdk", "TriggerRule"),
    ("airflow.providers.standard.operators.bash", "BashOperator"),
    ("airflow.providers.standard.operators.python", "PythonOperator"),
    ("airflow.providers.standard.operators.python", "BranchPythonOperator"),
    ("airflow.providers.standard.operators.python", "ShortCircuitOperator"),
    ("airflow.providers.standard.operators.python", "get_current_context"),
    ("airflow.providers.standard.operators.empty", "EmptyOperator"),
]


@pytest.fixture
def shim():
    with loader.shim_imports(DAGS):
        yield


def _get(module: str, name: str):
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize(("module", "name"), AIRFLOW2_PATHS + AIRFLOW3_PATHS)
def test_every_documented_path_imports(shim, module: str, name: str) -> None:
    assert _get(module, name) is not None


def test_old_and_new_paths_are_the_same_objects(shim) -> None:
    by_name: dict[str, object] = {}
    for module, name in AIRFLOW2_PATHS + AIRFLOW3_PATHS:
        key = "EmptyOperator" if name == "DummyOperator" else name
        by_name.setdefault(key, _get(module, name))
        assert _get(module, name) is by_name[key], f"{module}.{name}"


def test_a_missing_variable_is_a_keyerror_and_an_airflow3_error(shim) -> None:
    from airflow.exceptions import AirflowRuntimeError, VariableNotFound

    assert issubclass(VariableNotFound, KeyError)
    assert issubclass(VariableNotFound, AirflowRuntimeError)


def test_unknown_task_forms_name_themselves(shim) -> None:
    from airflow.decorators import task

    with pytest.raises(AttributeError, match=r"@task\.docker is not provided"):
        task.docker  # noqa: B018


FAKE_AIRFLOW_CHECK = """
import sys
from pathlib import Path
import waterwheel, waterwheel.compat
from waterwheel.compat import cli, loader, runner, translate
import airflow
assert airflow.REAL, airflow.__file__
path = list(sys.path)
results = loader.load_folder(Path({dags!r}))
assert any(r.dags for r in results)
assert sys.path == path
import airflow
assert airflow.REAL, airflow.__file__
assert "airflow.sdk" not in sys.modules
print("real airflow kept")
"""


def test_a_real_airflow_beside_waterwheel_is_never_shadowed(tmp_path: Path) -> None:
    """Importing waterwheel (and the compat layer, and loading DAGs with it)
    leaves ``import airflow`` to the installed Airflow."""
    (tmp_path / "airflow").mkdir()
    (tmp_path / "airflow" / "__init__.py").write_text("REAL = True\n")
    script = textwrap.dedent(FAKE_AIRFLOW_CHECK).format(dags=str(DAGS))
    done = subprocess.run(
        [sys.executable, "-c", script],
        env={"PYTHONPATH": f"{tmp_path}:{REPO}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "real airflow kept" in done.stdout


def test_without_airflow_installed_import_airflow_fails_outside_the_loader() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import waterwheel.compat.loader, airflow"],
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "No module named 'airflow'" in done.stderr


# DAG building, checked on the loaded corpus.


def test_default_args_fill_only_what_the_operator_accepts(dags) -> None:
    dag, _ = dags["v2_retries"]
    assert dag.get_task("plain").retries == 3
    assert dag.get_task("none").retries == 0
    assert not hasattr(dag.get_task("plain"), "not_an_operator_argument")


def test_group_default_args_and_prefixed_ids(dags) -> None:
    dag, _ = dags["v2_taskgroup"]
    assert dag.task_ids == ["start", "extract.a", "extract.inner.b", "c", "d", "end"]
    assert dag.get_task("extract.a").retries == 4
    assert dag.get_task("extract.inner.b").retries == 4
    assert dag.get_task("c").retries == 0
    assert dag.get_task("c").upstream_task_ids == {"extract.inner.b"}
    assert dag.get_task("end").upstream_task_ids == {"c", "d"}


def test_chain_cross_downstream_and_labels(dags) -> None:
    dag, _ = dags["v2_chain"]
    up = {t.task_id: t.upstream_task_ids for t in dag.tasks}
    assert up["b"] == {"a"} and up["c"] == {"a"}
    assert up["d"] == {"b"} and up["e"] == {"c"}
    assert up["f"] == {"d", "e"}
    assert up["g"] == {"a"}
    assert up["h"] == {"f", "g"} and up["i"] == {"f", "g"}
    assert up["j"] == {"h", "i"}


def test_xcom_args_make_edges_and_reuse_gets_suffixes(dags) -> None:
    dag, _ = dags["v3_taskflow"]
    assert dag.task_ids == ["numbers", "add", "add_again", "show", "show__1"]
    assert dag.get_task("add").upstream_task_ids == {"numbers"}
    assert dag.get_task("add").multiple_outputs is False
    assert dag.get_task("numbers").multiple_outputs is True  # from the dict annotation
    assert dag.get_task("add_again").retries == 2
    assert dag.get_task("show__1").upstream_task_ids == {"add_again"}


def test_task_group_decorator_called_twice(dags) -> None:
    dag, _ = dags["v3_task_group_decorator"]
    assert dag.task_ids == [
        "source",
        "process.double",
        "process.store",
        "finish",
        "process__1.double",
        "process__1.store",
    ]
    assert dag.get_task("finish").upstream_task_ids == {"process.store"}
    assert dag.get_task("process__1.double").upstream_task_ids == {"source"}


def test_dag_decorator_parameters_become_params(dags) -> None:
    dag, _ = dags["v3_params"]
    assert dag.params.resolve() == {"size": 5, "label": "small", "region": "eu"}
    assert dag.params.resolve({"size": 9, "extra": 1}) == {
        "size": 9,
        "label": "small",
        "region": "eu",
        "extra": 1,
    }
