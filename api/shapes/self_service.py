"""PascalCase output shapes for sign-up and user self-service (CodeDeliveryDetailsType,
AttributeType lists, GetUserResponse)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accounts.models import PoolUser
from accounts.services.notifications import CodeDelivery


def code_delivery_details(delivery: CodeDelivery) -> dict[str, str]:
    return {
        "Destination": delivery.destination,
        "DeliveryMedium": delivery.medium,
        "AttributeName": delivery.attribute,
    }


def attribute_list(values: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Name": name, "Value": value} for name, value in values.items()]


def get_user_response(user: PoolUser, readable: Mapping[str, str]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "Username": user.username,
        "UserAttributes": attribute_list(readable),
    }
    mfa = user.mfa_settings or {}
    if mfa.get("UserMFASettingList"):
        result["UserMFASettingList"] = list(mfa["UserMFASettingList"])
    if mfa.get("PreferredMfaSetting"):
        result["PreferredMfaSetting"] = mfa["PreferredMfaSetting"]
    if mfa.get("MFAOptions"):
        result["MFAOptions"] = list(mfa["MFAOptions"])
    return result
