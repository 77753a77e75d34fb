"""The browser the UI tests drive: Debian's Chromium (or $WATERWHEEL_CHROMIUM),
the flags it starts with, the timezone its pages run in and their viewports."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = Path(os.environ.get("WATERWHEEL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A timezone away from UTC, with a half hour, so that local times cannot pass for UTC.
TIMEZONE = "Australia/Adelaide"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
