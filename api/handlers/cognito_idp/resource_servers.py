"""Resource server actions (SigV4): Create/Describe/List/Update/DeleteResourceServer."""

from __future__ import annotations

from typing import Any

from accounts.services import pools
from api.registry import IDP, RequestContext, action
from api.shapes.resource_servers import resource_server_type
from oauth.services import resource_servers


@action(IDP, "CreateResourceServer")
def create_resource_server(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    server = resource_servers.create_resource_server(
        pool=pools.get_user_pool(params["UserPoolId"]),
        identifier=params["Identifier"],
        name=params["Name"],
        scopes=params.get("Scopes"),
        actor=ctx.actor,
    )
    return {"ResourceServer": resource_server_type(server)}


@action(IDP, "DescribeResourceServer")
def describe_resource_server(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    server = resource_servers.describe_resource_server(
        pool=pools.get_user_pool(params["UserPoolId"]), identifier=params["Identifier"]
    )
    return {"ResourceServer": resource_server_type(server)}


@action(IDP, "ListResourceServers")
def list_resource_servers(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    page = resource_servers.list_resource_servers(
        pool=pools.get_user_pool(params["UserPoolId"]),
        limit=params.get("MaxResults"),
        next_token=params.get("NextToken"),
    )
    result: dict[str, Any] = {"ResourceServers": [resource_server_type(s) for s in page.items]}
    if page.next_token:
        result["NextToken"] = page.next_token
    return result


@action(IDP, "UpdateResourceServer")
def update_resource_server(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    server = resource_servers.update_resource_server(
        pool=pools.get_user_pool(params["UserPoolId"]),
        identifier=params["Identifier"],
        name=params["Name"],
        scopes=params.get("Scopes"),
        actor=ctx.actor,
    )
    return {"ResourceServer": resource_server_type(server)}


@action(IDP, "DeleteResourceServer")
def delete_resource_server(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    resource_servers.delete_resource_server(
        pool=pools.get_user_pool(params["UserPoolId"]),
        identifier=params["Identifier"],
        actor=ctx.actor,
    )
    return {}
