"""Identity-pool management: CreateIdentityPool, DescribeIdentityPool, UpdateIdentityPool,
DeleteIdentityPool, ListIdentityPools, Get/SetPrincipalTagAttributeMap and tags; and the
provider names a pool's configuration and ``Logins`` maps use (reference §6)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import InvalidParameterException, ResourceNotFoundException
from core.pagination import Page, creation_order_page
from core.tags import checked_tags, tags_added, tags_removed
from identity.models import IdentityPool, OpenIdConnectProvider

_TAGGED = "An identity pool"  # how the too-many-tags message names it
# The settings UpdateIdentityPool replaces as a whole (absent means emptied, as in Cognito).
_REPLACED_SETTINGS = {
    "SupportedLoginProviders": ("supported_login_providers", dict),
    "OpenIdConnectProviderARNs": ("open_id_connect_provider_arns", list),
    "CognitoIdentityProviders": ("cognito_identity_providers", list),
    "SamlProviderARNs": ("saml_provider_arns", list),
}
_AWS_USER_POOL_PROVIDER = re.compile(r"cognito-idp\.(?P<region>[\w-]+)\.amazonaws\.com")
_USER_POOL_ID = re.compile(r"[\w-]+_[0-9a-zA-Z]+")
_IDENTITY_POOL_ARN = re.compile(
    r"arn:aws:cognito-identity:(?P<region>[\w-]+):(?P<account>\d+):identitypool/(?P<id>.+)"
)


# --- provider names ------------------------------------------------------------------------
def own_issuer_base() -> str:
    """This server's user-pool issuers without scheme: ``host:port[/path]``."""
    return settings.PUBLIC_URL.split("://", 1)[-1].rstrip("/")


def user_pool_provider_name(pool_id: str) -> str:
    """The canonical name of a user pool as a provider: Cognito's own form, so logins made
    under either accepted name map to one identity."""
    region = pool_id.split("_", 1)[0]
    return f"cognito-idp.{region}.amazonaws.com/{pool_id}"


def user_pool_id_for_provider(name: str) -> str | None:
    """The user pool a provider name (or ``Logins`` key) names on this server, or None.

    Both ``cognito-idp.<region>.amazonaws.com/<poolId>`` and this server's issuer without
    scheme (``host:port/<poolId>``) name the pool.
    """
    prefix, _, pool_id = name.rpartition("/")
    if not _USER_POOL_ID.fullmatch(pool_id):
        return None
    aws_form = _AWS_USER_POOL_PROVIDER.fullmatch(prefix)
    if aws_form is not None and aws_form["region"] == pool_id.split("_", 1)[0]:
        return pool_id
    return pool_id if prefix == own_issuer_base() else None


def oidc_provider_arn(url: str) -> str:
    """IAM's ARN for an OIDC provider: ``arn:aws:iam::<account>:oidc-provider/<host/path>``."""
    return f"arn:aws:iam::{settings.AWS_ACCOUNT_ID}:oidc-provider/{url.split('://', 1)[-1]}"


@transaction.atomic
def register_oidc_provider(
    *, url: str, client_ids: Iterable[str], jwks_uri: str = ""
) -> OpenIdConnectProvider:
    """IAM CreateOpenIDConnectProvider's counterpart: a provider identity pools can name in
    ``OpenIdConnectProviderARNs``, or whose host/path is a ``SupportedLoginProviders`` key."""
    if not url.startswith(("https://", "http://")):
        raise InvalidParameterException("The OIDC provider URL must start with https://.")
    url = url.rstrip("/")
    provider, _ = OpenIdConnectProvider.objects.update_or_create(
        arn=oidc_provider_arn(url),
        defaults={"url": url, "jwks_uri": jwks_uri, "client_ids": list(client_ids)},
    )
    return provider


# --- reads ---------------------------------------------------------------------------------
def get_identity_pool(pool_id: str) -> IdentityPool:
    pool = IdentityPool.objects.filter(pk=pool_id).first()
    if pool is None:
        raise ResourceNotFoundException(f"IdentityPool '{pool_id}' not found.")
    return pool


def get_identity_pool_by_arn(arn: str) -> IdentityPool:
    match = _IDENTITY_POOL_ARN.fullmatch(arn)
    pool = IdentityPool.objects.filter(pk=match["id"]).first() if match else None
    if pool is None or pool.arn != arn:
        raise ResourceNotFoundException(f"IdentityPool '{arn}' not found.")
    return pool


def list_identity_pools(*, limit: int, next_token: str | None) -> Page[IdentityPool]:
    """ListIdentityPools: keyset pages ordered by (creation time, id)."""
    return creation_order_page(
        IdentityPool.objects.all(), scope="ListIdentityPools", next_token=next_token, size=limit
    )


# --- writes --------------------------------------------------------------------------------
def _check_cognito_providers(providers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    checked: list[dict[str, Any]] = []
    for entry in providers:
        name = entry.get("ProviderName") or ""
        if user_pool_id_for_provider(name) is None:
            raise InvalidParameterException(
                f"Invalid Cognito Identity Provider name: {name}. Use "
                f"cognito-idp.<region>.amazonaws.com/<userPoolId> or {own_issuer_base()}/"
                "<userPoolId>."
            )
        if not entry.get("ClientId"):
            raise InvalidParameterException(f"ClientId is required for provider {name}.")
        checked.append(
            {
                "ProviderName": name,
                "ClientId": entry["ClientId"],
                "ServerSideTokenCheck": bool(entry.get("ServerSideTokenCheck", False)),
            }
        )
    return checked


def _check_oidc_arns(arns: list[str]) -> None:
    known = set(OpenIdConnectProvider.objects.filter(arn__in=arns).values_list("arn", flat=True))
    for arn in arns:
        if arn not in known:
            raise InvalidParameterException(f"Invalid OpenIdConnectProviderARN: {arn}")


def _apply_settings(pool: IdentityPool, params: Mapping[str, Any]) -> None:
    pool.name = params["IdentityPoolName"]
    pool.allow_unauthenticated_identities = bool(params["AllowUnauthenticatedIdentities"])
    if "AllowClassicFlow" in params:
        pool.allow_classic_flow = bool(params["AllowClassicFlow"])
    for member, (field, kind) in _REPLACED_SETTINGS.items():
        setattr(pool, field, kind(params.get(member) or kind()))
    pool.cognito_identity_providers = _check_cognito_providers(pool.cognito_identity_providers)
    _check_oidc_arns(pool.open_id_connect_provider_arns)
    developer = params.get("DeveloperProviderName")
    if developer:
        if pool.developer_provider_name and developer != pool.developer_provider_name:
            # Identities are keyed by it (awsdocs, developer-authenticated identities).
            raise InvalidParameterException(
                "The developer provider name of an identity pool cannot be changed once set."
            )
        pool.developer_provider_name = developer
    if "IdentityPoolTags" in params:
        pool.tags = checked_tags(params["IdentityPoolTags"] or {}, resource=_TAGGED)


@transaction.atomic
def create_identity_pool(*, params: Mapping[str, Any]) -> IdentityPool:
    """CreateIdentityPool; ``params`` is the request in its wire shape."""
    pool = IdentityPool(allow_classic_flow=None)
    _apply_settings(pool, params)
    pool.save()
    return pool


@transaction.atomic
def update_identity_pool(*, pool: IdentityPool, params: Mapping[str, Any]) -> IdentityPool:
    """UpdateIdentityPool: the provider settings are replaced, absent ones emptied; tags and
    the classic-flow switch change only when given; the developer provider name stays."""
    pool = IdentityPool.objects.select_for_update().get(pk=pool.pk)
    _apply_settings(pool, params)
    pool.modified = timezone.now()
    pool.save()
    return pool


@transaction.atomic
def delete_identity_pool(*, pool: IdentityPool) -> None:
    """DeleteIdentityPool: its identities and their credentials go with it."""
    pool.delete()


@transaction.atomic
def tag_resource(*, pool: IdentityPool, tags: Mapping[str, str]) -> None:
    pool = IdentityPool.objects.select_for_update().get(pk=pool.pk)
    pool.tags = tags_added(pool.tags, tags, resource=_TAGGED)
    pool.save(update_fields=["tags"])


@transaction.atomic
def untag_resource(*, pool: IdentityPool, keys: Iterable[str]) -> None:
    pool = IdentityPool.objects.select_for_update().get(pk=pool.pk)
    pool.tags = tags_removed(pool.tags, keys)
    pool.save(update_fields=["tags"])


def get_principal_tag_attribute_map(*, pool: IdentityPool, provider: str) -> dict[str, Any]:
    """GetPrincipalTagAttributeMap: what Set stored, or no mapping."""
    stored = pool.principal_tag_maps.get(provider) or {}
    return {
        "UseDefaults": bool(stored.get("UseDefaults", False)),
        "PrincipalTags": dict(stored.get("PrincipalTags") or {}),
    }


@transaction.atomic
def set_principal_tag_attribute_map(
    *,
    pool: IdentityPool,
    provider: str,
    use_defaults: bool | None,
    principal_tags: Mapping[str, str] | None,
) -> dict[str, Any]:
    """SetPrincipalTagAttributeMap: which token claims become session tags for a provider."""
    pool = IdentityPool.objects.select_for_update().get(pk=pool.pk)
    stored = {
        "UseDefaults": bool(use_defaults),
        "PrincipalTags": dict(principal_tags or {}),
    }
    pool.principal_tag_maps = {**pool.principal_tag_maps, provider: stored}
    pool.save(update_fields=["principal_tag_maps"])
    return stored
