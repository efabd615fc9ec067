"""Record outcomes and the value a run reports per stream."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    """What happened to one source record in one run (the ledger's status column)."""

    LOADED = "loaded"  # written to an idempotent target (warehouse merge)
    DELIVERED = "delivered"  # posted to a non-idempotent target, confirmed
    RECOVERED = "recovered"  # an earlier send with unknown outcome was found on the target
    UNCHANGED = "unchanged"  # same content hash as last time: nothing to do (not written to the ledger)
    PARKED = "parked"  # a reference is missing; waits for it
    RELEASED = "released"  # a parked record delivered after its reference appeared
    FAILED = "failed"  # the target refused it; replayable
    CHANGED_AFTER_POST = "changed_after_post"  # source changed after a non-repeatable post: review


@dataclass
class StreamTally:
    """Counts for one stream in one run."""

    stream: str
    read: int = 0
    loaded: int = 0
    unchanged: int = 0
    parked: int = 0
    released: int = 0
    failed: int = 0
    changed_after_post: int = 0
    recovered: int = 0
    errors: list[str] = field(default_factory=list)

    def count(self, outcome: Outcome, n: int = 1) -> None:
        name = {
            Outcome.LOADED: "loaded",
            Outcome.DELIVERED: "loaded",
            Outcome.RECOVERED: "recovered",
            Outcome.UNCHANGED: "unchanged",
            Outcome.PARKED: "parked",
            Outcome.RELEASED: "released",
            Outcome.FAILED: "failed",
            Outcome.CHANGED_AFTER_POST: "changed_after_post",
        }[outcome]
        setattr(self, name, getattr(self, name) + n)
