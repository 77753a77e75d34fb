"""The contract between the worker loop and its task engines, and the parts
every engine shares: exit-code mapping, live line splitting of output, and
waiting for a task while watching its deadline and the worker's stop signal.
"""

from __future__ import annotations

import codecs
import logging
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from waterwheel.states import State

logger = logging.getLogger(__name__)

# How often a waiting engine looks at the stop signal.
POLL_SECONDS = 0.1
# Longer output without a newline is passed on in pieces of this many characters,
# so a task printing no newlines cannot grow the worker's memory without bound.
MAX_LINE = 64 * 1024


@dataclass(frozen=True)
class RunSpec:
    """Everything an engine needs to run one task run."""

    task_run_id: uuid.UUID
    image: str
    args: list[str]
    env: dict[str, str]
    # Replaces the image's entrypoint; args follow it (job document `docker.command`).
    command: list[str] | None
    timeout: float  # seconds, counted from the call to `Engine.run`
    name: str  # task name, for labels and thread names
    worker_id: uuid.UUID | None = None  # the running worker, for labels


@dataclass
class Result:
    outcome: State  # SUCCESS, FAILURE, TIMEOUT or ERROR: the run's state as the engine saw it
    message: str = ""  # why, for anything but success: exit code, engine error text
    exit_code: int | None = None  # when the task exited by itself


class LogWriter(Protocol):
    def write(self, line: str) -> None:
        """Take one line of the task's output, without its trailing newline."""


# Whether what a task run left behind is an orphan: (task run id, the worker
# that started it as the engine labelled it) -> True to remove it.
Orphaned = Callable[[uuid.UUID, str | None], bool]


class Engine(Protocol):
    # Seconds a stopped task is given to exit after SIGTERM, before SIGKILL.
    grace: float

    def run(self, spec: RunSpec, log: LogWriter, stop: threading.Event) -> Result:
        """Run the task to its end, its timeout, or until `stop` is set; never raises
        for task or engine failures (they become the result)."""

    def remove_orphans(self, orphaned: Orphaned) -> int:
        """Remove what task runs left behind whose worker died without cleaning
        up (killed), where ``orphaned`` says so; returns how many were removed."""

    def isolation(self) -> str:
        """What a task can reach from where it runs, for the worker's start-up log."""


def exit_result(code: int) -> Result:
    """Exit 0 is success, anything else failure (bug 2 of the original made it an
    error, so retries and failure edges never fired). A negative code is a host
    process killed by a signal, as `subprocess` reports it."""
    if code == 0:
        return Result(State.SUCCESS, exit_code=0)
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:  # a real-time signal has no name
            name = str(-code)
        return Result(State.FAILURE, f"killed by signal {name}")
    return Result(State.FAILURE, f"exit code {code}", exit_code=code)


class LineSplitter:
    """Cuts a byte stream into text lines for a LogWriter. A writer that raises is
    reported once and then skipped: the output must still be drained (a task
    blocked on a full pipe would hang) and the task's own result stands."""

    def __init__(self, log: LogWriter) -> None:
        self._log: LogWriter | None = log
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""

    def feed(self, chunk: bytes, final: bool = False) -> None:
        *lines, self._pending = (self._pending + self._decoder.decode(chunk, final)).split("\n")
        for line in lines:
            self._emit(line.removesuffix("\r"))
        while len(self._pending) >= MAX_LINE:
            self._emit(self._pending[:MAX_LINE])
            self._pending = self._pending[MAX_LINE:]
        if final and self._pending:
            self._emit(self._pending)
            self._pending = ""

    def _emit(self, line: str) -> None:
        if self._log is None:
            return
        try:
            self._log.write(line)
        except Exception:
            logger.exception("log writer failed; dropping the rest of this task's output")
            self._log = None


def start_pump(
    chunks: Iterable[bytes], log: LogWriter, name: str, *, framed: bool = False
) -> threading.Thread:
    """Pass output chunks to `log` line by line, as they arrive, in a thread that
    ends with the output. `framed`: every chunk ends its last line, even without
    a newline (Docker's log messages, which may come from stdout or stderr, must
    not be glued together)."""

    def pump() -> None:
        lines = LineSplitter(log)
        try:
            for chunk in chunks:
                lines.feed(chunk, final=framed)
        except Exception:
            logger.exception("reading the output of %s failed", name)
        finally:
            lines.feed(b"", final=True)

    thread = threading.Thread(target=pump, name=f"output-{name}", daemon=True)
    thread.start()
    return thread


class Waiter:
    """Runs a blocking wait for the task's exit code in a thread, so the engine
    can meet the deadline and the stop signal without waiting for the task."""

    def __init__(self, wait: Callable[[], int], name: str) -> None:
        self._wait = wait
        self._done = threading.Event()
        self._code: int | None = None
        self._error: BaseException | None = None
        threading.Thread(target=self._run, name=f"wait-{name}", daemon=True).start()

    def _run(self) -> None:
        try:
            self._code = self._wait()
        except BaseException as exc:  # handed to the engine's thread by result()
            self._error = exc
        finally:
            self._done.set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def join(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def result(self, deadline: float, stop: threading.Event, timeout: float) -> Result:
        """The exit result, or TIMEOUT once `deadline` (monotonic) passes, or
        ERROR "stopped" once `stop` is set: whichever comes first. Errors of the
        wait are raised here."""
        while not self._done.wait(min(POLL_SECONDS, max(0.0, deadline - time.monotonic()))):
            if stop.is_set():
                return Result(State.ERROR, "stopped")
            if time.monotonic() >= deadline:
                return Result(State.TIMEOUT, f"timed out after {timeout:g} s")
        if self._error is not None:
            raise self._error
        assert self._code is not None
        return exit_result(self._code)
