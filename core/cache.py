"""The shared cache (Redis when ``REDIS_URL`` is set) with a per-process fallback, for the
few things the cache is not merely an optimisation of: lockout counters, the single use of
sign-in sessions and the hosted UI's sign-out deny-list.

When the shared store is unreachable, each operation runs on this process's memory instead
(one ``LocMemCache`` per purpose, so one purpose filling its store never evicts another's
entries) and a warning is logged. Neither failing closed (refusing every sign-in, and a 500
from the connection error) nor open (no throttling, no single use): the guarantee holds per
process for as long as the outage lasts. What a process remembered during the outage stays
remembered by it afterwards (``add_once`` and ``is_remembered`` consult both stores), so a
session used or ended in that window is not accepted again by the same process once the
shared store is back; other processes never saw it, which is the degraded part.

A Redis that hangs (accepts the connection, never answers; or a blackholed host) costs the
socket timeout on every call, and a sign-in makes several. So a failure opens a circuit
breaker (Nygard, "Release It!", Circuit Breaker): for ``RETRY_AFTER_SECONDS`` this process
goes straight to its memory for that store, then lets one call try the store again while
the others keep using memory. One warning per outage, one notice when the store is back.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from functools import cache as memoize
from typing import TypeVar

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.signals import setting_changed
from redis.exceptions import RedisError

logger = logging.getLogger("tessera")
T = TypeVar("T")
# What a cache backend raises when its server is unreachable: redis-py's errors, and the
# socket's OSError (ConnectionRefusedError, TimeoutError) from other backends.
STORE_ERRORS = (RedisError, OSError)
_LOCAL_MAX_ENTRIES = 100_000
# Long enough that a hanging store costs one socket timeout per interval, not one per call;
# short enough that a recovered store is back in use within seconds.
RETRY_AFTER_SECONDS = 5.0


def _now() -> float:
    return time.monotonic()


class CircuitBreaker:
    """Whether to call a shared store that recently failed. Closed: call it. Open: skip it
    until ``retry_at``, then let exactly one caller try it (the others still skip it) until
    that trial succeeds (closed again) or fails (open for another interval)."""

    def __init__(self, *, retry_after: float = RETRY_AFTER_SECONDS) -> None:
        self.retry_after = retry_after
        self._lock = threading.Lock()
        self._open = False
        self._retry_at = 0.0

    def allow(self) -> bool:
        """Whether this call may use the shared store."""
        with self._lock:
            if not self._open:
                return True
            now = _now()
            if now < self._retry_at:
                return False
            # This caller is the trial; everyone else skips the store while it runs.
            self._retry_at = now + self.retry_after
            return True

    def succeeded(self, *, purpose: str) -> None:
        with self._lock:
            was_open, self._open = self._open, False
        if was_open:
            logger.info("%s: shared cache reachable again; using it", purpose)

    def failed(self, exc: BaseException, *, purpose: str) -> None:
        with self._lock:
            was_open, self._open = self._open, True
            self._retry_at = _now() + self.retry_after
        if not was_open:
            logger.warning(
                "%s: shared cache unavailable (%s); using this process's memory, "
                "retrying it every %gs",
                purpose,
                exc,
                self.retry_after,
            )


_breakers: dict[int, tuple[weakref.ReferenceType[object], CircuitBreaker]] = {}
_breakers_lock = threading.Lock()


def breaker_for(shared: BaseCache) -> CircuitBreaker:
    """This process's breaker for ``shared``, one per store object, shared by every purpose
    (one outage, noticed by any caller, spares them all). Keyed by identity because
    ``django.core.cache.cache`` (a ConnectionProxy) defines ``__eq__`` and is unhashable;
    the weak reference tells a reused ``id`` from the store it was made for."""
    with _breakers_lock:
        entry = _breakers.get(id(shared))
        if entry is not None and entry[0]() is shared:
            return entry[1]
        breaker = CircuitBreaker()
        _breakers[id(shared)] = (weakref.ref(shared), breaker)
        return breaker


def _forget_breakers(*, setting: str, **kwargs: object) -> None:
    """A changed CACHES setting (tests) is a different shared store: start closed."""
    if setting == "CACHES":
        with _breakers_lock:
            _breakers.clear()


setting_changed.connect(_forget_breakers, dispatch_uid="tessera.core.cache.forget_breakers")


@memoize
def local_store(purpose: str) -> BaseCache:
    """This process's fallback store for ``purpose``."""
    return LocMemCache(
        f"tessera-fallback:{purpose}", {"OPTIONS": {"MAX_ENTRIES": _LOCAL_MAX_ENTRIES}}
    )


def resilient(shared: BaseCache, operation: Callable[[BaseCache], T], *, purpose: str) -> T:
    """Run ``operation`` on ``shared``, or on this process's store for ``purpose`` when the
    shared one is unreachable or failed within the last ``RETRY_AFTER_SECONDS``.
    ``operation`` may run twice (a part on each store), so it must be safe to repeat."""
    breaker = breaker_for(shared)
    if not breaker.allow():
        return operation(local_store(purpose))
    try:
        result = operation(shared)
    except STORE_ERRORS as exc:
        breaker.failed(exc, purpose=purpose)
        return operation(local_store(purpose))
    breaker.succeeded(purpose=purpose)
    return result


def add_once(shared: BaseCache, key: str, *, timeout: int, purpose: str) -> bool:
    """Remember ``key`` for ``timeout`` seconds; True only the first time (``cache.add``).
    A key this process remembered during an outage is refused after it, too."""
    if local_store(purpose).get(key) is not None:
        return False
    added = resilient(shared, lambda store: store.add(key, 1, timeout=timeout), purpose=purpose)
    return bool(added)


def remember(shared: BaseCache, key: str, *, timeout: int, purpose: str) -> None:
    """Remember ``key`` for ``timeout`` seconds."""
    resilient(shared, lambda store: store.set(key, 1, timeout=timeout), purpose=purpose)


def is_remembered(shared: BaseCache, key: str, *, purpose: str) -> bool:
    """Whether ``remember`` (or ``add_once``) stored ``key``, in the shared store or in this
    process's memory during an outage."""
    if local_store(purpose).get(key) is not None:
        return True
    return resilient(shared, lambda store: store.get(key) is not None, purpose=purpose)
