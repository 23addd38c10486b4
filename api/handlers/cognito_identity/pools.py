"""Identity-pool management actions (SigV4): pools, roles, principal tags and tags."""

from __future__ import annotations

from typing import Any

from api.registry import IDENTITY, RequestContext, action
from api.shapes import identity as shapes
from identity.services import pools, roles


@action(IDENTITY, "CreateIdentityPool")
def create_identity_pool(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    return shapes.identity_pool(pools.create_identity_pool(params=params))


@action(IDENTITY, "DescribeIdentityPool")
def describe_identity_pool(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    return shapes.identity_pool(pools.get_identity_pool(params["IdentityPoolId"]))


@action(IDENTITY, "UpdateIdentityPool")
def update_identity_pool(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    pool = pools.get_identity_pool(params["IdentityPoolId"])
    return shapes.identity_pool(pools.update_identity_pool(pool=pool, params=params))


@action(IDENTITY, "DeleteIdentityPool")
def delete_identity_pool(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    pools.delete_identity_pool(pool=pools.get_identity_pool(params["IdentityPoolId"]))
    return {}


@action(IDENTITY, "ListIdentityPools")
def list_identity_pools(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    page = pools.list_identity_pools(limit=params["MaxResults"], next_token=params.get("NextToken"))
    result: dict[str, Any] = {"IdentityPools": [shapes.identity_pool_short(p) for p in page.items]}
    if page.next_token:
        result["NextToken"] = page.next_token
    return result


@action(IDENTITY, "SetIdentityPoolRoles")
def set_identity_pool_roles(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    roles.set_identity_pool_roles(
        pool=pools.get_identity_pool(params["IdentityPoolId"]),
        roles=params["Roles"],
        role_mappings=params.get("RoleMappings"),
    )
    return {}


@action(IDENTITY, "GetIdentityPoolRoles")
def get_identity_pool_roles(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    return shapes.identity_pool_roles(pools.get_identity_pool(params["IdentityPoolId"]))


def _principal_tags(pool_id: str, provider: str, stored: dict[str, Any]) -> dict[str, Any]:
    return {"IdentityPoolId": pool_id, "IdentityProviderName": provider, **stored}


@action(IDENTITY, "SetPrincipalTagAttributeMap")
def set_principal_tag_attribute_map(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    stored = pools.set_principal_tag_attribute_map(
        pool=pools.get_identity_pool(params["IdentityPoolId"]),
        provider=params["IdentityProviderName"],
        use_defaults=params.get("UseDefaults"),
        principal_tags=params.get("PrincipalTags"),
    )
    return _principal_tags(params["IdentityPoolId"], params["IdentityProviderName"], stored)


@action(IDENTITY, "GetPrincipalTagAttributeMap")
def get_principal_tag_attribute_map(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    stored = pools.get_principal_tag_attribute_map(
        pool=pools.get_identity_pool(params["IdentityPoolId"]),
        provider=params["IdentityProviderName"],
    )
    return _principal_tags(params["IdentityPoolId"], params["IdentityProviderName"], stored)


@action(IDENTITY, "TagResource")
def tag_resource(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    pools.tag_resource(
        pool=pools.get_identity_pool_by_arn(params["ResourceArn"]), tags=params["Tags"]
    )
    return {}


@action(IDENTITY, "UntagResource")
def untag_resource(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    pools.untag_resource(
        pool=pools.get_identity_pool_by_arn(params["ResourceArn"]), keys=params["TagKeys"]
    )
    return {}


@action(IDENTITY, "ListTagsForResource")
def list_tags_for_resource(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    return {"Tags": dict(pools.get_identity_pool_by_arn(params["ResourceArn"]).tags)}
