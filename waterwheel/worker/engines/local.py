"""The local engine: the embedded default's way to run a task without Docker,
as a host process. It isolates nothing (the task runs with the worker's user
and file system), so it is for trying Waterwheel out, not for untrusted jobs.

The task is the process group of the started program, the way a container is
the processes under its PID 1: when the program exits its leftovers are
killed, and a timeout or stop ends the whole group (SIGTERM, then SIGKILL
after the grace period).
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from waterwheel.states import State
from waterwheel.worker.engines.base import (
    POLL_SECONDS,
    LineSplitter,
    LogWriter,
    Orphaned,
    Result,
    RunSpec,
    exit_result,
)

# Images the local engine imitates with a host program: the repository name
# (no registry, namespace, tag or digest) -> the programs that stand for it,
# the first one found on PATH wins. `waterwheel-test/busybox:1` is `busybox`.
IMAGE_PROGRAMS: dict[str, tuple[str, ...]] = {
    "bash": ("bash",),
    "sh": ("sh",),
    "busybox": ("sh",),
    "alpine": ("sh",),
    "python": ("python", "python3"),
}
# How long the output may keep flowing after the task ended: only a process
# that left the group (setsid) can hold the pipe open that long.
DRAIN_SECONDS = 5.0
# How often the exit is looked for where the system has no pidfds.
EXIT_POLL_SECONDS = 0.01


class _CannotRun(Exception):
    """The spec names nothing this host can run."""


def _repository(image: str) -> str:
    """`docker.io/library/python:3.12-slim@sha256:…` -> `python`."""
    return image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]


def _own_modules_here(command: list[str]) -> list[str]:
    """``python3 -m waterwheel.…`` (the Airflow runner) in the interpreter that
    runs this worker: the first python3 on PATH may belong to another
    installation, without Waterwheel (a virtual environment started by its full
    path, as a service manager does, puts nothing on PATH)."""
    program, *rest = command
    module = rest[1] if len(rest) > 1 and rest[0] == "-m" else ""
    if program in {"python", "python3"} and module.partition(".")[0] == "waterwheel":
        return [sys.executable, *rest]
    return list(command)


def _argv(spec: RunSpec, path: str) -> list[str]:
    """The host command line for `spec`: `command` + `args` when a command is
    given; else the image's program with `args`, following the bash image's
    entrypoint: `args` run as they are when they start with a command found on
    PATH, and go to the image's program when empty, option-like or not a command.
    """
    if spec.command:
        return [*_own_modules_here(spec.command), *spec.args]
    names = IMAGE_PROGRAMS.get(_repository(spec.image))
    if names is None:
        raise _CannotRun(
            f"the local engine cannot run image {spec.image!r} (it knows only"
            f" {', '.join(IMAGE_PROGRAMS)}); use the docker engine or give the task a command"
        )
    program = next(filter(None, (shutil.which(name, path=path) for name in names)), None)
    if program is None:
        raise _CannotRun(
            f"the local engine runs image {spec.image!r} with {' or '.join(names)},"
            " which this host does not have; use the docker engine or give the task a command"
        )
    first = spec.args[0] if spec.args else ""
    if first in names:
        return [program, *spec.args[1:]]
    if first and not first.startswith("-") and shutil.which(first, path=path):
        return list(spec.args)
    return [program, *spec.args]


class LocalEngine:
    """Runs each task as a host process group in a fresh temporary directory."""

    def __init__(self, grace: float = 10.0) -> None:
        self.grace = grace

    def isolation(self) -> str:
        return "tasks run as processes of the worker's user on its host: they reach what it reaches"

    def run(self, spec: RunSpec, log: LogWriter, stop: threading.Event) -> Result:
        deadline = time.monotonic() + spec.timeout
        # A minimal base, not the worker's environment: the worker's own settings
        # (secrets included) must not leak into tasks.
        env = {"PATH": os.environ.get("PATH", os.defpath)}
        if "HOME" in os.environ:
            env["HOME"] = os.environ["HOME"]
        env |= spec.env
        try:
            argv = _argv(spec, env["PATH"])
        except _CannotRun as exc:
            return Result(State.ERROR, str(exc))
        with tempfile.TemporaryDirectory(
            prefix=f"waterwheel-{spec.task_run_id}-", ignore_cleanup_errors=True
        ) as workdir:
            try:
                proc = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    env=env,
                    cwd=workdir,
                    start_new_session=True,  # its own process group, pgid = pid
                )
            except OSError as exc:
                return Result(State.ERROR, f"cannot start {argv[0]!r}: {exc.strerror or exc}")
            with _Watched(proc, log) as task:
                if not task.wait(deadline, stop):
                    self._terminate(task)
                    if stop.is_set():
                        return Result(State.ERROR, "stopped")
                    return Result(State.TIMEOUT, f"timed out after {spec.timeout:g} s")
                if task.code is None:
                    return Result(State.ERROR, f"lost track of the task process: {task.lost}")
                return exit_result(task.code)

    def remove_orphans(self, orphaned: Orphaned) -> int:
        """Nothing to find: a host process keeps no label naming its run. (A
        killed standalone worker's task processes run on to their end.)"""
        return 0

    def _terminate(self, task: _Watched) -> None:
        """SIGTERM to the whole group, SIGKILL after the grace period."""
        for sig, patience in ((signal.SIGTERM, self.grace), (signal.SIGKILL, None)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(task.pid, sig)
            if task.wait(time.monotonic() + patience if patience is not None else None):
                return


class _Watched:
    """A started task process, watched from the calling thread: its output and
    its exit arrive through one selector (the pipe and a pidfd), so a run costs
    no thread of its own. As a context manager, it drains the rest of the
    output at the end and reaps the process."""

    def __init__(self, proc: subprocess.Popen, log: LogWriter) -> None:
        assert proc.stdout is not None
        self.proc = proc
        self.pid = proc.pid  # also the group id
        self.code: int | None = None  # the leader's exit code once it exited
        self.lost: str | None = None  # why its exit cannot be known
        self._lines: LineSplitter | None = LineSplitter(log)  # None: the output ended
        self._selector = selectors.DefaultSelector()
        self._selector.register(proc.stdout, selectors.EVENT_READ)
        self._pidfd = _pidfd(proc.pid)  # without one, the exit is polled for between reads
        if self._pidfd is not None:
            self._selector.register(self._pidfd, selectors.EVENT_READ)
        self._poll = POLL_SECONDS if self._pidfd is not None else EXIT_POLL_SECONDS

    def wait(self, deadline: float | None, stop: threading.Event | None = None) -> bool:
        """Pass the output on until the leader exits (True), or until ``deadline``
        (monotonic) passes or ``stop`` is set (False)."""
        while not self.ended:
            remaining = POLL_SECONDS if deadline is None else deadline - time.monotonic()
            if remaining <= 0 or (stop is not None and stop.is_set()):
                return False
            self._step(min(remaining, self._poll))
            if self._pidfd is None:
                self._exited(block=False)
        return True

    @property
    def ended(self) -> bool:
        return self.code is not None or self.lost is not None

    def _exited(self, block: bool) -> None:
        try:
            self.code = _end_group(self.pid, block)
        except ChildProcessError as exc:  # someone else reaped it (SIGCHLD ignored?)
            self.lost = str(exc)

    def _step(self, timeout: float) -> None:
        for key, _ in self._selector.select(timeout):
            if key.fileobj is self._pidfd:
                self._selector.unregister(self._pidfd)
                self._exited(block=True)
            elif self._lines is not None:
                chunk = os.read(key.fd, 65536)  # what is there: no waiting for a full buffer
                self._lines.feed(chunk, final=not chunk)
                if not chunk:
                    self._selector.unregister(key.fileobj)
                    self._lines = None

    def __enter__(self) -> _Watched:
        return self

    def __exit__(self, *exc_info: object) -> None:
        """After the leader's exit: the output until its end, which only a
        process that left the group (setsid) can hold off, for DRAIN_SECONDS.
        Leaving early (an exception), the group is killed first."""
        if not self.ended:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
        try:
            deadline = time.monotonic() + DRAIN_SECONDS
            while self._lines is not None and (remaining := deadline - time.monotonic()) > 0:
                self._step(remaining)
        finally:
            self._selector.close()
            if self._pidfd is not None:
                os.close(self._pidfd)
            self.proc.stdout.close()
            self.proc.wait()  # reaped only now: until then the pid (= pgid) cannot be reused


def _pidfd(pid: int) -> int | None:
    """A descriptor that turns readable when the process exits, or None where
    there are none: not Linux, or a seccomp profile that refuses them."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def _end_group(pid: int, block: bool) -> int | None:
    """Once the group leader exited: kill what it left behind in its group
    (before it is reaped, so the pgid cannot be reused), and return its exit
    code (negative: killed by a signal). None: it has not exited (``block`` False)."""
    info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT | (0 if block else os.WNOHANG))
    if info is None:
        return None
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    return info.si_status if info.si_code == os.CLD_EXITED else -info.si_status
