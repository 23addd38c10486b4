"""PascalCase output shapes for users (UserType, AttributeType lists, AdminGetUserResponse).

MFA state is read from ``PoolUser.mfa_settings``: ``{"enabled": ["SOFTWARE_TOKEN_MFA", …],
"preferred": "SOFTWARE_TOKEN_MFA", "mfa_options": [MFAOptionType, …]}``, each key optional.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from accounts.models import PoolUser


def attribute_list(
    values: Mapping[str, str], only: Collection[str] | None = None
) -> list[dict[str, str]]:
    """[AttributeType], optionally limited to the names in ``only`` (ListUsers'
    AttributesToGet; names the user does not have are left out)."""
    return [
        {"Name": name, "Value": value}
        for name, value in values.items()
        if only is None or name in only
    ]


def _mfa_options(user: PoolUser) -> list[dict[str, Any]]:
    return list((user.mfa_settings or {}).get("mfa_options") or [])


def user_type(user: PoolUser, attributes_to_get: Collection[str] | None = None) -> dict[str, Any]:
    """UserType, as AdminCreateUser, ListUsers and ListUsersInGroup return it."""
    shape: dict[str, Any] = {
        "Username": user.username,
        "Attributes": attribute_list(user.all_attributes(), attributes_to_get),
        "UserCreateDate": user.created,
        "UserLastModifiedDate": user.modified,
        "Enabled": user.enabled,
        "UserStatus": user.status,
    }
    if options := _mfa_options(user):
        shape["MFAOptions"] = options
    return shape


def admin_get_user(user: PoolUser) -> dict[str, Any]:
    """AdminGetUserResponse."""
    shape: dict[str, Any] = {
        "Username": user.username,
        "UserAttributes": attribute_list(user.all_attributes()),
        "UserCreateDate": user.created,
        "UserLastModifiedDate": user.modified,
        "Enabled": user.enabled,
        "UserStatus": user.status,
    }
    if options := _mfa_options(user):
        shape["MFAOptions"] = options
    settings = user.mfa_settings or {}
    if enabled := list(settings.get("enabled") or []):
        shape["UserMFASettingList"] = enabled
    if preferred := settings.get("preferred"):
        shape["PreferredMfaSetting"] = preferred
    return shape
