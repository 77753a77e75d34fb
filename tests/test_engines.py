"""Task engines on real host processes and the real Docker engine: results,
live output, timeouts, stop, and that nothing is left running afterwards.

The Docker half needs `scripts/start-docker.sh && scripts/docker-images.sh`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from docker.errors import DockerException, ImageNotFound, NotFound
from services import service_missing

from waterwheel.states import State
from waterwheel.worker.engines import make_engine
from waterwheel.worker.engines.base import Engine, Result, RunSpec
from waterwheel.worker.engines.docker import (
    LABEL_SERVER,
    LABEL_TASK_RUN_ID,
    LABEL_WORKER_ID,
    DockerEngine,
    _ensure_image,
)
from waterwheel.worker.engines.local import LocalEngine

IMAGE = "waterwheel-test/busybox:1"
START_DOCKER = "scripts/start-docker.sh && scripts/docker-images.sh"


class Recorder:
    """A LogWriter that notes when each line arrived."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.times: list[float] = []

    def write(self, line: str) -> None:
        self.lines.append(line)
        self.times.append(time.monotonic())


def spec(
    args: list[str],
    *,
    image: str = IMAGE,
    command: list[str] | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 20,
) -> RunSpec:
    return RunSpec(uuid.uuid4(), image, args, env or {}, command, timeout, "test_task")


@pytest.fixture(scope="module")
def docker_client() -> Iterator[docker.DockerClient]:
    try:
        client = docker.from_env()
        client.ping()
    except DockerException:
        service_missing("the Docker engine", START_DOCKER)
    try:
        client.images.get(IMAGE)
    except ImageNotFound:
        service_missing(f"the image {IMAGE}", START_DOCKER)
    yield client
    client.close()


@pytest.fixture(params=["local", "local-without-pidfd", "docker"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Engine:
    # A short grace: the busybox shell is PID 1 in its container and ignores SIGTERM.
    if request.param == "docker":
        request.getfixturevalue("docker_client")
        return DockerEngine(grace=1)
    if request.param == "local-without-pidfd":  # as on systems other than Linux
        monkeypatch.delattr(os, "pidfd_open")
    return LocalEngine(grace=1)


def run(
    engine: Engine, run_spec: RunSpec, stop: threading.Event | None = None
) -> tuple[Result, Recorder]:
    """Run to the end; for Docker, check that the container is gone whatever happened."""
    log = Recorder()
    result = engine.run(run_spec, log, stop or threading.Event())
    if isinstance(engine, DockerEngine):
        client = docker.from_env()
        label = f"{LABEL_TASK_RUN_ID}={run_spec.task_run_id}"
        try:
            assert client.containers.list(all=True, filters={"label": label}) == [], (
                "the container was not removed"
            )
        finally:
            client.close()
    return result, log


def alive(pid: int) -> bool:
    """Running, not merely a zombie waiting for a reaper."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def gone(pid: int, within: float = 10.0) -> bool:
    """Whether ``pid`` dies within ``within`` seconds: a SIGKILL is delivered
    at once, but a busy machine may take a moment to end the process."""
    deadline = time.monotonic() + within
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


# Both engines


def test_output_lines_of_stdout_and_stderr(engine: Engine) -> None:
    result, log = run(engine, spec(["-c", "echo one; echo two >&2; echo; printf 'three\\n4'"]))
    assert result == Result(State.SUCCESS, exit_code=0)
    # Docker keeps the two streams apart: only each one's own order is certain.
    assert [line for line in log.lines if line != "two"] == ["one", "", "three", "4"]
    assert "two" in log.lines


def test_output_is_streamed_while_the_task_runs(engine: Engine) -> None:
    result, log = run(engine, spec(["-c", "echo first; sleep 1.5; echo second"]))
    ended = time.monotonic()
    assert result.outcome == State.SUCCESS
    assert log.lines == ["first", "second"]
    assert ended - log.times[0] > 1.0, "the first line arrived only at the end"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (0, Result(State.SUCCESS, exit_code=0)),
        (1, Result(State.FAILURE, "exit code 1", exit_code=1)),
        (7, Result(State.FAILURE, "exit code 7", exit_code=7)),
    ],
)
def test_exit_code(engine: Engine, code: int, expected: Result) -> None:
    assert run(engine, spec(["-c", f"exit {code}"]))[0] == expected


def test_env_is_passed(engine: Engine) -> None:
    env = {"WATERWHEEL_TASK_NAME": "a task", "GREETING": "hello=world"}
    result, log = run(engine, spec(["-c", 'echo "$WATERWHEEL_TASK_NAME|$GREETING"'], env=env))
    assert result.outcome == State.SUCCESS
    assert log.lines == ["a task|hello=world"]


def test_args_that_start_with_a_command_run_as_they_are(engine: Engine) -> None:
    result, log = run(engine, spec(["echo", "a  b", "c"]))
    assert result.outcome == State.SUCCESS
    assert log.lines == ["a  b c"]


def test_command_replaces_the_entrypoint_and_args_follow(engine: Engine) -> None:
    result, log = run(engine, spec(["%s|\\n", "x y", "z"], command=["printf"]))
    assert result.outcome == State.SUCCESS
    assert log.lines == ["x y|", "z|"]


def test_timeout_stops_the_task(engine: Engine) -> None:
    started = time.monotonic()
    result, log = run(engine, spec(["-c", "echo started; sleep 30"], timeout=1))
    elapsed = time.monotonic() - started
    assert result == Result(State.TIMEOUT, "timed out after 1 s")
    assert log.lines == ["started"]
    assert elapsed < 1 + 1 + 1.5  # timeout, grace, slack


def test_stop_ends_the_task_early(engine: Engine) -> None:
    stop = threading.Event()
    timer = threading.Timer(0.5, stop.set)
    timer.start()
    started = time.monotonic()
    result, _ = run(engine, spec(["-c", "sleep 30"]), stop)
    timer.join()
    assert result == Result(State.ERROR, "stopped")
    assert time.monotonic() - started < 0.5 + 1 + 1.5


def test_a_failing_log_writer_neither_hangs_nor_changes_the_result(engine: Engine) -> None:
    class Broken:
        def write(self, line: str) -> None:
            raise ConnectionError("log store down")

    # Far more output than a pipe holds: it must still be drained.
    task = spec(["-c", "seq 1 100000; exit 4"], timeout=15)
    assert engine.run(task, Broken(), threading.Event()) == Result(
        State.FAILURE, "exit code 4", exit_code=4
    )


# Local engine


def test_local_stdout_and_stderr_are_interleaved_in_order() -> None:
    task = spec(["-c", "echo one; echo two >&2; echo three; echo four >&2"])
    assert run(LocalEngine(), task)[1].lines == ["one", "two", "three", "four"]


@pytest.mark.parametrize(
    ("image", "args"),
    [
        ("busybox", ["-c", "echo hi"]),
        ("alpine:3.19", ["-c", "echo hi"]),
        ("sh", ["-c", "echo hi"]),
        ("docker.io/library/bash:5", ["-c", 'echo "${BASH_VERSION:+hi}"']),
        ("python:3.12-slim", ["-c", "print('hi')"]),
        ("python", ["python", "-c", "print('hi')"]),
    ],
)
def test_local_runs_known_images_with_host_programs(image: str, args: list[str]) -> None:
    result, log = run(LocalEngine(), spec(args, image=image))
    assert result == Result(State.SUCCESS, exit_code=0)
    assert log.lines == ["hi"]


def test_local_unknown_image_is_an_error_saying_what_to_do() -> None:
    result, _ = run(LocalEngine(), spec([], image="registry.example/acme/etl:2"))
    assert result.outcome == State.ERROR
    assert "cannot run image 'registry.example/acme/etl:2'" in result.message
    assert "docker engine" in result.message and "command" in result.message


def test_local_missing_program_is_an_error() -> None:
    result, _ = run(LocalEngine(), spec([], command=["/nonexistent/program"]))
    assert result.outcome == State.ERROR
    assert "/nonexistent/program" in result.message


def test_local_environment_is_minimal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATERWHEEL_HMAC_SECRET", "not for tasks")
    result, log = run(LocalEngine(), spec(["-c", "env"], env={"A": "1"}))
    assert result.outcome == State.SUCCESS
    names = {line.split("=", 1)[0] for line in log.lines}
    assert {"A", "PATH", "HOME"} <= names
    assert "WATERWHEEL_HMAC_SECRET" not in names


def test_local_timeout_kills_the_whole_process_group() -> None:
    task = spec(["-c", "trap '' TERM; sleep 30 & echo $$ $!; wait"], timeout=1)
    started = time.monotonic()
    result, log = run(LocalEngine(grace=0.5), task)
    elapsed = time.monotonic() - started
    assert result.outcome == State.TIMEOUT
    assert elapsed < 20  # the shell ignores SIGTERM: SIGKILL after the grace, not the sleep
    pids = [int(pid) for pid in log.lines[0].split()]
    assert all(gone(pid) for pid in pids)


def test_local_leftovers_die_with_the_task() -> None:
    # The background sleep holds the output pipe: the run must not wait for it.
    started = time.monotonic()
    result, log = run(LocalEngine(), spec(["-c", "sleep 30 & echo $!"]))
    assert result == Result(State.SUCCESS, exit_code=0)
    assert time.monotonic() - started < 20  # not the sleep's 30 s
    assert gone(int(log.lines[0]))


@pytest.mark.parametrize("pidfd", [True, False], ids=["pidfd", "without-pidfd"])
def test_local_task_reaped_by_someone_else_is_an_error_not_a_hang(
    pidfd: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With SIGCHLD ignored, the kernel reaps children itself: the exit code is lost.
    if not pidfd:
        monkeypatch.delattr(os, "pidfd_open")
    previous = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        started = time.monotonic()
        result, _ = run(LocalEngine(), spec(["-c", "exit 3"]))
    finally:
        signal.signal(signal.SIGCHLD, previous)
    assert result.outcome == State.ERROR
    assert result.message.startswith("lost track of the task process")
    assert time.monotonic() - started < 5


# Docker engine


def test_docker_missing_image_is_an_error_without_hanging(docker_client) -> None:
    started = time.monotonic()
    result, _ = run(DockerEngine(), spec([], image="waterwheel-test/absent:1"))
    assert result.outcome == State.ERROR
    assert "waterwheel-test/absent:1" in result.message
    assert time.monotonic() - started < 30


def test_docker_pulls_an_untagged_image_as_latest_only() -> None:
    class Images:
        pulled: list[tuple[str, str]] = []

        def get(self, name: str) -> None:
            raise ImageNotFound(name)

        def pull(self, repository: str, tag: str) -> None:
            self.pulled.append((repository, tag))

    class Client:
        images = Images()

    _ensure_image(Client(), "localhost:5000/team/tool")  # type: ignore[arg-type]
    _ensure_image(Client(), "busybox:1.36")  # type: ignore[arg-type]
    assert Images.pulled == [("localhost:5000/team/tool", "latest"), ("busybox", "1.36")]


# Choosing an engine


def test_make_engine() -> None:
    assert isinstance(make_engine("docker"), DockerEngine)
    assert isinstance(make_engine("local"), LocalEngine)
    with pytest.raises(ValueError, match="unknown task engine 'kubernetes'.*docker, local"):
        make_engine("kubernetes")


def test_docker_removes_only_the_containers_it_is_told_are_orphans(docker_client) -> None:
    server = f"http://127.0.0.1:9/{uuid.uuid4()}/"  # this test's own installation
    engine = DockerEngine(grace=1, server=server)
    dead, live, elsewhere = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    made = {
        who: docker_client.containers.run(
            IMAGE,
            ["sleep", "60"],
            detach=True,
            network_mode="host",
            labels={
                LABEL_TASK_RUN_ID: str(uuid.uuid4()),
                LABEL_WORKER_ID: who,
                LABEL_SERVER: "http://another.installation/" if who == elsewhere else server,
            },
        )
        for who in (dead, live, elsewhere)
    }
    asked: list[tuple[uuid.UUID, str | None]] = []

    def orphaned(run_id: uuid.UUID, worker: str | None) -> bool:
        asked.append((run_id, worker))
        return worker != live  # the other installation's run is unknown here too

    try:
        assert engine.remove_orphans(orphaned) == 1
        remaining = {c.id for c in docker_client.containers.list(all=True)}
        assert made[dead].id not in remaining
        assert {made[live].id, made[elsewhere].id} <= remaining
        assert {worker for _, worker in asked} == {dead, live}  # never asked of the other
    finally:
        for container in made.values():
            with contextlib.suppress(NotFound):
                container.remove(force=True)
