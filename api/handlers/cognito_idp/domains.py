"""User pool domain actions (SigV4): Create/Describe/Update/DeleteUserPoolDomain."""

from __future__ import annotations

from typing import Any

from accounts.services import pools
from api.registry import IDP, RequestContext, action
from api.shapes.domains import domain_change_type, domain_description_type
from oauth.services import domains


@action(IDP, "CreateUserPoolDomain")
def create_user_pool_domain(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    domain = domains.create_user_pool_domain(
        pool=pools.get_user_pool(params["UserPoolId"]),
        domain=params["Domain"],
        custom_domain_config=params.get("CustomDomainConfig"),
        managed_login_version=params.get("ManagedLoginVersion"),
        actor=ctx.actor,
    )
    return domain_change_type(domain)


@action(IDP, "DescribeUserPoolDomain")
def describe_user_pool_domain(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    domain = domains.describe_user_pool_domain(domain=params["Domain"])
    return {"DomainDescription": domain_description_type(domain) if domain is not None else {}}


@action(IDP, "UpdateUserPoolDomain")
def update_user_pool_domain(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    domain = domains.update_user_pool_domain(
        pool=pools.get_user_pool(params["UserPoolId"]),
        domain=params["Domain"],
        custom_domain_config=params.get("CustomDomainConfig"),
        managed_login_version=params.get("ManagedLoginVersion"),
        actor=ctx.actor,
    )
    return domain_change_type(domain)


@action(IDP, "DeleteUserPoolDomain")
def delete_user_pool_domain(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    domains.delete_user_pool_domain(
        pool=pools.get_user_pool(params["UserPoolId"]),
        domain=params["Domain"],
        actor=ctx.actor,
    )
    return {}
