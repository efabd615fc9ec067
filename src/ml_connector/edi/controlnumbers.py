"""Control numbers: a pure value holding the last ISA13/GS06 issued to one trading partner.
The caller persists it; `next()` gives the numbers for the next interchange and refuses reuse."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ml_connector.edi.errors import ControlNumberError

MIN_CONTROL_NUMBER = 1
MAX_CONTROL_NUMBER = 999_999_999


@dataclass(frozen=True, order=True)
class ControlNumbers:
    """Last issued interchange (ISA13) and group (GS06) control numbers, and the wrap cycle.

    `ControlNumbers()` means nothing issued yet. `next()` returns the value for the next interchange:
    use its `interchange`/`group` in the envelope and persist it (before sending) as the new state.

    Wrap rule: numbers run 1..999,999,999 and never restart on their own. At the top `next()` raises
    ControlNumberError; restarting at 1 is an explicit, agreed operator action (`wrapped()`), which
    bumps `cycle` so (cycle, number) stays unique and ordered. `ensure_after()` refuses a state that
    does not move forward, so a stale copy can never hand out a number twice.
    """

    cycle: int = 0
    interchange: int = 0
    group: int = 0

    def __post_init__(self) -> None:
        for label, number in (("interchange", self.interchange), ("group", self.group)):
            if not 0 <= number <= MAX_CONTROL_NUMBER:
                raise ControlNumberError(
                    f"{label} control number {number} is outside 1..{MAX_CONTROL_NUMBER} (0 means none issued yet)"
                )
        if self.cycle < 0:
            raise ControlNumberError(f"control number cycle {self.cycle} cannot be negative")

    def next(self) -> ControlNumbers:
        """The numbers for the next interchange (both sequences advance by one)."""
        if MAX_CONTROL_NUMBER in (self.interchange, self.group):
            raise ControlNumberError(
                f"control numbers are exhausted (interchange {self.interchange}, group {self.group}, "
                f"cycle {self.cycle}); X12 allows at most {MAX_CONTROL_NUMBER}. Agree a restart with "
                "the trading partner, then persist `wrapped()` before sending again."
            )
        return replace(self, interchange=self.interchange + 1, group=self.group + 1)

    def wrapped(self) -> ControlNumbers:
        """Restart both sequences (next issue is 1) in a new cycle; only after partner agreement."""
        return ControlNumbers(cycle=self.cycle + 1, interchange=0, group=0)

    def ensure_after(self, previous: ControlNumbers) -> None:
        """Raise ControlNumberError unless this state is strictly later than `previous` in both
        sequences (use it before persisting a new state)."""
        if self.cycle > previous.cycle:
            return
        if self.cycle < previous.cycle or (self.interchange <= previous.interchange or self.group <= previous.group):
            raise ControlNumberError(
                f"control numbers {self.describe()} do not follow {previous.describe()}: "
                "issuing them would reuse a number. Reload the stored state and call next()."
            )

    def describe(self) -> str:
        """Human-readable form used in messages."""
        return f"ISA13={self.interchange:09d} GS06={self.group} (cycle {self.cycle})"

    @property
    def isa13(self) -> str:
        """ISA13 text: 9 digits, zero padded."""
        self._require_issued()
        return f"{self.interchange:09d}"

    @property
    def gs06(self) -> str:
        """GS06 text (1-9 digits, no padding)."""
        self._require_issued()
        return str(self.group)

    def _require_issued(self) -> None:
        if self.interchange < MIN_CONTROL_NUMBER or self.group < MIN_CONTROL_NUMBER:
            raise ControlNumberError(
                "no control numbers have been issued in this state; call next() and use its result"
            )
