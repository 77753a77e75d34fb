"""What the views need, created once per app by ``create_app`` and found
through the current app, so a view module imports this and not the factory."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from waterwheel.auth.opa import Authorizer
from waterwheel.auth.tokens import TokenKeys
from waterwheel.broker.publisher import Publisher
from waterwheel.config import Settings
from waterwheel.db import Database
from waterwheel.metrics import Metrics

EXTENSION = "waterwheel"


@dataclass
class Services:
    settings: Settings
    db: Database
    publisher: Publisher
    keys: TokenKeys
    metrics: Metrics
    authorizer: Authorizer


def services() -> Services:
    """The running app's services."""
    return current_app.extensions[EXTENSION]
