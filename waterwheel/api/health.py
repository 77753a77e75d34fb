from flask import Blueprint

bp = Blueprint("health", __name__)


@bp.get("/healthcheck")
def healthcheck() -> tuple[str, int, dict[str, str]]:
    return "OK", 200, {"Content-Type": "text/plain"}
