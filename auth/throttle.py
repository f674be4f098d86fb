"""Throttling of failed sign-ins: per client (address) and per account.

Only failures count: a client that signs in and works normally is never slowed down, however
many requests it makes, while guessing tokens or passwords is stopped after a few tries. Kept in
memory: one process holds the count, and a restart forgets it (as a rate limit may).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from core.errors import TooManyRequests

__all__ = ["FailureThrottle"]


class FailureThrottle:
    """At most `limit` failures per `window_s` seconds per key; then refuse until they age out."""

    def __init__(
        self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit = limit
        self._window_s = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, *keys: str | None) -> None:
        """Raise TooManyRequests (with Retry-After) when any key has used up its failures."""
        wait = max((self._wait(key) for key in keys if key), default=0.0)
        if wait > 0:
            raise TooManyRequests(
                f"too many failed sign-ins; try again in {math.ceil(wait)} s",
                retry_after=math.ceil(wait),
            )

    def recent(self, key: str) -> int:
        """The key's failures within the window."""
        with self._lock:
            return len(self._recent(key, self._clock()))

    def fail(self, *keys: str | None) -> None:
        now = self._clock()
        with self._lock:
            for key in filter(None, keys):
                self._recent(key, now)
                self._failures.setdefault(key, deque()).append(now)

    def _wait(self, key: str) -> float:
        now = self._clock()
        with self._lock:
            recent = self._recent(key, now)
            if len(recent) < self._limit:
                return 0.0
            return recent[-self._limit] + self._window_s - now

    def _recent(self, key: str, now: float) -> deque[float]:
        """The key's failures within the window; a key with none left is forgotten."""
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= now - self._window_s:
            failures.popleft()
        if not failures:
            self._failures.pop(key, None)
        return failures
