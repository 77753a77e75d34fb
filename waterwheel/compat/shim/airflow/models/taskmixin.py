"""``>>``, ``<<`` and set_upstream/set_downstream for anything a DAG edge can
join: operators, XComArgs, TaskGroups, edge labels and lists of them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def _flatten(items: Any) -> list[DependencyMixin]:
    if isinstance(items, DependencyMixin):
        return [items]
    if isinstance(items, Iterable) and not isinstance(items, str):
        return [node for item in items for node in _flatten(item)]
    raise TypeError(f"cannot set a dependency with {items!r}: expected a task, group or list")


class DependencyMixin:
    """Edges go from the leaves of the upstream side to the roots of the
    downstream side; subclasses say what their roots and leaves are."""

    @property
    def roots(self) -> Sequence[Any]:
        raise NotImplementedError

    @property
    def leaves(self) -> Sequence[Any]:
        raise NotImplementedError

    def set_upstream(self, other: Any, edge_modifier: Any = None) -> None:
        for node in _flatten(other):
            self._receive_from(node)

    def set_downstream(self, other: Any, edge_modifier: Any = None) -> None:
        for node in _flatten(other):
            node._receive_from(self)

    def _receive_from(self, upstream: DependencyMixin) -> None:
        for leaf in upstream.leaves:
            for root in self.roots:
                leaf._add_downstream(root)

    def __rshift__(self, other: Any) -> Any:
        self.set_downstream(other)
        return other

    def __lshift__(self, other: Any) -> Any:
        self.set_upstream(other)
        return other

    def __rrshift__(self, other: Any) -> DependencyMixin:
        """``[a, b] >> self``."""
        self.set_upstream(other)
        return self

    def __rlshift__(self, other: Any) -> DependencyMixin:
        """``[a, b] << self``."""
        self.set_downstream(other)
        return self
