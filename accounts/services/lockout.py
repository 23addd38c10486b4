"""Temporary lockout after repeated wrong passwords, as Cognito does it (reference §5).

After ``FREE_FAILURES`` consecutive failures every further failure locks the sign-in name
for a wait that starts at one second and doubles up to about fifteen minutes; attempts
during a lock are refused with "Password attempts exceeded" without being checked, and a
success clears the count. Counters live in Django's cache — Redis when ``REDIS_URL`` is
set, so every process shares them — never in a database row, which would roll back with
the NotAuthorizedException that records the failure. Unknown names are counted the same
way as real users, so a lockout never tells an attacker which names exist.

When the shared store is unreachable (Redis down or refusing), the counters fall back to
this process's memory, deliberately neither failing open nor closed: failing closed would
turn a cache outage into refusing every sign-in (and a 500 from the connection error), and
failing open would let guessing run unthrottled for as long as the outage lasts. Counted
per process, the waits still apply, only split across workers (an attacker gets at most
``FREE_FAILURES`` free tries per process), and each fallback is logged as a warning
(core.cache.resilient).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.core.cache.backends.base import BaseCache

from core.cache import resilient
from core.errors import NotAuthorizedException

T = TypeVar("T")

FREE_FAILURES = 5
FIRST_WAIT_SECONDS = 1
MAX_WAIT_SECONDS = 15 * 60
# A count left alone this long starts over, as Cognito forgets old failures.
_FORGET_AFTER_SECONDS = MAX_WAIT_SECONDS * 2
_PREFIX = "tessera:lockout:"


def subject_for_user(pool_id: str, user_pk: int) -> str:
    """The lockout subject of an existing user: every alias it signs in with shares it."""
    return f"{pool_id}:user:{user_pk}"


def subject_for_unknown(pool_id: str, username: str) -> str:
    """The lockout subject of a name that matches no user."""
    digest = hashlib.sha256(username.encode()).hexdigest()[:32]
    return f"{pool_id}:name:{digest}"


def _failures_key(subject: str) -> str:
    return f"{_PREFIX}{subject}:failures"


def _locked_until_key(subject: str) -> str:
    return f"{_PREFIX}{subject}:until"


def wait_after(failures: int) -> int:
    """Seconds locked after the ``failures``-th consecutive failure (0: not locked)."""
    if failures < FREE_FAILURES:
        return 0
    return min(FIRST_WAIT_SECONDS << min(failures - FREE_FAILURES, 20), MAX_WAIT_SECONDS)


def _with_store(operation: Callable[[BaseCache], T]) -> T:
    """Run ``operation`` on the shared cache, or on this process's memory when it is down."""
    return resilient(cache, operation, purpose="lockout")


def locked_for(subject: str) -> float:
    """Seconds the subject stays locked (0 when it may try now)."""
    until = _with_store(lambda store: store.get(_locked_until_key(subject)))
    if until is None:
        return 0.0
    return max(0.0, float(until) - time.time())


def ensure_not_locked(subject: str) -> None:
    """Raise NotAuthorizedException "Password attempts exceeded" during a lock."""
    if locked_for(subject) > 0:
        raise NotAuthorizedException("Password attempts exceeded")


def _count_failure(store: BaseCache, subject: str) -> int:
    key = _failures_key(subject)
    store.add(key, 0, timeout=_FORGET_AFTER_SECONDS)
    try:
        failures = int(store.incr(key))
    except ValueError:  # expired between add and incr
        store.set(key, 1, timeout=_FORGET_AFTER_SECONDS)
        failures = 1
    store.touch(key, timeout=_FORGET_AFTER_SECONDS)
    wait = wait_after(failures)
    if wait:
        store.set(_locked_until_key(subject), time.time() + wait, timeout=wait + 1)
    return failures


def record_failure(subject: str) -> int:
    """Count one more consecutive failure, locking when past the free ones; the count."""
    return _with_store(lambda store: _count_failure(store, subject))


def record_success(subject: str) -> None:
    _with_store(
        lambda store: store.delete_many([_failures_key(subject), _locked_until_key(subject)])
    )
