"""Admin user-management actions (SigV4): AdminCreateUser … AdminResetUserPassword, ListUsers."""

from __future__ import annotations

from typing import Any

from accounts import selectors
from accounts.models import PoolUser
from accounts.services import pools, users
from api.registry import IDP, RequestContext, action
from api.shapes import users as shapes


def _attributes(params: dict[str, Any], key: str = "UserAttributes") -> dict[str, str]:
    """A [AttributeType] member as {name: value}; a later duplicate wins, as in Cognito."""
    return {item["Name"]: item.get("Value", "") for item in params.get(key) or []}


def _user(params: dict[str, Any]) -> PoolUser:
    pool = pools.get_user_pool(params["UserPoolId"])
    return users.get_user(pool, params["Username"])


@action(IDP, "AdminCreateUser")
def admin_create_user(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    user = users.admin_create_user(
        pool=pools.get_user_pool(params["UserPoolId"]),
        username=params["Username"],
        attributes=_attributes(params),
        temporary_password=params.get("TemporaryPassword"),
        message_action=params.get("MessageAction"),
        desired_delivery_mediums=params.get("DesiredDeliveryMediums"),
        force_alias_creation=bool(params.get("ForceAliasCreation")),
        actor=ctx.actor,
    )
    return {"User": shapes.user_type(user)}


@action(IDP, "AdminGetUser")
def admin_get_user(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    return shapes.admin_get_user(_user(params))


@action(IDP, "AdminDeleteUser")
def admin_delete_user(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    users.admin_delete_user(user=_user(params), actor=ctx.actor)
    return {}


@action(IDP, "AdminEnableUser")
def admin_enable_user(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    users.admin_enable_user(user=_user(params), actor=ctx.actor)
    return {}


@action(IDP, "AdminDisableUser")
def admin_disable_user(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    users.admin_disable_user(user=_user(params), actor=ctx.actor)
    return {}


@action(IDP, "AdminSetUserPassword")
def admin_set_user_password(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    users.admin_set_user_password(
        user=_user(params),
        password=params["Password"],
        permanent=bool(params.get("Permanent")),
        actor=ctx.actor,
    )
    return {}


@action(IDP, "AdminUpdateUserAttributes")
def admin_update_user_attributes(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    users.admin_update_user_attributes(
        user=_user(params), attributes=_attributes(params), actor=ctx.actor
    )
    return {}


@action(IDP, "AdminDeleteUserAttributes")
def admin_delete_user_attributes(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    users.admin_delete_user_attributes(
        user=_user(params), names=params["UserAttributeNames"], actor=ctx.actor
    )
    return {}


@action(IDP, "AdminConfirmSignUp")
def admin_confirm_sign_up(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    users.admin_confirm_sign_up(user=_user(params), actor=ctx.actor)
    return {}


@action(IDP, "AdminResetUserPassword")
def admin_reset_user_password(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    users.admin_reset_user_password(user=_user(params), actor=ctx.actor)
    return {}


@action(IDP, "ListUsers")
def list_users(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    page = selectors.list_users(
        pools.get_user_pool(params["UserPoolId"]),
        filter_expression=params.get("Filter"),
        limit=params.get("Limit"),
        pagination_token=params.get("PaginationToken"),
    )
    wanted = set(params["AttributesToGet"]) if "AttributesToGet" in params else None
    result: dict[str, Any] = {"Users": [shapes.user_type(user, wanted) for user in page.items]}
    if page.next_token:
        result["PaginationToken"] = page.next_token
    return result
