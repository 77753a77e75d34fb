"""Putting documents on a server, one PUT per document.

This is what ``waterwheel jobs deploy`` does for each file; it lives here as
a function so that both commands can share it (``waterwheel/cli/jobs.py``
keeps its own loop until it is switched over).
"""

from __future__ import annotations

import requests

from waterwheel import documents

TIMEOUT_SECONDS = 30


def error_text(response: requests.Response) -> str:
    """The API's ``{"error": ...}`` message, else the body."""
    try:
        return response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return response.text.strip()


def put_document(base: str, doc: documents.Document) -> str | None:
    """PUT one project or job document; None when accepted, else the reason."""
    url = f"{base}/api/{'projects' if doc.kind == 'project' else 'jobs'}"
    try:
        response = requests.put(
            url,
            data=doc.body,
            headers={"Content-Type": documents.content_type(doc.path)},
            timeout=TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        return f"cannot reach {base}: {exc}"
    return None if response.ok else f"{response.status_code} {error_text(response)}"
