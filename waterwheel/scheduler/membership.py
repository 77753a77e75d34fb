"""Which schedulers are alive, and which of them owns a trigger.

Each scheduler writes its row in the ``scheduler`` table every few seconds;
the live ones are those seen recently. A trigger belongs to the live scheduler
with the highest rendezvous score, so when one joins or leaves only its share
of the triggers moves. Ownership only spreads the work: firing itself is
compare-and-set, so a moment of double ownership fires nothing twice.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

from sqlalchemy import delete, select

from waterwheel import __version__
from waterwheel.db import Database
from waterwheel.db.models import Scheduler
from waterwheel.db.upsert import upsert
from waterwheel.timeutil import utcnow


def score(node: uuid.UUID, item: uuid.UUID) -> int:
    digest = hashlib.blake2b(node.bytes + item.bytes, digest_size=8).digest()
    return int.from_bytes(digest, "big")


def owner(item: uuid.UUID, nodes: list[uuid.UUID]) -> uuid.UUID | None:
    return max(nodes, key=lambda node: score(node, item), default=None)


class Membership:
    def __init__(self, db: Database, scheduler_id: uuid.UUID, interval: float) -> None:
        self.db = db
        self.id = scheduler_id
        self.interval = interval
        self.live: list[uuid.UUID] = [scheduler_id]

    def beat(self, queued_triggers: int, waiting_for: uuid.UUID | None) -> bool:
        """Record this scheduler as alive; returns whether the live set changed."""
        now = utcnow()
        with self.db.transaction() as session:
            row = {
                "id": self.id,
                "last_seen_datetime": now,
                "queued_triggers": queued_triggers,
                "waiting_for_trigger_id": waiting_for,
                "version": __version__,
            }
            upsert(session, Scheduler, [row], keys=["id"], update=list(row)[1:])
            since = now - timedelta(seconds=self.interval * 3)
            live = sorted(
                session.scalars(select(Scheduler.id).where(Scheduler.last_seen_datetime >= since))
            )
        if self.id not in live:
            live.append(self.id)
        changed = live != self.live
        self.live = live
        return changed

    def owns(self, item: uuid.UUID) -> bool:
        return owner(item, self.live) == self.id

    def leave(self) -> None:
        """Hand everything over at once on a clean stop."""
        with self.db.transaction() as session:
            session.execute(delete(Scheduler).where(Scheduler.id == self.id))
