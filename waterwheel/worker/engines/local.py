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
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import IO

from waterwheel.worker.engines.base import (
    LogWriter,
    Orphaned,
    Outcome,
    Result,
    RunSpec,
    Waiter,
    start_pump,
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


class _CannotRun(Exception):
    """The spec names nothing this host can run."""


def _repository(image: str) -> str:
    """`docker.io/library/python:3.12-slim@sha256:…` -> `python`."""
    return image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]


def _argv(spec: RunSpec, path: str) -> list[str]:
    """The host command line for `spec`: `command` + `args` when a command is
    given; else the image's program with `args`, following the bash image's
    entrypoint: `args` run as they are when they start with a command found on
    PATH, and go to the image's program when empty, option-like or not a command.
    """
    if spec.command:
        return [*spec.command, *spec.args]
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
            return Result(Outcome.ERROR, str(exc))
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
                return Result(Outcome.ERROR, f"cannot start {argv[0]!r}: {exc.strerror or exc}")
            assert proc.stdout is not None
            pump = start_pump(_chunks(proc.stdout), log, spec.name)
            waiter = Waiter(lambda: _wait_group(proc.pid), spec.name)
            try:
                return waiter.result(deadline, stop, spec.timeout)
            except ChildProcessError as exc:  # someone else reaped it (SIGCHLD ignored?)
                return Result(Outcome.ERROR, f"lost track of the task process: {exc}")
            finally:
                if not waiter.done:
                    self._terminate(proc.pid, waiter)
                proc.wait()  # reap only now: until then the pid (= pgid) cannot be reused
                pump.join(DRAIN_SECONDS)

    def remove_orphans(self, orphaned: Orphaned) -> int:
        """Nothing to find: a host process keeps no label naming its run. (A
        killed standalone worker's task processes run on to their end.)"""
        return 0

    def _terminate(self, pgid: int, waiter: Waiter) -> None:
        for sig, patience in ((signal.SIGTERM, self.grace), (signal.SIGKILL, None)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, sig)
            if waiter.join(patience):
                return


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """The pipe's bytes as they come (unbuffered reads: nothing waits for a buffer
    to fill); closed by the reading thread at the end, never under its feet."""
    with stream:
        yield from iter(lambda: os.read(stream.fileno(), 65536), b"")


def _wait_group(pid: int) -> int:
    """Wait for the group leader to exit without reaping it, kill what it left
    behind in its group, and return its exit code (negative: killed by a signal)."""
    info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    return info.si_status if info.si_code == os.CLD_EXITED else -info.si_status
