"""App-client management actions (SigV4)."""

from __future__ import annotations

from typing import Any

from accounts.services import pools
from api.registry import IDP, RequestContext, action
from api.shapes import clients as shapes
from oauth.services import clients


@action(IDP, "CreateUserPoolClient")
def create_user_pool_client(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    client = clients.create_user_pool_client(
        pool=pools.get_user_pool(params["UserPoolId"]),
        name=params["ClientName"],
        settings=params,
        actor=ctx.actor,
    )
    return {"UserPoolClient": shapes.user_pool_client_type(client)}


@action(IDP, "DescribeUserPoolClient")
def describe_user_pool_client(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    client = clients.describe_user_pool_client(
        pool=pools.get_user_pool(params["UserPoolId"]), client_id=params["ClientId"]
    )
    return {"UserPoolClient": shapes.user_pool_client_type(client)}


@action(IDP, "UpdateUserPoolClient")
def update_user_pool_client(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    client = clients.update_user_pool_client(
        pool=pools.get_user_pool(params["UserPoolId"]),
        client_id=params["ClientId"],
        settings=params,
        actor=ctx.actor,
    )
    return {"UserPoolClient": shapes.user_pool_client_type(client)}


@action(IDP, "DeleteUserPoolClient")
def delete_user_pool_client(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    clients.delete_user_pool_client(
        pool=pools.get_user_pool(params["UserPoolId"]),
        client_id=params["ClientId"],
        actor=ctx.actor,
    )
    return {}


@action(IDP, "ListUserPoolClients")
def list_user_pool_clients(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    found = clients.list_user_pool_clients(
        pool=pools.get_user_pool(params["UserPoolId"]),
        limit=params.get("MaxResults"),
        next_token=params.get("NextToken"),
        client_type=params.get("ClientType"),
    )
    result: dict[str, Any] = {
        "UserPoolClients": [shapes.user_pool_client_description(c) for c in found.items]
    }
    if found.next_token:
        result["NextToken"] = found.next_token
    return result
