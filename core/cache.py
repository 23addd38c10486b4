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
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache as memoize
from typing import TypeVar

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import RedisError

logger = logging.getLogger("tessera")
T = TypeVar("T")
# What a cache backend raises when its server is unreachable: redis-py's errors, and the
# socket's OSError (ConnectionRefusedError, TimeoutError) from other backends.
STORE_ERRORS = (RedisError, OSError)
_LOCAL_MAX_ENTRIES = 100_000


@memoize
def local_store(purpose: str) -> BaseCache:
    """This process's fallback store for ``purpose``."""
    return LocMemCache(
        f"tessera-fallback:{purpose}", {"OPTIONS": {"MAX_ENTRIES": _LOCAL_MAX_ENTRIES}}
    )


def resilient(shared: BaseCache, operation: Callable[[BaseCache], T], *, purpose: str) -> T:
    """Run ``operation`` on ``shared``, or on this process's store for ``purpose`` when the
    shared one is unreachable. ``operation`` may run twice (a part on each store), so it
    must be safe to repeat."""
    try:
        return operation(shared)
    except STORE_ERRORS as exc:
        logger.warning(
            "%s: shared cache unavailable (%s); using this process's memory", purpose, exc
        )
        return operation(local_store(purpose))


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
