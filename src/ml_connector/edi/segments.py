"""The parsed shape of an interchange: Segment, TransactionSet, FunctionalGroup, Interchange, and
the EnvelopeProblem values the reader reports."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ml_connector.edi.delimiters import Delimiters


@dataclass(frozen=True)
class Segment:
    """One segment: its tag, its elements (index 0 is element 01) and its 1-based position in the
    interchange (ISA = 1)."""

    tag: str
    elements: tuple[str, ...]
    position: int = 0

    def element(self, number: int) -> str:
        """Element `number` (1-based); '' when the segment does not carry it."""
        return self.elements[number - 1] if 0 < number <= len(self.elements) else ""


@dataclass(frozen=True)
class EnvelopeProblem:
    """An envelope problem: segment tag and position, a code (SE_COUNT, GE_CONTROL, ISA_WIDTH...),
    and the group/set index (0-based) it belongs to, when it belongs to one."""

    segment: str
    position: int
    code: str
    message: str
    group: int | None = None
    transaction_set: int | None = None

    def __str__(self) -> str:
        return f"{self.segment} (segment {self.position}): {self.message} [{self.code}]"


@dataclass(frozen=True)
class TransactionSet:
    """ST, the segments between, and SE (None when missing)."""

    header: Segment
    body: tuple[Segment, ...]
    trailer: Segment | None

    @property
    def code(self) -> str:
        return self.header.element(1)

    @property
    def control_number(self) -> str:
        return self.header.element(2)

    @property
    def segments(self) -> tuple[Segment, ...]:
        """ST..SE; a segment's position in the set (AK302) is its index here + 1."""
        return (self.header, *self.body, *((self.trailer,) if self.trailer else ()))

    def find(self, tag: str) -> list[Segment]:
        """Body segments with this tag, in order."""
        return [segment for segment in self.body if segment.tag == tag]


@dataclass(frozen=True)
class FunctionalGroup:
    """GS, its transaction sets, and GE (None when missing)."""

    header: Segment
    transaction_sets: tuple[TransactionSet, ...]
    trailer: Segment | None

    @property
    def functional_id(self) -> str:
        return self.header.element(1)

    @property
    def control_number(self) -> str:
        return self.header.element(6)

    @property
    def version(self) -> str:
        return self.header.element(8)


@dataclass(frozen=True)
class Interchange:
    """ISA, the functional groups, IEA (None when missing), the delimiters read from the ISA, the
    envelope problems found, and the number of segments read (ISA..IEA)."""

    header: Segment
    groups: tuple[FunctionalGroup, ...]
    trailer: Segment | None
    delimiters: Delimiters
    problems: tuple[EnvelopeProblem, ...] = ()
    segment_count: int = 0

    @property
    def sender_qualifier(self) -> str:
        return self.header.element(5).strip()

    @property
    def sender_id(self) -> str:
        return self.header.element(6).strip()

    @property
    def receiver_qualifier(self) -> str:
        return self.header.element(7).strip()

    @property
    def receiver_id(self) -> str:
        return self.header.element(8).strip()

    @property
    def control_number(self) -> str:
        return self.header.element(13)

    @property
    def version(self) -> str:
        return self.header.element(12)

    @property
    def usage(self) -> str:
        return self.header.element(15)

    @property
    def ack_requested(self) -> bool:
        return self.header.element(14) == "1"

    @property
    def transaction_sets(self) -> tuple[TransactionSet, ...]:
        return tuple(tset for group in self.groups for tset in group.transaction_sets)

    def components(self, value: str) -> tuple[str, ...]:
        """Split a composite element with this interchange's component separator."""
        return tuple(value.split(self.delimiters.component))

    def with_problems(self, problems: tuple[EnvelopeProblem, ...]) -> Interchange:
        return replace(self, problems=problems)
