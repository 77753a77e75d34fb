"""Run logs: both stores (Redis, and the database on SQLite and PostgreSQL),
the worker's writers, the paged GET, the workers' POST and the live websocket
served by a real threaded server."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from helpers import HMAC_SECRET, T0, bearer, config_token, insert_run, serving
from services import service_missing
from simple_websocket import Client, ConnectionClosed
from sqlalchemy import update

from waterwheel.api import create_app
from waterwheel.api import logs as logs_api
from waterwheel.auth.tokens import TokenKeys
from waterwheel.config import Settings
from waterwheel.db import Database
from waterwheel.db.models import Job, Project, Task, TaskLog, TaskRun
from waterwheel.logs.db_store import DatabaseLogStore
from waterwheel.logs.redis_store import RedisLogStore, stream_key
from waterwheel.logs.store import START, InvalidCursor, LogStore
from waterwheel.timeutil import utcnow
from waterwheel.worker.api_client import ApiClient
from waterwheel.worker.log_writer import ApiLogWriter, LogWriter, RedisLogWriter, log_writer

REDIS_URL = "redis://127.0.0.1:6379/0"
WAIT = 10  # seconds a test waits for something that should come at once


@pytest.fixture(scope="session")
def redis_client() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        service_missing("Redis", "redis-server --daemonize yes --bind 127.0.0.1 --port 6379")
    return client


def new_run(db: Database, state: str = "running") -> uuid.UUID:
    """A task run row (with the project, job and task it hangs off)."""
    project_id, job_id, task_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with db.transaction() as session:
        session.add(Project(id=project_id, name=f"p-{project_id}", description=""))
        session.flush()
        session.add(Job(id=job_id, project_id=project_id, name="job", raw_definition="{}"))
        session.flush()
        session.add(Task(id=task_id, job_id=job_id, name="task"))
    return uuid.UUID(insert_run(db, task_id, T0, state=state))


@pytest.fixture
def run_id(db: Database) -> uuid.UUID:
    return new_run(db)


@pytest.fixture(params=["redis", "database"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def settings(redis_client_if_used: redis.Redis | None) -> Settings:
    redis_url = REDIS_URL if redis_client_if_used is not None else None
    return Settings(hmac_secret=HMAC_SECRET, no_authz=True, redis_url=redis_url)


@pytest.fixture
def app(settings: Settings, db: Database):
    app = create_app(settings, db=db)
    if "logs" not in app.blueprints:  # until create_app registers the log routes
        logs_api.register(app)
    app.testing = True
    return app


@pytest.fixture
def store(app, run_id: uuid.UUID, redis_client_if_used) -> Iterator[LogStore]:
    """The store the app reads, so that writes here are what the routes serve."""
    yield app.extensions[logs_api.EXTENSION]
    if redis_client_if_used is not None:
        redis_client_if_used.delete(stream_key(run_id))


@pytest.fixture
def redis_client_if_used(backend: str, request: pytest.FixtureRequest) -> redis.Redis | None:
    return request.getfixturevalue("redis_client") if backend == "redis" else None


def with_server(settings: Settings, address: str) -> Settings:
    return dataclasses.replace(settings, server_addr=f"http://{address}/")


def all_lines(store: LogStore, run_id: uuid.UUID, count: int = 1000) -> list[str]:
    lines, after = [], START
    while True:
        page = store.read(run_id, after, count)
        lines += [line.line for line in page.lines]
        if not page.lines:
            return lines
        after = page.lines[-1].id


# The stores.


def test_lines_are_read_in_order_after_a_cursor(store: LogStore, run_id: uuid.UUID) -> None:
    store.append(run_id, ["one\n", "héllo ✓\n"])
    store.append(run_id, ["three"])
    page = store.read(run_id)
    assert [line.line for line in page.lines] == ["one\n", "héllo ✓\n", "three"]
    assert not page.ended and page.end is None
    rest = store.read(run_id, after=page.lines[0].id)
    assert [line.line for line in rest.lines] == ["héllo ✓\n", "three"]
    assert store.read(run_id, after=page.lines[-1].id).lines == []


def test_end_marker_ends_the_log_with_its_outcome(store: LogStore, run_id: uuid.UUID) -> None:
    store.append(run_id, ["a", "b"], end="failure")
    page = store.read(run_id)
    assert [line.line for line in page.lines] == ["a", "b"]
    assert page.ended and page.end == "failure"
    assert store.read(run_id, after=page.lines[-1].id) == ([], "failure")


def test_a_full_page_followed_by_the_end_marker_is_the_last(
    store: LogStore, run_id: uuid.UUID
) -> None:
    store.append(run_id, ["a", "b", "c"], end="success")
    first = store.read(run_id, count=2)
    assert [line.line for line in first.lines] == ["a", "b"] and not first.ended
    last = store.read(run_id, after=first.lines[-1].id, count=1)
    assert [line.line for line in last.lines] == ["c"] and last.end == "success"


def test_unknown_run_has_an_empty_log(store: LogStore) -> None:
    assert store.read(uuid.uuid4()) == ([], None)


@pytest.mark.parametrize("cursor", ["", "abc", "-1", "1-x"])
def test_invalid_cursor(store: LogStore, run_id: uuid.UUID, cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        store.read(run_id, after=cursor)


def test_follow_yields_lines_as_written_until_the_end(store: LogStore, run_id: uuid.UUID) -> None:
    store.append(run_id, ["backlog"])

    def write() -> None:
        for n in range(3):
            store.append(run_id, [f"live {n}"])
        store.append(run_id, [], end="success")

    follower = store.follow(run_id, threading.Event())
    pages = [next(follower)]  # the backlog, before anything live is written
    threading.Thread(target=write).start()
    pages += list(follower)
    assert [line.line for page in pages for line in page.lines] == [
        "backlog",
        "live 0",
        "live 1",
        "live 2",
    ]
    assert [page.end for page in pages][-1] == "success"
    assert all(page.end is None for page in pages[:-1])


def test_follow_stops_when_asked(store: LogStore, run_id: uuid.UUID) -> None:
    stop = threading.Event()
    pages: list = []
    follower = threading.Thread(target=lambda: pages.extend(store.follow(run_id, stop)))
    follower.start()
    time.sleep(0.2)  # let it block on the empty log
    stop.set()
    follower.join(WAIT)
    assert not follower.is_alive()
    assert pages == []


def test_logs_are_bounded(backend: str, db: Database, store, run_id: uuid.UUID) -> None:
    if backend == "redis":
        store = RedisLogStore.from_url(REDIS_URL, max_lines=1000)
    else:
        store = DatabaseLogStore(db, max_lines=1000)
    store.append(run_id, [f"line {n}" for n in range(5000)])
    kept = all_lines(store, run_id)
    # Redis trims approximately (whole nodes), the database exactly.
    assert 1000 <= len(kept) < 2000
    assert kept[-1] == "line 4999" and kept == [f"line {n}" for n in range(5000 - len(kept), 5000)]


def test_redis_log_expires_after_its_end(redis_client: redis.Redis, run_id: uuid.UUID) -> None:
    store = RedisLogStore(redis_client, retention=120)
    key = stream_key(run_id)
    try:
        store.append(run_id, ["a"])
        assert redis_client.ttl(key) == -1  # no expiry while the run goes on
        store.append(run_id, [], end="success")
        assert 0 < redis_client.ttl(key) <= 120
    finally:
        redis_client.delete(key)


def test_redis_store_reads_what_the_original_wrote(
    redis_client: redis.Redis, run_id: uuid.UUID
) -> None:
    """Plain ``data`` entries with raw bytes; a bad byte must not end the log."""
    key = stream_key(run_id)
    try:
        redis_client.xadd(key, {"data": b"2025-01-01T00:00:01.1Z hello\n"})
        redis_client.xadd(key, {"data": b"bad \xff byte"})
        redis_client.xadd(key, {"data": b"after"})
        page = RedisLogStore(redis_client).read(run_id)
        assert [line.line for line in page.lines] == [
            "2025-01-01T00:00:01.1Z hello\n",
            "bad \ufffd byte",
            "after",
        ]
    finally:
        redis_client.delete(key)


def test_database_logs_are_swept_after_their_retention(db: Database) -> None:
    store = DatabaseLogStore(db, retention=3600)
    old, recent = new_run(db), new_run(db)
    store.append(old, ["old"], end="success")
    store.append(recent, ["recent"], end="success")
    with db.transaction() as session:
        session.execute(
            update(TaskLog)
            .where(TaskLog.task_run_id == old, TaskLog.outcome.is_not(None))
            .values(ended_datetime=utcnow() - timedelta(hours=2))
        )
    running = new_run(db)
    store.append(running, ["still here"], end="failure")
    assert store.read(old) == ([], None)
    assert [line.line for line in store.read(recent).lines] == ["recent"]
    assert [line.line for line in store.read(running).lines] == ["still here"]


def test_database_log_goes_with_its_run(db: Database, run_id: uuid.UUID) -> None:
    store = DatabaseLogStore(db)
    store.append(run_id, ["a"], end="success")
    with db.transaction() as session:
        session.delete(session.get(TaskRun, run_id))
    assert store.read(run_id) == ([], None)


# The worker's writers.


def test_writer_factory_picks_redis_else_the_api(redis_client: redis.Redis) -> None:
    keys = TokenKeys.from_settings(Settings(hmac_secret=HMAC_SECRET))
    api = ApiClient("http://127.0.0.1:1", keys)
    for redis_url, kind in ((REDIS_URL, RedisLogWriter), (None, ApiLogWriter)):
        settings = Settings(hmac_secret=HMAC_SECRET, redis_url=redis_url)
        writer = log_writer(settings, uuid.uuid4(), api)
        assert isinstance(writer, kind)
        writer.close("success")  # nothing written: nothing to deliver


def wait_for_lines(store: LogStore, run_id: uuid.UUID, expected: list[str]) -> None:
    stop = threading.Event()
    timer = threading.Timer(WAIT, stop.set)
    timer.start()
    seen: list[str] = []
    for page in store.follow(run_id, stop):
        seen += [line.line for line in page.lines]
        if len(seen) >= len(expected):
            break
    timer.cancel()
    assert seen == expected


def test_writer_ships_lines_live_then_the_end(app, settings: Settings, store, run_id) -> None:
    """Lines are readable while the writer is open; close adds the end marker."""
    with serving(app) as address:
        settings = with_server(settings, address)
        api = ApiClient(settings.server_addr, TokenKeys.from_settings(settings))
        writer = log_writer(settings, run_id, api)
        for n in range(3):
            writer.write(f"line {n}\n")
        wait_for_lines(store, run_id, ["line 0\n", "line 1\n", "line 2\n"])
        writer.write("last\n")
        writer.close("success")
    page = store.read(run_id)
    assert [line.line for line in page.lines] == ["line 0\n", "line 1\n", "line 2\n", "last\n"]
    assert page.end == "success"


class FlakyWriter(LogWriter):
    """Fails every other send, and remembers what it delivered."""

    def __init__(self) -> None:
        self.delivered: list[str] = []
        self.ends: list[str] = []
        self.calls = 0
        super().__init__(uuid.uuid4())

    def _send(self, lines: list[str], end: str | None) -> None:
        self.calls += 1
        if self.calls % 2:
            raise ConnectionError("sink unreachable")
        self.delivered += lines
        if end is not None:
            self.ends.append(end)


def test_writer_retries_without_losing_or_repeating_lines() -> None:
    writer = FlakyWriter()
    lines = [f"line {n}" for n in range(2500)]
    for line in lines:
        writer.write(line)
    writer.close("timeout")
    assert writer.delivered == lines
    assert writer.ends == ["timeout"]
    with pytest.raises(RuntimeError):
        writer.write("too late")


# The routes.


def test_paging_through_a_hundred_thousand_lines(client, store, run_id) -> None:
    total = 100_000
    for start in range(0, total, 10_000):
        store.append(run_id, [f"line {n}" for n in range(start, start + 10_000)])
    store.append(run_id, [], end="success")
    lines, ids, after, pages = [], [], START, 0
    while after is not None:
        response = client.get(f"/api/task_runs/{run_id}/log", query_string={"after": after})
        assert response.status_code == 200
        body = response.get_json()
        assert len(body["lines"]) <= 1000
        lines += [entry["line"] for entry in body["lines"]]
        ids += [entry["id"] for entry in body["lines"]]
        assert body["ended"] == (body["next"] is None)
        after, pages = body["next"], pages + 1
    assert lines == [f"line {n}" for n in range(total)]
    assert len(set(ids)) == total
    assert pages == total // 1000
    assert body["outcome"] == "success"


def test_page_limit_and_cursor(client, store, run_id) -> None:
    store.append(run_id, ["a", "b", "c"])
    first = client.get(f"/api/task_runs/{run_id}/log?limit=2").get_json()
    assert [entry["line"] for entry in first["lines"]] == ["a", "b"]
    assert first["next"] == first["lines"][-1]["id"] and not first["ended"]
    rest = client.get(f"/api/task_runs/{run_id}/log?after={first['next']}").get_json()
    assert [entry["line"] for entry in rest["lines"]] == ["c"]
    idle = client.get(f"/api/task_runs/{run_id}/log?after={rest['next']}").get_json()
    assert idle == {"lines": [], "next": rest["next"], "ended": False, "outcome": None}


def test_finished_run_without_a_log_has_ended(client, db: Database, store) -> None:
    """An expired log (or a dead worker's) must not leave readers waiting."""
    run_id = new_run(db, state="failure")
    body = client.get(f"/api/task_runs/{run_id}/log").get_json()
    assert body == {"lines": [], "next": None, "ended": True, "outcome": "failure"}


@pytest.mark.parametrize(
    ("query", "status"), [("after=nope", 400), ("limit=0", 400), ("limit=x", 400)]
)
def test_bad_query_is_a_400(client, store, run_id, query: str, status: int) -> None:
    response = client.get(f"/api/task_runs/{run_id}/log?{query}")
    assert response.status_code == status
    assert "error" in response.get_json()


def test_unknown_run_is_a_404(client, store) -> None:
    response = client.get(f"/api/task_runs/{uuid.uuid4()}/log")
    assert response.status_code == 404
    assert response.get_json() == {"error": "task run not found"}


def test_unreachable_redis_is_a_503(db: Database, run_id: uuid.UUID) -> None:
    settings = Settings(hmac_secret=HMAC_SECRET, no_authz=True, redis_url="redis://127.0.0.1:1/0")
    app = create_app(settings, db=db)
    if "logs" not in app.blueprints:
        logs_api.register(app)
    response = app.test_client().get(f"/api/task_runs/{run_id}/log")
    assert response.status_code == 503
    assert "log store (Redis)" in response.get_json()["error"]


def test_workers_post_lines_with_a_config_token(client, settings, store, run_id) -> None:
    url = f"/int-api/task_runs/{run_id}/logs"
    headers = bearer(config_token(settings, run_id))
    response = client.post(url, json={"lines": ["a", "b"], "end": None}, headers=headers)
    assert response.status_code == 204
    response = client.post(url, json={"lines": ["c"], "end": "success"}, headers=headers)
    assert response.status_code == 204
    page = store.read(run_id)
    assert [line.line for line in page.lines] == ["a", "b", "c"] and page.end == "success"


@pytest.mark.parametrize(
    ("body", "token_for", "status"),
    [
        ({"lines": ["a"]}, None, 401),
        ({"lines": ["a"]}, "other", 403),
        ({"lines": "a"}, "run", 400),
        ({"lines": [1]}, "run", 400),
        ({"lines": [], "end": "finished"}, "run", 400),
        ({"lines": ["a"]}, "unknown", 404),
    ],
)
def test_bad_worker_posts(client, settings, store, run_id, body, token_for, status) -> None:
    target = uuid.uuid4() if token_for == "unknown" else run_id
    subject = {"run": target, "unknown": target, "other": uuid.uuid4()}.get(token_for)
    headers = bearer(config_token(settings, subject)) if subject else {}
    response = client.post(f"/int-api/task_runs/{target}/logs", json=body, headers=headers)
    assert response.status_code == status
    assert "error" in response.get_json()
    assert store.read(run_id) == ([], None)


# The websocket, over a real socket.


def frames(ws: Client, n: int) -> list[dict]:
    received = []
    for _ in range(n):
        text = ws.receive(timeout=WAIT)
        assert text is not None, f"no frame within {WAIT}s after {received}"
        received.append(json.loads(text))
    return received


def assert_closed(ws: Client, code: int) -> None:
    with pytest.raises(ConnectionClosed):
        ws.receive(timeout=WAIT)
    assert ws.close_reason == code


def test_websocket_sends_backlog_then_live_lines_then_the_end(
    app, settings: Settings, store, run_id
) -> None:
    store.append(run_id, ["backlog 0", "backlog 1"])
    with serving(app) as address:
        settings = with_server(settings, address)
        ws = Client.connect(f"ws://{address}/api/task_runs/{run_id}/logs")
        backlog = frames(ws, 2)
        assert [frame["line"] for frame in backlog] == ["backlog 0", "backlog 1"]
        api = ApiClient(settings.server_addr, TokenKeys.from_settings(settings))
        writer = log_writer(settings, run_id, api)
        live = []
        for n in range(3):
            writer.write(f"live {n}")  # each arrives while the run is still going
            live += frames(ws, 1)
            assert live[-1]["line"] == f"live {n}"
        writer.close("success")
        assert frames(ws, 1) == [{"end": "success"}]
        assert_closed(ws, 1000)
    assert [frame["id"] for frame in backlog + live] == [
        line.id for line in store.read(run_id).lines
    ]


def test_websocket_resumes_after_a_cursor(app, store, run_id) -> None:
    store.append(run_id, ["a", "b", "c"], end="error")
    after = store.read(run_id).lines[0].id
    with serving(app) as address:
        ws = Client.connect(f"ws://{address}/api/task_runs/{run_id}/logs?after={after}")
        assert [frame.get("line") for frame in frames(ws, 2)] == ["b", "c"]
        assert frames(ws, 1) == [{"end": "error"}]
        assert_closed(ws, 1000)


def test_websocket_for_a_finished_run_without_a_log_ends(app, db, store) -> None:
    run_id = new_run(db, state="timeout")
    with serving(app) as address:
        ws = Client.connect(f"ws://{address}/api/task_runs/{run_id}/logs")
        assert frames(ws, 1) == [{"end": "timeout"}]
        assert_closed(ws, 1000)


@pytest.mark.parametrize(
    ("path", "code"), [(f"{uuid.uuid4()}/logs", 4404), ("{run}/logs?after=nope", 4400)]
)
def test_websocket_errors_close_with_a_code(app, store, run_id, path: str, code: int) -> None:
    with serving(app) as address:
        ws = Client.connect(f"ws://{address}/api/task_runs/{path.format(run=run_id)}")
        assert_closed(ws, code)


def test_websocket_stops_following_when_the_client_leaves(app, store, run_id) -> None:
    def handlers() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if "process_request_thread" in t.name]

    with serving(app) as address:
        ws = Client.connect(f"ws://{address}/api/task_runs/{run_id}/logs")
        assert ws.receive(timeout=0.5) is None  # following an empty, running log
        assert handlers()
        ws.close()
        deadline = time.monotonic() + WAIT
        while handlers() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not handlers()
