"""Token actions: GlobalSignOut, AdminUserGlobalSignOut, RevokeToken,
GetTokensFromRefreshToken."""

from __future__ import annotations

from typing import Any

from accounts.services import pools, users
from api.registry import IDP, RequestContext, action
from api.shapes import auth as shapes
from oauth.services import clients, tokens


@action(IDP, "GlobalSignOut")
def global_sign_out(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    context = tokens.authenticate_access_token(params["AccessToken"])
    tokens.global_sign_out(context.user, actor=context.client.client_id)
    return {}


@action(IDP, "AdminUserGlobalSignOut")
def admin_user_global_sign_out(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    user = users.get_user(pools.get_user_pool(params["UserPoolId"]), params["Username"])
    tokens.global_sign_out(user, actor=ctx.actor)
    return {}


@action(IDP, "RevokeToken")
def revoke_token(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    tokens.revoke_token(
        client_id=params["ClientId"],
        client_secret=params.get("ClientSecret"),
        token=params["Token"],
    )
    return {}


@action(IDP, "GetTokensFromRefreshToken")
def get_tokens_from_refresh_token(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    token_set = tokens.get_tokens_from_refresh_token(
        client=clients.get_app_client(params["ClientId"]),
        client_secret=params.get("ClientSecret"),
        refresh_token=params["RefreshToken"],
    )
    return {"AuthenticationResult": shapes.authentication_result_type(token_set)}
