"""Page shells of the web UI.

API first: these views pass only ids from the path to the templates; every
page fetches what it shows from ``/api`` in the browser (``static/js``). An
unknown id is the API's 404, shown by the page as a message.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, jsonify, render_template, request
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import NotFound

from waterwheel import __version__

bp = Blueprint("web", __name__, template_folder="templates")
STATIC = Path(__file__).resolve().parent / "static"

JOB_TABS = ("grid", "graph", "durations", "tokens", "triggers", "document")
# Paths that belong to the API: an unknown one stays a JSON 404.
API_PREFIXES = ("/api/", "/int-api/", "/healthcheck")


@bp.record_once
def _serve_static(state: BlueprintSetupState) -> None:
    """The app's own ``/static/`` route serves the UI's files (the API has none)."""
    state.app.static_folder = str(STATIC)


def _page(template: str, title: str, **ids: object) -> ResponseReturnValue:
    response = render_template(template, title=title, version=__version__, ids=ids)
    # The shell is tiny and the data comes from the API: never serve a stale one.
    return response, 200, {"Cache-Control": "no-cache"}


@bp.get("/")
def home() -> ResponseReturnValue:
    return _page("home.html", "Status", page="home")


@bp.get("/projects")
def projects() -> ResponseReturnValue:
    return _page("projects.html", "Projects", page="projects")


@bp.get("/projects/<project_id>")
def project(project_id: str) -> ResponseReturnValue:
    return _page("project.html", "Project", page="project", project_id=project_id)


@bp.get("/jobs/<job_id>")
@bp.get("/jobs/<job_id>/<tab>")
def job(job_id: str, tab: str = "grid") -> ResponseReturnValue:
    if tab not in JOB_TABS:
        abort(404)
    return _page("job.html", "Job", page="job", job_id=job_id, tab=tab)


@bp.get("/logs/<task_run_id>")
def task_log(task_run_id: str) -> ResponseReturnValue:
    return _page("log.html", "Log", page="log", task_run_id=task_run_id)


@bp.get("/workers")
def workers() -> ResponseReturnValue:
    return _page("workers.html", "Workers", page="workers")


@bp.get("/workers/<worker_id>")
def worker(worker_id: str) -> ResponseReturnValue:
    return _page("worker.html", "Worker", page="worker", worker_id=worker_id)


@bp.get("/schedulers")
def schedulers() -> ResponseReturnValue:
    return _page("schedulers.html", "Schedulers", page="schedulers")


@bp.app_errorhandler(NotFound)
def _not_found(exc: NotFound) -> ResponseReturnValue:
    """An unknown page is an HTML page with a way back; the API keeps its JSON."""
    if request.path.startswith(API_PREFIXES) or not request.accept_mimetypes.accept_html:
        return jsonify(error=exc.description), 404
    html = render_template("not_found.html", title="Not found", version=__version__, ids={})
    return html, 404
