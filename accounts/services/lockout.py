"""Temporary lockout after repeated wrong passwords, as Cognito does it (reference §5).

After ``FREE_FAILURES`` consecutive failures every further failure locks the sign-in name
for a wait that starts at one second and doubles up to about fifteen minutes; attempts
during a lock are refused with "Password attempts exceeded" without being checked, and a
success clears the count. Counters live in Django's cache — Redis when ``REDIS_URL`` is
set, so every process shares them — never in a database row, which would roll back with
the NotAuthorizedException that records the failure. Unknown names are counted the same
way as real users, so a lockout never tells an attacker which names exist.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache

from core.errors import NotAuthorizedException

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


def locked_for(subject: str) -> float:
    """Seconds the subject stays locked (0 when it may try now)."""
    until = cache.get(_locked_until_key(subject))
    if until is None:
        return 0.0
    return max(0.0, float(until) - time.time())


def ensure_not_locked(subject: str) -> None:
    """Raise NotAuthorizedException "Password attempts exceeded" during a lock."""
    if locked_for(subject) > 0:
        raise NotAuthorizedException("Password attempts exceeded")


def record_failure(subject: str) -> int:
    """Count one more consecutive failure, locking when past the free ones; the count."""
    key = _failures_key(subject)
    cache.add(key, 0, timeout=_FORGET_AFTER_SECONDS)
    try:
        failures = int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=_FORGET_AFTER_SECONDS)
        failures = 1
    cache.touch(key, timeout=_FORGET_AFTER_SECONDS)
    wait = wait_after(failures)
    if wait:
        cache.set(_locked_until_key(subject), time.time() + wait, timeout=wait + 1)
    return failures


def record_success(subject: str) -> None:
    cache.delete_many([_failures_key(subject), _locked_until_key(subject)])
