"""Reads of pool users: lookups by username or alias."""

from __future__ import annotations

from accounts.models import PoolUser, UserPool


def get_user_by_username(pool: UserPool, username: str) -> PoolUser | None:
    """The user whose stored username is ``username`` (case per the pool's setting)."""
    return (
        PoolUser.objects.select_related("pool")
        .filter(pool=pool, username_key=pool.normalize_username(username))
        .first()
    )


def get_user_by_alias(pool: UserPool, username: str) -> PoolUser | None:
    """What Cognito resolves a sign-in name to: the username itself, or the email /
    phone_number when the pool uses them as username attributes or (verified) aliases."""
    user = get_user_by_username(pool, username)
    if user is not None:
        return user
    for attribute in ("email", "phone_number", "preferred_username"):
        if attribute in pool.username_attributes:
            user = (
                PoolUser.objects.select_related("pool")
                .filter(pool=pool, **{attribute: username})
                .first()
            )
        elif attribute in pool.alias_attributes:
            verified = {
                "email": {"email_verified": True},
                "phone_number": {"phone_number_verified": True},
            }.get(attribute, {})
            user = (
                PoolUser.objects.select_related("pool")
                .filter(pool=pool, **{attribute: username}, **verified)
                .first()
            )
        if user is not None:
            return user
    return None
