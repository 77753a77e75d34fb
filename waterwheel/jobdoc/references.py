"""Dependency references: ``[project/][job/](task|trigger)/<name>[@<duration>]``."""

from __future__ import annotations

from dataclasses import dataclass, replace

from waterwheel.graph import NodeKind
from waterwheel.jobdoc.errors import DocumentError
from waterwheel.jobdoc.seconds import to_seconds

# Looked up by text: on Python 3.11 ``"task" in NodeKind`` raises TypeError.
_KINDS = frozenset(NodeKind)


@dataclass(frozen=True)
class Reference:
    """A parsed reference; project and job are None when the text left them out.

    ``offset`` (seconds) shifts the downstream token's trigger time later.
    ``text`` is the reference as written.
    """

    project: str | None
    job: str | None
    kind: NodeKind
    name: str
    offset: int
    text: str

    def resolve(self, project: str, job: str) -> Reference:
        """Fill in the defaults: a missing project or job means the referencing job's own."""
        return replace(self, project=self.project or project, job=self.job or job)

    @property
    def target(self) -> tuple[str | None, str | None, NodeKind, str]:
        """What is referenced, whatever the offset: two edges to one target clash."""
        return (self.project, self.job, self.kind, self.name)

    def __str__(self) -> str:
        """The reference with whatever project and job it has, e.g. ``proj/job/task/c@1day``."""
        path = "/".join(part for part in self.target if part is not None)
        _, at, offset_text = self.text.partition("@")
        return f"{path}{at}{offset_text}"


def parse_reference(text: str) -> Reference:
    """Parse a reference; names may hold any character but ``/`` and ``@``.

    Raises DocumentError naming the reference when the syntax or the offset is bad.
    """
    path, at, offset_text = text.partition("@")
    parts = path.split("/")
    if not 2 <= len(parts) <= 4 or "" in parts or parts[-2] not in _KINDS:
        raise DocumentError(f"invalid reference '{text}'")
    try:
        offset = to_seconds(offset_text) if at else 0
    except ValueError as exc:
        raise DocumentError(f"invalid offset in reference '{text}': {exc}") from None
    *scope, kind, name = parts
    job = scope.pop() if scope else None
    project = scope.pop() if scope else None
    return Reference(project, job, NodeKind(kind), name, offset, text)
