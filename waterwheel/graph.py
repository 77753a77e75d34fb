"""The vocabulary of a job's graph: what its nodes are and what joins them.

The job document names upstream nodes in its references, the job store turns
them into edges, the scheduler follows the edges a task's result calls for,
and the graph view shows them all; each spells a kind only through these.
"""

from __future__ import annotations

from enum import StrEnum


class NodeKind(StrEnum):
    """What a reference (``task/<name>``, ``trigger/<name>``) or a graph node is."""

    TASK = "task"
    TRIGGER = "trigger"


class EdgeKind(StrEnum):
    """How an upstream node passes a token to its downstream task."""

    SUCCESS = "success"  # the upstream task succeeded (``depends``)
    FAILURE = "failure"  # the upstream task failed for good (``depends_failure``)
    TRIGGER = "trigger"  # the upstream trigger fired (its own table, trigger_edge)
