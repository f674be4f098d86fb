"""RFM layering (客户价值分层), pure: figures per customer in, quintile scores and a segment out.

- Recency: days since the customer's last call or follow-up (fewer is better; never: score 1).
- Frequency: calls and follow-ups in the last `frequency_days` days (more is better).
- Monetary: yuan won in the last 12 months, or the open pipeline where nothing was won.

A score is the customer's quintile among all customers: 1 + ⌊5 × (customers strictly behind it)
/ (all customers)⌋: ties share a score, and 5 means ahead of at least four fifths. A score
of 3 or more counts as high (3 is the mean of 1–5); high or low on each
of R, F, M gives the usual eight segments.

Quintiles of a handful of customers say little (of three customers, one called five days ago
ranks last when the others were called yesterday): below a number of customers the scores
come from fixed bands instead (`FixedBands`), the same for every team.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "SEGMENTS",
    "CustomerFigures",
    "FixedBands",
    "RfmScore",
    "quintiles",
    "score_customers",
    "segment_of",
]

# In the order a team should call them: value first, then what might be lost.
SEGMENTS = (
    "重要价值客户",  # R high, F high, M high
    "重要发展客户",  # R high, F low, M high
    "重要保持客户",  # R low, F high, M high
    "重要挽留客户",  # R low, F low, M high
    "一般价值客户",  # R high, F high, M low
    "一般发展客户",  # R high, F low, M low
    "一般保持客户",  # R low, F high, M low
    "一般挽留客户",  # R low, F low, M low
)
_HIGH = 3


@dataclass(frozen=True, slots=True)
class CustomerFigures:
    customer_id: int
    recency_days: int | None  # None: never called nor followed up
    frequency: int
    monetary: float


@dataclass(frozen=True, slots=True)
class FixedBands:
    """Scores on fixed bands for a small customer base; each tuple gives the bounds of scores
    5, 4, 3 and 2 (anything beyond the last scores 1). 3 or more is high, as with quintiles."""

    recent_days: tuple[int, int, int, int] = (7, 30, 60, 90)  # last contact at most … days ago
    contacts: tuple[int, int, int, int] = (8, 5, 3, 1)  # at least … in the frequency window
    high_value: float = 100_000.0  # yuan: 4×, 2×, 1× and ½× this score 5, 4, 3, 2

    def recency(self, days: int | None) -> int:
        if days is None:
            return 1
        return 5 - sum(1 for bound in self.recent_days if days > bound)

    def frequency(self, contacts: int) -> int:
        return 5 - sum(1 for bound in self.contacts if contacts < bound)

    def monetary(self, yuan: float) -> int:
        bounds = (4 * self.high_value, 2 * self.high_value, self.high_value, self.high_value / 2)
        return 5 - sum(1 for bound in bounds if yuan < bound)


@dataclass(frozen=True, slots=True)
class RfmScore:
    customer_id: int
    recency_days: int | None
    frequency: int
    monetary: float
    r: int
    f: int
    m: int
    segment: str
    basis: str = "quintiles"  # or "bands": scored on FixedBands (a small customer base)


def quintiles(values: Sequence[float]) -> list[int]:
    """Each value's quintile (1–5) among `values`, higher values scoring higher."""
    ordered = sorted(values)
    n = len(values)
    return [1 + (5 * bisect_left(ordered, v)) // n for v in values]


def segment_of(r: int, f: int, m: int) -> str:
    index = (0 if m >= _HIGH else 4) + (0 if r >= _HIGH else 2) + (0 if f >= _HIGH else 1)
    return SEGMENTS[index]


def score_customers(
    figures: Sequence[CustomerFigures], bands: FixedBands | None = None
) -> list[RfmScore]:
    """Scores and segments for every customer: each against all the others, or on `bands`."""
    if bands is not None:
        return [_scored(c, bands.recency(c.recency_days), bands.frequency(c.frequency),
                        bands.monetary(c.monetary), "bands") for c in figures]  # fmt: skip
    # Recency: fewer days is better, so score the negated days; never contacted scores lowest.
    never = -float("inf")
    r = quintiles([never if c.recency_days is None else -c.recency_days for c in figures])
    f = quintiles([c.frequency for c in figures])
    m = quintiles([c.monetary for c in figures])
    return [
        _scored(c, ri, fi, mi, "quintiles") for c, ri, fi, mi in zip(figures, r, f, m, strict=True)
    ]


def _scored(c: CustomerFigures, r: int, f: int, m: int, basis: str) -> RfmScore:
    return RfmScore(
        c.customer_id, c.recency_days, c.frequency, c.monetary, r, f, m, segment_of(r, f, m), basis
    )
