"""Placeholder while the OpenAPI document is written."""

from flask import Blueprint

bp = Blueprint("openapi", __name__)
