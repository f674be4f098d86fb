"""RFM layering (客户价值分层), pure: figures per customer in, quintile scores and a segment out.

- Recency: days since the customer's last call or follow-up (fewer is better; never: score 1).
- Frequency: calls and follow-ups in the last `frequency_days` days (more is better).
- Monetary: yuan won in the last 12 months, or the open pipeline where nothing was won.

A score is the customer's quintile among all customers: 1 + ⌊5 × (customers strictly behind it)
/ (all customers)⌋: ties share a score, and 5 means ahead of at least four fifths. A score
of 3 or more counts as high (3 is the mean of 1–5); high or low on each
of R, F, M gives the usual eight segments.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "SEGMENTS",
    "CustomerFigures",
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
class RfmScore:
    customer_id: int
    recency_days: int | None
    frequency: int
    monetary: float
    r: int
    f: int
    m: int
    segment: str


def quintiles(values: Sequence[float]) -> list[int]:
    """Each value's quintile (1–5) among `values`, higher values scoring higher."""
    ordered = sorted(values)
    n = len(values)
    return [1 + (5 * bisect_left(ordered, v)) // n for v in values]


def segment_of(r: int, f: int, m: int) -> str:
    index = (0 if m >= _HIGH else 4) + (0 if r >= _HIGH else 2) + (0 if f >= _HIGH else 1)
    return SEGMENTS[index]


def score_customers(figures: Sequence[CustomerFigures]) -> list[RfmScore]:
    """Scores and segments for every customer, each against all the others."""
    # Recency: fewer days is better, so score the negated days; never contacted scores lowest.
    never = -float("inf")
    r = quintiles([never if c.recency_days is None else -c.recency_days for c in figures])
    f = quintiles([c.frequency for c in figures])
    m = quintiles([c.monetary for c in figures])
    return [
        RfmScore(c.customer_id, c.recency_days, c.frequency, c.monetary, ri, fi, mi,
                 segment_of(ri, fi, mi))
        for c, ri, fi, mi in zip(figures, r, f, m, strict=True)
    ]  # fmt: skip
