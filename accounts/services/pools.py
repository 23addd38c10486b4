"""User-pool management: CreateUserPool, DescribeUserPool, UpdateUserPool, DeleteUserPool,
ListUserPools, AddCustomAttributes, Get/SetUserPoolMfaConfig and pool tags."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import UserPool
from core.errors import ResourceNotFoundException
from core.pagination import Page, make_token, read_token

# Cognito's default password policy when CreateUserPool gives none.
DEFAULT_PASSWORD_POLICY: dict[str, Any] = {
    "MinimumLength": 8,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
    "TemporaryPasswordValidityDays": 7,
}


def get_user_pool(pool_id: str) -> UserPool:
    pool = UserPool.objects.filter(pk=pool_id).first()
    if pool is None:
        raise ResourceNotFoundException(f"User pool {pool_id} does not exist.")
    return pool


@transaction.atomic
def create_user_pool(*, name: str, settings: dict[str, Any]) -> UserPool:
    """CreateUserPool. ``settings`` holds the other CreateUserPoolRequest members (wire names)."""
    policies = dict(settings.get("Policies") or {})
    policies["PasswordPolicy"] = {
        **DEFAULT_PASSWORD_POLICY,
        **(policies.get("PasswordPolicy") or {}),
    }
    now = timezone.now()
    pool = UserPool(
        name=name,
        created=now,
        modified=now,
        policies=policies,
        auto_verified_attributes=list(settings.get("AutoVerifiedAttributes") or []),
        username_attributes=list(settings.get("UsernameAttributes") or []),
        alias_attributes=list(settings.get("AliasAttributes") or []),
        mfa_configuration=settings.get("MfaConfiguration") or "OFF",
        user_attribute_update_settings=dict(settings.get("UserAttributeUpdateSettings") or {}),
        tags=dict(settings.get("UserPoolTags") or {}),
    )
    pool.save()
    return pool


def list_user_pools(*, limit: int, next_token: str | None) -> Page[UserPool]:
    """ListUserPools: keyset pages ordered by (creation time, id)."""
    after = read_token("ListUserPools", next_token)
    query = UserPool.objects.order_by("created", "id")
    if after is not None:
        created = datetime.fromisoformat(after[0])
        query = query.filter(Q(created__gt=created) | Q(created=created, id__gt=after[1]))
    items = list(query[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    if not (more and items):
        return Page(items, None)
    last = items[-1]
    return Page(items, make_token("ListUserPools", [last.created.isoformat(), last.id]))
