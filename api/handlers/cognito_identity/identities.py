"""Identity actions: GetId, GetOpenIdToken, UnlinkIdentity (public); ListIdentities,
DescribeIdentity, DeleteIdentities and developer-authenticated identities (SigV4)."""

from __future__ import annotations

from typing import Any

from api.registry import IDENTITY, RequestContext, action
from api.shapes import identity as shapes
from identity.services import identities, pools


@action(IDENTITY, "GetId")
def get_id(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    identity = identities.get_id(pool_id=params["IdentityPoolId"], logins=params.get("Logins"))
    return {"IdentityId": identity.id}


@action(IDENTITY, "GetOpenIdToken")
def get_open_id_token(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    issued = identities.get_open_id_token(
        identity_id=params["IdentityId"], logins=params.get("Logins")
    )
    return {"IdentityId": issued.identity_id, "Token": issued.token}


@action(IDENTITY, "UnlinkIdentity")
def unlink_identity(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    identities.unlink_identity(
        identity_id=params["IdentityId"],
        logins=params["Logins"],
        logins_to_remove=params["LoginsToRemove"],
    )
    return {}


@action(IDENTITY, "ListIdentities")
def list_identities(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    pool = pools.get_identity_pool(params["IdentityPoolId"])
    page = identities.list_identities(
        pool=pool,
        limit=params["MaxResults"],
        next_token=params.get("NextToken"),
        hide_disabled=bool(params.get("HideDisabled")),
    )
    result: dict[str, Any] = {
        "IdentityPoolId": pool.id,
        "Identities": [shapes.identity_description(item) for item in page.items],
    }
    if page.next_token:
        result["NextToken"] = page.next_token
    return result


@action(IDENTITY, "DescribeIdentity")
def describe_identity(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    return shapes.identity_description(
        identities.describe_identity(identity_id=params["IdentityId"])
    )


@action(IDENTITY, "DeleteIdentities")
def delete_identities(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    unprocessed = identities.delete_identities(
        identity_ids=params["IdentityIdsToDelete"], actor=ctx.actor
    )
    return {"UnprocessedIdentityIds": unprocessed}


@action(IDENTITY, "GetOpenIdTokenForDeveloperIdentity")
def get_open_id_token_for_developer_identity(
    params: dict[str, Any], ctx: RequestContext
) -> dict[str, Any]:
    issued = identities.get_open_id_token_for_developer_identity(
        pool_id=params["IdentityPoolId"],
        identity_id=params.get("IdentityId"),
        logins=params["Logins"],
        token_duration=params.get("TokenDuration"),
    )
    return {"IdentityId": issued.identity_id, "Token": issued.token}


@action(IDENTITY, "LookupDeveloperIdentity")
def lookup_developer_identity(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    found = identities.lookup_developer_identity(
        pool_id=params["IdentityPoolId"],
        identity_id=params.get("IdentityId"),
        identifier=params.get("DeveloperUserIdentifier"),
        limit=params.get("MaxResults"),
        next_token=params.get("NextToken"),
    )
    result: dict[str, Any] = {
        "IdentityId": found.identity_id,
        "DeveloperUserIdentifierList": found.identifiers,
    }
    if found.next_token:
        result["NextToken"] = found.next_token
    return result


@action(IDENTITY, "MergeDeveloperIdentities")
def merge_developer_identities(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    identity = identities.merge_developer_identities(
        pool_id=params["IdentityPoolId"],
        provider_name=params["DeveloperProviderName"],
        source=params["SourceUserIdentifier"],
        destination=params["DestinationUserIdentifier"],
    )
    return {"IdentityId": identity.id}


@action(IDENTITY, "UnlinkDeveloperIdentity")
def unlink_developer_identity(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    identities.unlink_developer_identity(
        identity_id=params["IdentityId"],
        pool_id=params["IdentityPoolId"],
        provider_name=params["DeveloperProviderName"],
        identifier=params["DeveloperUserIdentifier"],
    )
    return {}
