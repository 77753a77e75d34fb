"""Task run logs over HTTP: pages (``GET /api/task_runs/<id>/log``), a websocket
that sends the backlog then follows the run live (``/api/task_runs/<id>/logs``),
and the route through which workers without Redis deliver their lines.

The store is Redis when ``redis_url`` is set, else the database. A worker ends
a log before it reports the run's final state, so a final state with no end
marker means the log is gone (expired, or its worker died): readers are told it
ended rather than left waiting forever.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import uuid

import redis
from flask import Blueprint, Flask, current_app, jsonify, request
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_sock import Sock
from simple_websocket import ConnectionClosed, Server
from sqlalchemy import select

from waterwheel.api.authz import authorize, require_config_token
from waterwheel.api.errors import ApiError, bad_request, not_found
from waterwheel.api.request import json_object, query_int
from waterwheel.api.services import services
from waterwheel.config import Settings
from waterwheel.db import Database
from waterwheel.db.models import TaskRun
from waterwheel.logs.db_store import DatabaseLogStore
from waterwheel.logs.redis_store import RedisLogStore
from waterwheel.logs.store import START, InvalidCursor, LogLine, LogPage, LogStore
from waterwheel.states import FINAL_STATES

log = logging.getLogger(__name__)

bp = Blueprint("logs", __name__)
sock = Sock()

EXTENSION = "waterwheel.logs"
PAGE_LIMIT = 1000  # default lines per GET page
BACKLOG_BATCH = 1000  # lines per read while a websocket catches up
PING_INTERVAL = 25  # seconds; keeps a quiet log's websocket open through proxies
CLOSE_ANSWER_SECONDS = 10  # how long a client may take to answer our close frame (a busy one)
CLOSE_NOT_FOUND = 4404  # websocket close codes: HTTP's, in the application range
CLOSE_BAD_REQUEST = 4400
CLOSE_INTERNAL_ERROR = 1011


def open_store(settings: Settings, db: Database) -> LogStore:
    if settings.redis_url:
        return RedisLogStore.from_url(settings.redis_url, retention=settings.log_retention)
    return DatabaseLogStore(db, retention=settings.log_retention)


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    found = state.app.extensions["waterwheel"]
    state.app.extensions[EXTENSION] = open_store(found.settings, found.db)
    state.app.config.setdefault("SOCK_SERVER_OPTIONS", {"ping_interval": PING_INTERVAL})


def register(app: Flask) -> None:
    """Add the log routes to an app made by ``create_app``."""
    app.register_blueprint(bp)


def _store() -> LogStore:
    return current_app.extensions[EXTENSION]


@bp.errorhandler(redis.RedisError)
def _redis_down(exc: redis.RedisError) -> ResponseReturnValue:
    return jsonify(error=f"the log store (Redis) failed: {exc}"), 503


def _run_state(task_run_id: uuid.UUID) -> str | None:
    """The run's state, or None when there is no such run."""
    with services().db.read() as session:
        return session.scalar(select(TaskRun.state).where(TaskRun.id == task_run_id))


def _outcome(batch: LogPage, count: int, state: str) -> str | None:
    """The end marker's outcome; or the run's final state once the reader has
    caught up with a log that has no marker. ``state`` must be read first."""
    if batch.end is not None:
        return batch.end
    if state in FINAL_STATES and len(batch.lines) < count:
        return state
    return None


@bp.get("/api/task_runs/<id:task_run_id>/log")
def log_page(task_run_id: uuid.UUID) -> ResponseReturnValue:
    """One page of lines after ``after``; ``next`` is the cursor for the next
    page (poll it while the run goes on), null once the log has ended."""
    authorize("Get", "job", task_run_id=task_run_id)
    limit = query_int("limit", PAGE_LIMIT)
    after = request.args.get("after", START)
    state = _run_state(task_run_id)
    if state is None:
        raise not_found("task run")
    try:
        batch = _store().read(task_run_id, after, limit)
    except InvalidCursor as exc:
        raise bad_request(str(exc)) from None
    outcome = _outcome(batch, limit, state)
    cursor = batch.lines[-1].id if batch.lines else after
    return jsonify(
        lines=[line._asdict() for line in batch.lines],
        next=None if outcome else cursor,
        ended=outcome is not None,
        outcome=outcome,
    )


def _send(ws: Server, lines: list[LogLine], outcome: str | None) -> None:
    for line in lines:
        ws.send(json.dumps(line._asdict()))
    if outcome is not None:
        ws.send(json.dumps({"end": outcome}))


def _drain(ws: Server, stop: threading.Event) -> None:
    """Ignore what the client sends; tell the follower when it has gone."""
    try:
        while True:
            ws.receive()
    except ConnectionClosed:
        stop.set()


def _stream(
    ws: Server, store: LogStore, task_run_id: uuid.UUID, state: str, stop: threading.Event
) -> None:
    after = request.args.get("after", START)
    while True:  # the backlog, in large reads
        batch = store.read(task_run_id, after, BACKLOG_BATCH)
        outcome = _outcome(batch, BACKLOG_BATCH, state)
        _send(ws, batch.lines, outcome)
        if outcome is not None:
            return
        if batch.lines:
            after = batch.lines[-1].id
        if len(batch.lines) < BACKLOG_BATCH:
            break
    for batch in store.follow(task_run_id, stop, after):
        _send(ws, batch.lines, batch.end)


@sock.route("/api/task_runs/<id:task_run_id>/logs", bp=bp)
def follow_log(ws: Server, task_run_id: uuid.UUID) -> None:
    """Text frames ``{"id", "line"}`` from ``after`` (default: the start), live
    as the run writes them, then ``{"end": outcome}`` and a normal close.
    Errors close the socket with a code, as the handshake has been answered."""
    try:
        _follow(ws, task_run_id)
    finally:
        _hang_up(ws)


def _follow(ws: Server, task_run_id: uuid.UUID) -> None:
    stop = threading.Event()
    try:
        try:
            authorize("Get", "job", task_run_id=task_run_id)
        except ApiError as exc:
            ws.close(4000 + (exc.code or 500), exc.description)
            return
        state = _run_state(task_run_id)
        if state is None:
            ws.close(CLOSE_NOT_FOUND, "task run not found")
            return
        threading.Thread(target=_drain, args=(ws, stop), daemon=True).start()
        _stream(ws, _store(), task_run_id, state, stop)
    except ConnectionClosed:
        return
    except InvalidCursor as exc:
        ws.close(CLOSE_BAD_REQUEST, str(exc))
    except Exception:
        log.exception("following the log of task run %s", task_run_id)
        ws.close(CLOSE_INTERNAL_ERROR, "internal error; the server log has the details")


def _hang_up(ws: Server) -> None:
    """Close the websocket, then, under werkzeug, the connection itself.

    werkzeug writes an HTTP response once the handler returns; on an upgraded
    connection browsers take it for a broken frame and drop the last frames
    (the end marker among them). After the client answered the close frame,
    shutting the socket down makes that write go nowhere.
    """
    with contextlib.suppress(ConnectionClosed, OSError):
        ws.close()
    if ws.mode == "werkzeug":
        ws.thread.join(CLOSE_ANSWER_SECONDS)
        with contextlib.suppress(OSError):
            ws.sock.shutdown(socket.SHUT_RDWR)


@bp.post("/int-api/task_runs/<id:task_run_id>/logs")
def deliver(task_run_id: uuid.UUID) -> ResponseReturnValue:
    """Lines from a worker that has no Redis: ``{"lines": [...], "end": null |
    outcome}``, with a config token for the run."""
    require_config_token(task_run_id)
    body = json_object()
    lines = body.get("lines", [])
    end = body.get("end")
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        raise bad_request("lines must be a list of strings")
    if end is not None and end not in FINAL_STATES:
        raise bad_request(f"end must be null or one of {', '.join(sorted(FINAL_STATES))}")
    if _run_state(task_run_id) is None:
        raise not_found("task run")
    _store().append(task_run_id, lines, end)
    return "", 204
