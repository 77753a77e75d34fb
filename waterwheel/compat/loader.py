"""Load Airflow DAG files with the shim, each in a module of its own.

One file's import error or exception is reported with its path and traceback
and the other files go on. As Airflow does, only files whose text mentions
both ``airflow`` and ``dag`` are imported (helper modules are left alone),
paths matched by ``.airflowignore`` are skipped, and the DAG folder is on
``sys.path`` so DAG files can import their sibling modules.

While loading, the shim is first on ``sys.path`` and any ``airflow`` modules
already imported are set aside; afterwards both are restored, so a real
Airflow in the same environment is untouched.
"""

from __future__ import annotations

import fnmatch
import hashlib
import importlib
import importlib.util
import re
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from waterwheel.compat import SHIM_DIR

IGNORE_FILE = ".airflowignore"
FLAVOURS = ("2", "3")
# Markers of DAG files written for Airflow 2 (airflow-compat.md section 0).
_AIRFLOW2_MARKERS = (
    "airflow.operators",
    "airflow.decorators",
    "airflow.models",
    "airflow.utils.dates",
    "schedule_interval",
    "days_ago",
    "DummyOperator",
)
_AIRFLOW3_MARKERS = ("airflow.sdk", "airflow.providers.standard")


@dataclass
class FileResult:
    """What loading one DAG file gave: its DAGs, or the error that stopped it."""

    path: Path
    flavour: str
    dags: list[Any] = field(default_factory=list)
    error: str | None = None  # one line naming the file and what failed
    traceback: str | None = None


def detect_flavour(text: str) -> str:
    """The Airflow version a DAG file was written for, from its imports (3 if unclear)."""
    if any(marker in text for marker in _AIRFLOW3_MARKERS):
        return "3"
    return "2" if any(marker in text for marker in _AIRFLOW2_MARKERS) else "3"


def _is_dag_file(text: str) -> bool:
    lowered = text.lower()
    return "airflow" in lowered and "dag" in lowered


def _ignore_patterns(folder: Path, root: Path, flavour: str | None) -> list[re.Pattern]:
    """Patterns of the ``.airflowignore`` files from ``root`` down to ``folder``,
    matched against paths relative to ``root``: regular expressions for
    Airflow 2, globs for Airflow 3."""
    parts = folder.relative_to(root).parts
    patterns = []
    for depth in range(len(parts) + 1):
        ignore = root.joinpath(*parts[:depth], IGNORE_FILE)
        if not ignore.is_file():
            continue
        for line in ignore.read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                text = line if flavour == "2" else fnmatch.translate(line.rstrip("/"))
                patterns.append(re.compile(text))
    return patterns


def dag_files(root: Path, flavour: str | None = None) -> list[Path]:
    """The Python files under ``root`` to import, in path order."""
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        patterns = _ignore_patterns(path.parent, root, flavour)
        if any(p.search(relative) or p.match(path.name) for p in patterns):
            continue
        if _is_dag_file(path.read_text(errors="replace")):
            found.append(path)
    return found


def _top_level_names(folder: Path) -> set[str]:
    """Modules and packages the DAG folder offers for import."""
    if not folder.is_dir():
        return set()
    return {p.stem for p in folder.glob("*.py")} | {
        p.name for p in folder.iterdir() if (p / "__init__.py").is_file()
    }


@contextmanager
def shim_imports(dag_folder: Path) -> Iterator[None]:
    """Make ``import airflow`` the shim, and the DAG folder's modules importable
    (over same-named modules already imported here), for a while."""
    saved_path = list(sys.path)
    shadowed = {"airflow"} | _top_level_names(dag_folder)
    set_aside = {
        name: module for name, module in sys.modules.items() if name.split(".")[0] in shadowed
    }
    for name in set_aside:
        del sys.modules[name]
    before = set(sys.modules)
    sys.path[:0] = [str(SHIM_DIR), str(dag_folder)]
    try:
        yield
    finally:
        sys.path[:] = saved_path
        for name in set(sys.modules) - before:
            del sys.modules[name]
        sys.modules.update(set_aside)


def _module_name(path: Path) -> str:
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:12]
    stem = re.sub(r"\W", "_", path.stem)
    return f"waterwheel_dag_{digest}_{stem}"


def _where(error: BaseException, path: Path) -> str:
    """``path:line: `source` `` of the DAG file's frame closest to the error."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == str(path)]
    if not frames:
        return str(path)
    frame = frames[-1]
    return f"{path}:{frame.lineno}: `{(frame.line or '').strip()}`"


def _describe(error: BaseException, path: Path) -> str:
    """One line naming the file, the failing line and what failed."""
    where = _where(error, path)
    if isinstance(error, ImportError):
        missing = error.name or ""
        if missing == "pendulum" or missing.startswith("pendulum."):
            return (
                f"{where}: pendulum is not available to DAG files under Waterwheel;"
                " use datetime and airflow.utils.timezone instead"
            )
        if missing == "airflow" or missing.startswith("airflow."):
            return f"{where}: {error}: not provided by Waterwheel's Airflow shim"
    return f"{where}: {type(error).__name__}: {error}"


def load_file(path: Path, flavour: str | None = None) -> FileResult:
    """Import one DAG file in a fresh module; must run inside ``shim_imports``."""
    dag_module = importlib.import_module("airflow.models.dag")
    text = path.read_text(errors="replace")
    result = FileResult(path=path, flavour=flavour or detect_flavour(text))
    name = _module_name(path)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    with dag_module.collecting() as created:
        try:
            spec.loader.exec_module(module)
        except BaseException as exc:  # noqa: BLE001 - any failure of user code is reported
            if isinstance(exc, KeyboardInterrupt):
                raise
            result.error = _describe(exc, path)
            result.traceback = traceback.format_exc()
            return result
    found = created + [v for v in vars(module).values() if isinstance(v, dag_module.DAG)]
    for dag in dict.fromkeys(found):  # in creation order, each once
        dag.fileloc = str(path)
        result.dags.append(dag)
    return result


def load_folder(root: Path, flavour: str | None = None) -> list[FileResult]:
    """Every DAG file under ``root``; a dag_id seen in an earlier file is an error."""
    root = root.resolve()
    results = []
    seen: dict[str, Path] = {}
    with shim_imports(root):
        for path in dag_files(root, flavour):
            result = load_file(path, flavour)
            for dag in result.dags:
                if dag.dag_id in seen:
                    result.error = (
                        f"{path}: dag_id {dag.dag_id!r} is already defined in {seen[dag.dag_id]}"
                    )
                    result.dags = []
                    break
                seen[dag.dag_id] = path
            results.append(result)
    return results
