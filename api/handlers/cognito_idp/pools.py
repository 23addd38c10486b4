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


@action(IDP, "UpdateUserPool")
def update_user_pool(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    pools.update_user_pool(pool=pools.get_user_pool(params["UserPoolId"]), settings=params)
    return {}


@action(IDP, "DeleteUserPool")
def delete_user_pool(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    pools.delete_user_pool(pool=pools.get_user_pool(params["UserPoolId"]))
    return {}


@action(IDP, "ListUserPools")
def list_user_pools(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    found = pools.list_user_pools(limit=params["MaxResults"], next_token=params.get("NextToken"))
    result: dict[str, Any] = {
        "UserPools": [shapes.user_pool_description_type(pool) for pool in found.items]
    }
    if found.next_token:
        result["NextToken"] = found.next_token
    return result


@action(IDP, "AddCustomAttributes")
def add_custom_attributes(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    pools.add_custom_attributes(
        pool=pools.get_user_pool(params["UserPoolId"]), attributes=params["CustomAttributes"]
    )
    return {}


@action(IDP, "GetUserPoolMfaConfig")
def get_user_pool_mfa_config(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    return shapes.mfa_config(pools.get_user_pool(params["UserPoolId"]))


@action(IDP, "SetUserPoolMfaConfig")
def set_user_pool_mfa_config(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    pool = pools.set_user_pool_mfa_config(
        pool=pools.get_user_pool(params["UserPoolId"]),
        mfa_configuration=params.get("MfaConfiguration"),
        software_token=params.get("SoftwareTokenMfaConfiguration"),
        sms=params.get("SmsMfaConfiguration"),
        email=params.get("EmailMfaConfiguration"),
    )
    return shapes.mfa_config(pool)


@action(IDP, "TagResource")
def tag_resource(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    pools.tag_resource(pool=pools.get_user_pool_by_arn(params["ResourceArn"]), tags=params["Tags"])
    return {}


@action(IDP, "UntagResource")
def untag_resource(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    pools.untag_resource(
        pool=pools.get_user_pool_by_arn(params["ResourceArn"]), keys=params["TagKeys"]
    )
    return {}


@action(IDP, "ListTagsForResource")
def list_tags_for_resource(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    return {"Tags": pools.get_user_pool_by_arn(params["ResourceArn"]).tags}
