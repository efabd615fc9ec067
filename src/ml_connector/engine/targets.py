"""The two kinds of target the run loop drives.

* :class:`BatchTarget`: idempotent by construction (warehouse merge on the primary key). The engine
  streams batches to it and commits the cursor after ``write`` returns.
* :class:`RecordTarget`: not idempotent (SYSPRO e.net, QAD, Pipedrive, Sterling). The engine sends one
  record at a time through the delivery ledger: pending -> sending -> delivered | failed | parked.
  A ``sending`` row found after a crash has an unknown outcome: the engine calls ``lookup`` (by the
  external reference the target wrote into the object) before it ever calls ``send`` again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from ml_connector.core.streams import StreamSpec


class BatchTarget(Protocol):
    """An idempotent target that takes whole batches (the warehouse)."""

    def known_keys(self, stream: StreamSpec) -> set[str]:
        """Keys of a dimension stream already on the target (for reference checks)."""
        ...

    def write_many(
        self, batches: Sequence[tuple[StreamSpec, Iterable[Any]]], *, replace: set[str] | frozenset[str] = frozenset()
    ) -> dict[str, int]:
        """Merge every stream's batches (Arrow tables) in one load; return rows written per stream name.
        All or nothing: if the load fails, none of the streams is committed. Streams in ``replace`` were
        read in full and may replace their table."""
        ...


class ChangePolicy(StrEnum):
    """What to do when a record already delivered arrives again with different content."""

    UPDATE = "update"  # send it again as an update (customers, organizations, partners)
    REVIEW = "review"  # never post twice: mark changed-after-post for a person (invoices, journals)


@dataclass(frozen=True)
class Delivery:
    """One record on its way to a RecordTarget."""

    integration: str
    stream: str
    source_id: str
    content_hash: str
    row: Mapping[str, Any]  # the mapped row
    previous_target_ref: str | None = None  # set when this is an update of a delivered record


class RecordTarget(Protocol):
    """A non-idempotent target, written one record at a time with check-before-post."""

    change_policy: ChangePolicy

    def check_references(self, delivery: Delivery) -> None:
        """Raise ReferenceMissingError if the target lacks something the record needs (mapping,
        customer, GL account, open period). Called before any send."""
        ...

    def lookup(self, delivery: Delivery) -> str | None:
        """Find the object an earlier, unconfirmed send may have created, by the external reference
        written into it. Return its target reference, or None if the target does not have it."""
        ...

    def send(self, delivery: Delivery) -> str:
        """Create (or update, when ``previous_target_ref`` is set) the object; return its reference.

        Raise RemoteError subclasses for transport/refusal and ReferenceMissingError for
        business references the target reports missing (parks the record)."""
        ...
