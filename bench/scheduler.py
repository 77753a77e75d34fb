"""Scheduler throughput, end to end through the real processes.

Runs each scenario on the embedded default (``waterwheel standalone``: SQLite,
in-process broker) and on PostgreSQL + RabbitMQ (``waterwheel api``,
``waterwheel scheduler`` and ``waterwheel worker``), with the local engine running ``true``:

(a) one job of 200 parallel tasks: wall time from activation to all done;
(b) a chain of 50 tasks: median and p95 gap between a task's end and the next
    one's start;
(c) one job catching up 10,000 hourly trigger times with one task: runs/s.

Targets on a 2-core machine: chain gap median under 50 ms, fan-out over 100
tasks/s, catch-up over 200 runs/s. Prints its figures; asserts nothing.
Run: ``python bench/scheduler.py [embedded|services] [--catchup N]``.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import requests
import sqlalchemy as sa

from waterwheel.timeutil import format_datetime, parse_datetime

PG_URL = os.environ.get(
    "WATERWHEEL_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/waterwheel_bench"
)
AMQP = os.environ.get("WATERWHEEL_BENCH_AMQP", "amqp://guest:guest@127.0.0.1:5672")
T = "2025-01-01T00:00:00Z"
POLL_SECONDS = 0.5
TRUE = {"image": "local", "command": ["true"], "args": []}
BASE_ENV = {
    "WATERWHEEL_HMAC_SECRET": "bench-secret-bench-secret-bench-secret",
    "WATERWHEEL_NO_AUTHZ": "true",
    "WATERWHEEL_TASK_ENGINE": "local",
    "WATERWHEEL_MAX_TASKS": "8",
    "WATERWHEEL_MAX_CATCHUP": "1000000",  # (c) catches up more than the default
    "WATERWHEEL_LOG": "warn",
}


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATERWHEEL_")}
    return env | BASE_ENV | extra


def _spawn(*args: str, read_output: bool = False, **env: str) -> subprocess.Popen:
    """A waterwheel process; its output is piped only when it will be read
    (a full pipe would block the process)."""
    return subprocess.Popen(
        [sys.executable, "-m", "waterwheel", *args],
        env=_clean_env(**env),
        stdout=subprocess.PIPE if read_output else subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def _api_url(process: subprocess.Popen) -> str:
    for line in process.stdout:
        match = re.search(r"API:?\s+.*?(http://\S+?)/api/", line)
        if match:
            return match.group(1)
    raise RuntimeError("the process exited before printing its API address")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_healthy(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/healthcheck", timeout=1).ok:
                return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"the API at {base} did not come up")


def _stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        process.send_signal(signal.SIGINT)
    for process in processes:
        process.wait(timeout=60)


def _wait_consuming(vhost: str, queue: str, consumers: int) -> None:
    """Until ``queue`` has its ``consumers``: a worker that is still starting
    would put its start-up time into the first figure."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        listed = subprocess.run(
            ["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "consumers"],
            capture_output=True,
            text=True,
        ).stdout
        counts = dict(line.split("\t", 1) for line in listed.splitlines() if "\t" in line)
        if counts.get(queue) == str(consumers):
            return
        time.sleep(0.2)
    raise RuntimeError(f"{queue} did not get its {consumers} consumers")


@contextmanager
def embedded() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        process = _spawn(
            "standalone",
            read_output=True,
            WATERWHEEL_DB_URL=f"sqlite:///{tmp}/bench.db",
            WATERWHEEL_SERVER_BIND="127.0.0.1:0",
        )
        try:
            yield _api_url(process)
        finally:
            _stop(process)


@contextmanager
def services() -> Iterator[str]:
    url = sa.engine.make_url(PG_URL)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    vhost = f"waterwheel-bench-{uuid.uuid4().hex[:8]}"
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", vhost], check=True)
    subprocess.run(
        ["rabbitmqctl", "-q", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
        check=True,
    )
    env = {
        "WATERWHEEL_DB_URL": url.render_as_string(hide_password=False),
        "WATERWHEEL_AMQP_ADDR": f"{AMQP}/{vhost}",
        "WATERWHEEL_REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    subprocess.run(
        [sys.executable, "-m", "waterwheel", "db", "upgrade"],
        env=_clean_env(**env),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    # The production shape: API under gunicorn, a scheduler, a worker.
    api = _spawn("api", WATERWHEEL_SERVER_BIND=f"127.0.0.1:{port}", **env)
    scheduler = _spawn("scheduler", **env)
    worker = None
    try:
        _wait_healthy(base)
        worker = _spawn("worker", WATERWHEEL_SERVER_ADDR=base + "/", **env)
        _wait_consuming(vhost, "waterwheel.tasks", int(BASE_ENV["WATERWHEEL_MAX_TASKS"]))
        yield base
    finally:
        _stop(*(p for p in (worker, scheduler, api) if p is not None))
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], check=False)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        admin.dispose()


class Api:
    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()

    def call(self, method: str, path: str, **kwargs):
        response = self.http.request(method, self.base + path, timeout=60, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def job(self, name: str, tasks: list[dict], triggers: list[dict] | None = None) -> str:
        job_id = str(uuid.uuid4())
        document = {
            "uuid": job_id,
            "project": "bench",
            "name": name,
            "description": "",
            "triggers": triggers or [],
            "tasks": tasks,
        }
        self.call("POST", "/api/jobs", json=document)
        return job_id

    def activate(self, job_id: str, task: str) -> None:
        tasks = {t["name"]: t["task_id"] for t in self.call("GET", f"/api/jobs/{job_id}/tasks")}
        self.call("PUT", f"/api/tasks/{tasks[task]}/tokens/{T}", json={})

    def wait_finished(self, job_id: str, count: int, timeout: float = 600) -> list[dict]:
        """The job's runs at ``T`` once ``count`` have finished. Polled slowly:
        the figures come from the runs' own times, and polling costs the stack."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            runs = self.call("GET", f"/api/jobs/{job_id}/runs/{T}")
            if sum(1 for r in runs if r["finish_datetime"]) >= count:
                return runs
            time.sleep(POLL_SECONDS)
        raise TimeoutError(f"{count} runs did not finish in {timeout} s")

    def successes(self, project_id: str, job_name: str) -> int:
        (job,) = self.call("GET", f"/api/projects/{project_id}/jobs", params={"name": job_name})
        return job["success"]


def last_finish(runs: list[dict]) -> datetime:
    return max(parse_datetime(r["finish_datetime"]) for r in runs)


def fan_out(api: Api) -> str:
    job = api.job(
        "fan",
        [{"name": "go"}]
        + [{"name": f"t{i:03}", "docker": TRUE, "depends": ["task/go"]} for i in range(200)],
    )
    started = datetime.now(UTC)
    api.activate(job, "go")
    elapsed = (last_finish(api.wait_finished(job, 201)) - started).total_seconds()
    return f"(a) 200 parallel tasks: {elapsed:6.2f} s, {200 / elapsed:6.1f} tasks/s"


def chain(api: Api) -> str:
    tasks = [{"name": "c00", "docker": TRUE}] + [
        {"name": f"c{i:02}", "docker": TRUE, "depends": [f"task/c{i - 1:02}"]} for i in range(1, 50)
    ]
    job = api.job("chain", tasks)
    api.activate(job, "c00")
    runs = {r["name"]: r for r in api.wait_finished(job, 50)}
    gaps = [
        (
            parse_datetime(runs[f"c{i:02}"]["started_datetime"])
            - parse_datetime(runs[f"c{i - 1:02}"]["finish_datetime"])
        ).total_seconds()
        * 1000
        for i in range(1, 50)
    ]
    ordered = sorted(gaps)
    return (
        f"(b) chain of 50: gap median {statistics.median(gaps):6.1f} ms,"
        f" p95 {ordered[int(0.95 * len(ordered)) - 1]:6.1f} ms"
    )


def catch_up(api: Api, project_id: str, count: int) -> str:
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(
        hours=count - 1
    )
    trigger = {"name": "hourly", "start": format_datetime(start), "period": "1h"}
    started, deadline = datetime.now(UTC), time.monotonic() + 1800
    task = {"name": "t", "docker": TRUE, "depends": ["trigger/hourly"]}
    job = api.job("catchup", [task], [trigger])
    while (done := api.successes(project_id, "catchup")) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {done} of {count} runs finished")
        time.sleep(POLL_SECONDS)
    # Oldest first: the newest time's run is the last to finish (to a few ms).
    newest = format_datetime(start + timedelta(hours=count - 1))
    finished = last_finish(api.call("GET", f"/api/jobs/{job}/runs/{newest}"))
    elapsed = (finished - started).total_seconds()
    return f"(c) catch-up of {count} trigger times: {elapsed:6.1f} s, {count / elapsed:6.1f} runs/s"


def run(label: str, stack, catchup: int) -> None:
    with stack() as base:
        api = Api(base)
        project_id = api.call("POST", "/api/projects", json={"name": "bench", "description": ""})[
            "uuid"
        ]
        for line in (fan_out(api), chain(api), catch_up(api, project_id, catchup)):
            print(f"{label:9} {line}", flush=True)


def machine_speed() -> str:
    """A fixed pure-Python loop, best of three: machines of one kind differ by
    more than two times, so figures from two sessions compare only with this."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(5_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return f"machine: 5M-step Python loop in {best * 1000:.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stacks", nargs="*", default=["embedded", "services"])
    parser.add_argument("--catchup", type=int, default=10_000)
    options = parser.parse_args()
    print(machine_speed(), flush=True)
    for name in options.stacks:
        run(name, {"embedded": embedded, "services": services}[name], options.catchup)
    return 0


if __name__ == "__main__":
    sys.exit(main())
