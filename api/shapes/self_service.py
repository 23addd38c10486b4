"""PascalCase output shapes for sign-up and user self-service (CodeDeliveryDetailsType,
GetUserResponse). MFA state is read from ``PoolUser.mfa_settings`` as api/shapes/users.py
describes it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accounts.models import PoolUser
from accounts.services.notifications import CodeDelivery
from api.shapes.users import attribute_list


def code_delivery_details(delivery: CodeDelivery) -> dict[str, str]:
    return {
        "Destination": delivery.destination,
        "DeliveryMedium": delivery.medium,
        "AttributeName": delivery.attribute,
    }


def get_user_response(user: PoolUser, readable: Mapping[str, str]) -> dict[str, Any]:
    """GetUserResponse: the attributes the token's client may read."""
    result: dict[str, Any] = {
        "Username": user.username,
        "UserAttributes": attribute_list(readable),
    }
    settings = user.mfa_settings or {}
    if options := list(settings.get("mfa_options") or []):
        result["MFAOptions"] = options
    if enabled := list(settings.get("enabled") or []):
        result["UserMFASettingList"] = enabled
    if preferred := settings.get("preferred"):
        result["PreferredMfaSetting"] = preferred
    return result
