"""Sign-up and account recovery through an app client (public, unsigned actions)."""

from __future__ import annotations

from typing import Any

from accounts.services import auth_flows, sign_up
from api.registry import IDP, RequestContext, action
from api.shapes import self_service as shapes
from oauth.services.clients import get_app_client


def _attributes(params: dict[str, Any], member: str) -> dict[str, str]:
    return {item["Name"]: item.get("Value", "") for item in params.get(member) or []}


@action(IDP, "SignUp")
def sign_up_action(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    result = sign_up.sign_up(
        client=get_app_client(params["ClientId"]),
        username=params["Username"],
        password=params.get("Password"),
        attributes=_attributes(params, "UserAttributes"),
        secret_hash=params.get("SecretHash"),
    )
    response: dict[str, Any] = {"UserConfirmed": result.confirmed, "UserSub": str(result.user.sub)}
    if result.delivery is not None:
        response["CodeDeliveryDetails"] = shapes.code_delivery_details(result.delivery)
    return response


@action(IDP, "ConfirmSignUp")
def confirm_sign_up(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    client = get_app_client(params["ClientId"])
    user = sign_up.confirm_sign_up(
        client=client,
        username=params["Username"],
        code=params["ConfirmationCode"],
        secret_hash=params.get("SecretHash"),
        force_alias_creation=bool(params.get("ForceAliasCreation")),
    )
    # For InitiateAuth USER_AUTH right after (Amplify's autoSignIn).
    return {"Session": auth_flows.sign_up_session(client, user)}


@action(IDP, "ResendConfirmationCode")
def resend_confirmation_code(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    delivery = sign_up.resend_confirmation_code(
        client=get_app_client(params["ClientId"]),
        username=params["Username"],
        secret_hash=params.get("SecretHash"),
    )
    return {"CodeDeliveryDetails": shapes.code_delivery_details(delivery)}


@action(IDP, "ForgotPassword")
def forgot_password(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    delivery = sign_up.forgot_password(
        client=get_app_client(params["ClientId"]),
        username=params["Username"],
        secret_hash=params.get("SecretHash"),
    )
    return {"CodeDeliveryDetails": shapes.code_delivery_details(delivery)}


@action(IDP, "ConfirmForgotPassword")
def confirm_forgot_password(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    sign_up.confirm_forgot_password(
        client=get_app_client(params["ClientId"]),
        username=params["Username"],
        code=params["ConfirmationCode"],
        password=params["Password"],
        secret_hash=params.get("SecretHash"),
    )
    return {}
