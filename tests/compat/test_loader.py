"""Loading DAG folders: one file at a time, failures reported per file, the
rest loaded; Airflow's rules for which files are DAG files."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from waterwheel.compat import loader

from .compat_support import DAGS

BROKEN = {
    "broken_missing_module.py": (
        "broken_missing_module.py:4: `from airflow.sensors.filesystem import FileSensor`",
        "No module named 'airflow.sensors': not provided by Waterwheel's Airflow shim",
    ),
    "broken_missing_name.py": (
        "broken_missing_name.py:4:",
        "cannot import name 'PythonVirtualenvOperator' from 'airflow.operators.python'",
    ),
    "broken_decorator.py": (
        "broken_decorator.py:8:",
        "@task.virtualenv is not provided by Waterwheel's Airflow shim",
    ),
    "broken_exception.py": (
        "broken_exception.py:6:",
        "RuntimeError: configuration missing for this DAG",
    ),
    "broken_pendulum.py": (
        "broken_pendulum.py:3: `import pendulum`",
        "pendulum is not available to DAG files under Waterwheel",
    ),
    "broken_unknown_argument.py": (
        "broken_unknown_argument.py:7:",
        "Invalid arguments were passed to BashOperator (task_id: t)."
        " Invalid arguments were: colour",
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_failing_file_is_reported_with_its_path_line_and_reason(corpus, name: str) -> None:
    result = corpus[name]
    where, reason = BROKEN[name]
    assert result.dags == []
    assert result.error.startswith(str(DAGS / where.split(":")[0]))
    assert where in result.error
    assert reason in result.error
    assert "Traceback" in result.traceback


def test_the_other_files_go_on(corpus) -> None:
    good = [r for r in corpus.values() if r.error is None]
    assert len(good) >= 30
    assert all(r.dags for r in good)
    assert {r.path.name for r in corpus.values() if r.error} == set(BROKEN)


def test_helpers_and_ignored_files_are_not_imported_as_dags(corpus) -> None:
    assert "shared.py" not in corpus
    assert "ignored_dag.py" not in corpus
    assert "v3_imports_sibling.py" in corpus and corpus["v3_imports_sibling.py"].dags


def test_every_dag_of_a_file_is_found(corpus) -> None:
    dags = corpus["v3_two_dags.py"].dags
    assert [d.dag_id for d in dags] == ["v3_two_dags_a", "v3_two_dags_b"]
    assert all(d.fileloc == str(DAGS / "v3_two_dags.py") for d in dags)


@pytest.mark.parametrize(
    ("text", "flavour"),
    [
        ("from airflow.sdk import DAG", "3"),
        ("from airflow.providers.standard.operators.bash import BashOperator", "3"),
        ("from airflow.operators.bash import BashOperator", "2"),
        ("from airflow.decorators import dag", "2"),
        ("DAG('x', schedule_interval='@daily')", "2"),
        ("from airflow import DAG", "3"),
    ],
)
def test_the_flavour_is_detected_from_imports(text: str, flavour: str) -> None:
    assert loader.detect_flavour(text) == flavour


def test_corpus_flavours(corpus) -> None:
    for name, result in corpus.items():
        if name.startswith(("v2_", "v3_")):
            assert result.flavour == name[1], name


DAG_FILE = """
from airflow import DAG
dag = DAG({dag_id!r}, schedule=None)
"""


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)


def test_a_dag_id_defined_twice_fails_the_later_file(tmp_path: Path) -> None:
    _write(tmp_path, "a.py", DAG_FILE.format(dag_id="same"))
    _write(tmp_path, "b.py", DAG_FILE.format(dag_id="same"))
    first, second = loader.load_folder(tmp_path)
    assert [d.dag_id for d in first.dags] == ["same"]
    assert (
        second.error
        == f"{tmp_path / 'b.py'}: dag_id 'same' is already defined in {tmp_path / 'a.py'}"
    )


def test_airflowignore_is_regex_for_airflow2_and_glob_for_airflow3(tmp_path: Path) -> None:
    _write(tmp_path, "keep.py", DAG_FILE.format(dag_id="keep"))
    _write(tmp_path, "sub/skip_me.py", DAG_FILE.format(dag_id="skip"))
    _write(tmp_path, "sub/.airflowignore", "skip_.*\n")
    names = {p.name for p in loader.dag_files(tmp_path, "2")}
    assert names == {"keep.py"}
    (tmp_path / "sub" / ".airflowignore").write_text("skip_*.py  # a glob\n")
    assert {p.name for p in loader.dag_files(tmp_path, "3")} == {"keep.py"}


def test_each_file_gets_a_fresh_module(tmp_path: Path) -> None:
    """Two files defining the same global do not see each other's."""
    _write(tmp_path, "one.py", DAG_FILE.format(dag_id="one") + "COUNTER = 1\n")
    _write(
        tmp_path,
        "two.py",
        DAG_FILE.format(dag_id="two") + "assert 'COUNTER' not in globals()\n",
    )
    results = loader.load_folder(tmp_path)
    assert [r.error for r in results] == [None, None]


def test_loading_leaves_sys_path_and_modules_as_they_were() -> None:
    path, modules = list(sys.path), set(sys.modules)
    loader.load_folder(DAGS)
    assert sys.path == path
    assert not {m for m in set(sys.modules) - modules if m.split(".")[0] in ("airflow", "helpers")}
