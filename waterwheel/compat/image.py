"""The image translated DAGs run in, built offline (``waterwheel airflow image``).

Each task runs ``python3 -m waterwheel.compat.runner`` in an image that must
hold Waterwheel, the few packages the runner imports and the DAG folder at the
absolute path the job documents name. Nothing is installed in the image, so no
package index or registry is needed: the packages are copied from this Python
installation (the image runs the very code that translated the DAGs), which is
why the base must have the same Python minor version.
"""

from __future__ import annotations

import importlib.machinery
import importlib.metadata
import json
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import docker
import docker.errors
import requests
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import waterwheel

# The distributions the runner, its templating and the shim import directly;
# what they need in turn is read from the installed metadata, so the image
# follows dependency releases (tests/e2e/test_airflow_image.py checks that the
# closure covers every module they import).
RUNNER_REQUIREMENTS = ("Jinja2", "croniter")
SITE = PurePosixPath("/opt/waterwheel/python")  # on the image's PYTHONPATH
HOST_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
DEFAULT_BASE = f"python:{HOST_PYTHON}-slim"
# Run in the built image: the modules a task imports first, then where bash is.
SMOKE_TEST = (
    "import shutil, croniter, waterwheel.compat.runner, waterwheel.compat.templating;"
    " print(shutil.which('bash') or '')"
)
_BYTECODE = shutil.ignore_patterns("__pycache__", "*.pyc")
_EXTENSIONS = tuple(importlib.machinery.EXTENSION_SUFFIXES)

Echo = Callable[[str], None]


class ImageError(Exception):
    """Why the image could not be built, worded for the user."""


def build_image(dags_dir: Path, tag: str, base: str = DEFAULT_BASE, echo: Echo = print) -> None:
    """Build ``tag`` FROM ``base`` with Waterwheel, the runner's packages (on
    PYTHONPATH) and ``dags_dir`` at its absolute path, then check that the
    runner imports in it. Progress goes to ``echo``."""
    dags = dags_dir.resolve()
    if not dags.is_dir():
        raise ImageError(f"DAGs folder {dags_dir} does not exist or is not a folder")
    client = _client()
    _check_base(client, base, echo)
    with tempfile.TemporaryDirectory(prefix="waterwheel-image-") as context:
        root = Path(context)
        _copy_packages(root / "python", echo)
        echo(f"adding the DAG folder {dags}")
        shutil.copytree(dags, root / "dags", ignore=_BYTECODE)
        (root / "Dockerfile").write_text(_dockerfile(base, PurePosixPath(dags.as_posix())))
        _build(client, root, tag, echo)
    _check_image(client, tag, echo)
    echo(f"built {tag}")


def _client() -> docker.DockerClient:
    try:
        client = docker.from_env()
        client.ping()
    except (docker.errors.DockerException, requests.RequestException) as exc:
        raise ImageError(
            f"cannot reach the Docker engine ({exc}); start it or point DOCKER_HOST at it"
        ) from None
    return client


def _run(client: docker.DockerClient, image: str, command: list[str]) -> tuple[int, str]:
    """Exit code and output of ``command`` run as the entrypoint, as the worker
    runs the runner (no network: nothing here needs it)."""
    container = client.containers.create(image, entrypoint=command, network_mode="none")
    try:
        container.start()
        status = container.wait()["StatusCode"]
        return status, container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)


def _check_base(client: docker.DockerClient, base: str, echo: Echo) -> None:
    """The base must be here (nothing is pulled) and have python3 of our minor
    version: the copied packages and the runner are this interpreter's."""
    try:
        client.images.get(base)
    except docker.errors.ImageNotFound:
        raise ImageError(
            f"base image {base} is not on the Docker engine, and nothing is pulled:"
            f" pull, build or load it first, or choose another base"
        ) from None
    echo(f"checking the Python of {base}")
    wanted = f"the base needs Python {HOST_PYTHON} as python3, like this Waterwheel"
    try:
        status, output = _run(client, base, ["python3", "--version"])
    except docker.errors.APIError as exc:
        raise ImageError(f"cannot run python3 in {base}: {wanted} ({exc.explanation})") from None
    found = re.search(r"Python (\d+\.\d+)", output)
    if status or not found:
        raise ImageError(f"`python3 --version` in {base} said {output.strip()!r}: {wanted}")
    if found.group(1) != HOST_PYTHON:
        raise ImageError(
            f"{base} has Python {found.group(1)}: {wanted} (e.g. python:{HOST_PYTHON}-slim)"
        )


def _copy_packages(dest: Path, echo: Echo) -> None:
    """Waterwheel from where it is imported (also an editable install), the
    runner's dependencies from their distributions' file lists."""
    source = Path(waterwheel.__file__).parent
    echo(f"adding waterwheel {waterwheel.__version__} from {source}")
    shutil.copytree(source, dest / "waterwheel", ignore=_BYTECODE)
    for name in runtime_distributions():
        _copy_distribution(name, dest, echo)


def runtime_distributions() -> list[str]:
    """RUNNER_REQUIREMENTS and everything they require on this interpreter, as
    installed (extras left out, markers evaluated here: the image has this
    Python version), sorted by canonical name."""
    found: dict[str, str] = {}
    pending = list(RUNNER_REQUIREMENTS)
    while pending:
        name = pending.pop()
        key = canonicalize_name(name)
        if key in found:
            continue
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            raise ImageError(f"{name} is not installed here: pip install {name}") from None
        found[key] = dist.metadata["Name"]
        for line in dist.requires or ():
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return [found[key] for key in sorted(found)]


def _copy_distribution(name: str, dest: Path, echo: Echo) -> None:
    """Copy a distribution's files, its metadata included; compiled extensions
    are left out since they are built for this host, not the image's platform
    (MarkupSafe's speedups are optional: it falls back to pure Python)."""
    dist = importlib.metadata.distribution(name)
    if dist.files is None:
        raise ImageError(f"{name} {dist.version} does not list its files: reinstall it with pip")
    echo(f"adding {name} {dist.version}")
    for file in dist.files:
        if ".." in file.parts or "__pycache__" in file.parts or file.suffix == ".pyc":
            continue  # scripts outside site-packages, bytecode
        if file.name.endswith(_EXTENSIONS):
            echo(f"  left out the compiled extension {file} (built for this host)")
            continue
        target = dest / file
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(dist.locate_file(file), target)


def _dockerfile(base: str, dags: PurePosixPath) -> str:
    return (
        f"FROM {base}\n"
        f"COPY {json.dumps(['python', f'{SITE}/'])}\n"
        f"COPY {json.dumps(['dags', f'{dags}/'])}\n"
        f"ENV PYTHONPATH={SITE}${{PYTHONPATH:+:$PYTHONPATH}}\n"
    )


def _build(client: docker.DockerClient, context: Path, tag: str, echo: Echo) -> None:
    echo(f"building {tag}")
    try:
        for chunk in client.api.build(
            path=str(context), tag=tag, rm=True, forcerm=True, pull=False, decode=True
        ):
            if "error" in chunk:
                raise ImageError(f"building {tag} failed: {chunk['error'].strip()}")
            line = chunk.get("stream", "").strip()
            if line.startswith("Step "):
                echo(f"  {line}")
    except docker.errors.APIError as exc:
        raise ImageError(f"building {tag} failed: {exc.explanation}") from None
    except docker.errors.DockerException as exc:  # refused before the engine is asked
        raise ImageError(f"cannot build {tag}: {exc}") from None


def _check_image(client: docker.DockerClient, tag: str, echo: Echo) -> None:
    echo(f"checking that the runner imports in {tag}")
    status, output = _run(client, tag, ["python3", "-c", SMOKE_TEST])
    if status:
        raise ImageError(f"the runner does not import in {tag}:\n{output.strip()}")
    if not output.strip():
        echo(f"warning: {tag} has no bash: BashOperator and @task.bash tasks will fail")
