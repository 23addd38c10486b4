"""User-pool management actions (SigV4)."""

from __future__ import annotations

from typing import Any

from accounts.services import pools
from api.registry import IDP, RequestContext, action
from api.shapes import pools as shapes


@action(IDP, "CreateUserPool")
def create_user_pool(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    pool = pools.create_user_pool(name=params["PoolName"], settings=params)
    return {"UserPool": shapes.user_pool_type(pool)}


@action(IDP, "DescribeUserPool")
def describe_user_pool(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    return {"UserPool": shapes.user_pool_type(pools.get_user_pool(params["UserPoolId"]))}


@action(IDP, "ListUserPools")
def list_user_pools(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    found = pools.list_user_pools(limit=params["MaxResults"], next_token=params.get("NextToken"))
    result: dict[str, Any] = {
        "UserPools": [shapes.user_pool_description_type(pool) for pool in found.items]
    }
    if found.next_token:
        result["NextToken"] = found.next_token
    return result
