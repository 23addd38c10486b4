"""User self-service with an access token (public, unsigned actions)."""

from __future__ import annotations

from typing import Any

from accounts.services import self_service
from api.registry import IDP, RequestContext, action
from api.shapes import self_service as shapes


@action(IDP, "GetUser")
def get_user(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    user, readable = self_service.get_user(access_token=params["AccessToken"])
    return shapes.get_user_response(user, readable)


@action(IDP, "ChangePassword")
def change_password(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    self_service.change_password(
        access_token=params["AccessToken"],
        previous_password=params.get("PreviousPassword"),
        proposed_password=params["ProposedPassword"],
    )
    return {}


@action(IDP, "UpdateUserAttributes")
def update_user_attributes(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    deliveries = self_service.update_user_attributes(
        access_token=params["AccessToken"],
        attributes={item["Name"]: item.get("Value", "") for item in params["UserAttributes"]},
    )
    return {"CodeDeliveryDetailsList": [shapes.code_delivery_details(d) for d in deliveries]}


@action(IDP, "GetUserAttributeVerificationCode")
def get_user_attribute_verification_code(
    params: dict[str, Any], ctx: RequestContext
) -> dict[str, Any]:
    delivery = self_service.get_user_attribute_verification_code(
        access_token=params["AccessToken"], attribute_name=params["AttributeName"]
    )
    return {"CodeDeliveryDetails": shapes.code_delivery_details(delivery)}


@action(IDP, "VerifyUserAttribute")
def verify_user_attribute(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    self_service.verify_user_attribute(
        access_token=params["AccessToken"],
        attribute_name=params["AttributeName"],
        code=params["Code"],
    )
    return {}


@action(IDP, "DeleteUserAttributes")
def delete_user_attributes(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    self_service.delete_user_attributes(
        access_token=params["AccessToken"], names=list(params["UserAttributeNames"])
    )
    return {}


@action(IDP, "DeleteUser")
def delete_user(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    self_service.delete_user(access_token=params["AccessToken"])
    return {}
