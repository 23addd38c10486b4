"""PascalCase output shapes for identity pools (cognito-identity)."""

from __future__ import annotations

from typing import Any

from identity.models import IdentityPool
from identity.services.credentials import Credentials
from identity.services.identities import IdentityDescription


def identity_pool(pool: IdentityPool) -> dict[str, Any]:
    """IdentityPool; AllowClassicFlow and DeveloperProviderName appear only when set."""
    shape: dict[str, Any] = {
        "IdentityPoolId": pool.id,
        "IdentityPoolName": pool.name,
        "AllowUnauthenticatedIdentities": pool.allow_unauthenticated_identities,
        "SupportedLoginProviders": dict(pool.supported_login_providers),
        "OpenIdConnectProviderARNs": list(pool.open_id_connect_provider_arns),
        "CognitoIdentityProviders": [dict(entry) for entry in pool.cognito_identity_providers],
        "SamlProviderARNs": list(pool.saml_provider_arns),
        "IdentityPoolTags": dict(pool.tags),
    }
    if pool.allow_classic_flow is not None:
        shape["AllowClassicFlow"] = pool.allow_classic_flow
    if pool.developer_provider_name:
        shape["DeveloperProviderName"] = pool.developer_provider_name
    return shape


def identity_pool_short(pool: IdentityPool) -> dict[str, Any]:
    return {"IdentityPoolId": pool.id, "IdentityPoolName": pool.name}


def identity_pool_roles(pool: IdentityPool) -> dict[str, Any]:
    shape: dict[str, Any] = {"IdentityPoolId": pool.id, "Roles": dict(pool.roles)}
    if pool.role_mappings:
        shape["RoleMappings"] = dict(pool.role_mappings)
    return shape


def identity_description(description: IdentityDescription) -> dict[str, Any]:
    identity = description.identity
    return {
        "IdentityId": identity.id,
        "Logins": description.logins,
        "CreationDate": identity.created,
        "LastModifiedDate": identity.modified,
    }


def credentials(issued: Credentials) -> dict[str, Any]:
    return {
        "AccessKeyId": issued.access_key_id,
        "SecretKey": issued.secret_key,
        "SessionToken": issued.session_token,
        "Expiration": issued.expiration,
    }
