"""Setting and checking pool-user passwords: argon2id hash plus the SRP verifier.

Every password set goes through ``set_password`` so the SRP salt + verifier (which depend
on the pool and the internal username, reference §2.3) always match the argon2id hash.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import check_password, make_password
from django.utils import timezone

from accounts.models import PoolUser
from accounts.services import srp

# Verified against when the user is unknown, so a miss costs what a hit costs.
_DUMMY_HASH: str | None = None


def set_password(user: PoolUser, raw_password: str, *, temporary: bool = False) -> None:
    """Hash ``raw_password`` into ``user`` (not saved). Temporary passwords expire per the
    pool's ``TemporaryPasswordValidityDays``."""
    user.password_hash = make_password(raw_password)
    user.srp_salt, user.srp_verifier = srp.compute_verifier(
        user.pool.pool_suffix, user.username, raw_password
    )
    now = timezone.now()
    user.password_set_at = now
    if temporary:
        days = int(user.pool.password_policy.get("TemporaryPasswordValidityDays", 7))
        user.temporary_password_expires = now + dt.timedelta(days=days)
    else:
        user.temporary_password_expires = None


def check_user_password(user: PoolUser | None, raw_password: str) -> bool:
    """Constant work whether or not the user exists (verifies against a dummy hash)."""
    global _DUMMY_HASH
    if user is None or not user.password_hash:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = make_password("tessera-dummy-password")
        check_password(raw_password, _DUMMY_HASH)
        return False
    return check_password(raw_password, user.password_hash)
