"""App clients: CreateUserPoolClient, DescribeUserPoolClient, UpdateUserPoolClient,
DeleteUserPoolClient, ListUserPoolClients, and the SECRET_HASH check (reference §2.4)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import AuditEvent, UICustomization, UserPool
from accounts.services import pools
from core.errors import (
    InvalidOAuthFlowException,
    InvalidParameterException,
    NotAuthorizedException,
    ResourceNotFoundException,
    ScopeDoesNotExistException,
)
from core.ids import new_client_id
from core.pagination import Page, make_token, read_token
from oauth.models import DEFAULT_EXPLICIT_AUTH_FLOWS, AppClient
from oauth.services import resource_servers, rows

# ExplicitAuthFlows values from before the ALLOW_ names (botocore's ExplicitAuthFlowsType).
LEGACY_AUTH_FLOWS = frozenset({"ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"})
STANDARD_OAUTH_SCOPES = frozenset(
    {"openid", "email", "phone", "profile", "aws.cognito.signin.user.admin"}
)
COGNITO_PROVIDER = "COGNITO"
# Plain http is accepted only for the loopback host (CreateUserPoolClient, CallbackURLs).
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# Attributes Cognito sets itself: no app client may write them.
NEVER_WRITABLE = frozenset({"sub", "email_verified", "phone_number_verified"})

_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
DEFAULT_TOKEN_VALIDITY_UNITS = {"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"}
DEFAULT_REFRESH_TOKEN_VALIDITY = 30  # days
DEFAULT_ACCESS_TOKEN_SECONDS = 3600
DEFAULT_ID_TOKEN_SECONDS = 3600
# Cognito's bounds (CreateUserPoolClient): access and ID tokens 5 minutes to 1 day,
# refresh tokens 60 minutes to 10 years.
ACCESS_ID_BOUNDS = (5 * 60, 24 * 3600)
REFRESH_BOUNDS = (60 * 60, 3650 * 24 * 3600)
DEFAULT_AUTH_SESSION_VALIDITY = 3  # minutes
DEFAULT_PREVENT_USER_EXISTENCE_ERRORS = "LEGACY"
DEFAULT_LIST_LIMIT = 60


def get_app_client(client_id: str) -> AppClient:
    """The app client by id, with its pool; ResourceNotFoundException if unknown."""
    client = rows.find_app_client(client_id)  # every sign-in and refresh: the fast path
    if client is None:
        raise ResourceNotFoundException(f"User pool client {client_id} does not exist.")
    return client


def get_user_pool_client(*, pool: UserPool, client_id: str, for_update: bool = False) -> AppClient:
    """The app client ``client_id`` of ``pool``: a client of another pool does not exist here."""
    query = AppClient.objects.filter(pool=pool, client_id=client_id)
    if for_update:
        query = query.select_for_update()
    client: AppClient | None = query.first()
    if client is None:
        raise ResourceNotFoundException(f"User pool client {client_id} does not exist.")
    client.pool = pool
    return client


def compute_secret_hash(client_secret: str, username: str, client_id: str) -> str:
    digest = hmac.new(
        client_secret.encode(), (username + client_id).encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def verify_secret_hash(client: AppClient, username: str, secret_hash: str | None) -> None:
    """Raise NotAuthorizedException unless ``secret_hash`` is right for ``username``.

    Clients without a secret accept anything (Cognito ignores a hash it cannot check).
    """
    if not client.has_secret:
        return
    if not secret_hash:
        raise NotAuthorizedException(
            f"Client {client.client_id} is configured for secret but secret was not received"
        )
    expected = compute_secret_hash(client.get_secret(), username, client.client_id)
    if not hmac.compare_digest(expected.encode(), secret_hash.encode()):
        raise NotAuthorizedException(f"Unable to verify secret hash for client {client.client_id}")


@transaction.atomic
def create_user_pool_client(
    *, pool: UserPool, name: str, settings: Mapping[str, Any], actor: str = ""
) -> AppClient:
    """CreateUserPoolClient. ``settings`` holds the other request members (wire names).

    Defaults follow the API, not the console: ExplicitAuthFlows ALLOW_REFRESH_TOKEN_AUTH,
    ALLOW_USER_SRP_AUTH, ALLOW_CUSTOM_AUTH; PreventUserExistenceErrors LEGACY (Cognito
    developer guide, "Managing user existence error responses"); refresh tokens 30 days;
    token revocation on; AuthSessionValidity 3 minutes.
    """
    if settings.get("GenerateSecret") and settings.get("ClientSecret"):
        raise InvalidParameterException(
            "You cannot specify both GenerateSecret as true and provide a ClientSecret value."
        )
    client = AppClient(pool=pool, client_id=new_client_id(), name=name)
    if settings.get("ClientSecret"):
        client.set_secret(settings["ClientSecret"])
    elif settings.get("GenerateSecret"):
        client.generate_secret()
    _apply_settings(client, pool, settings, operation="creating")
    client.save()
    # DOT's ``created`` is auto_now_add; a new client was last modified when it was made.
    client.modified = client.created
    client.save(update_fields=["modified"])
    _audit(pool, "CreateUserPoolClient", client, actor, has_secret=client.has_secret)
    return client


def describe_user_pool_client(*, pool: UserPool, client_id: str) -> AppClient:
    """DescribeUserPoolClient (the secret is part of the answer, as in Cognito)."""
    return get_user_pool_client(pool=pool, client_id=client_id)


@transaction.atomic
def update_user_pool_client(
    *, pool: UserPool, client_id: str, settings: Mapping[str, Any], actor: str = ""
) -> AppClient:
    """UpdateUserPoolClient: every setting the request leaves out returns to its default
    (API reference: "If you don't provide a value for an attribute, Amazon Cognito sets it
    to its default value"). The name is kept when omitted; the secret never changes here.
    """
    client = get_user_pool_client(pool=pool, client_id=client_id, for_update=True)
    if settings.get("ClientName"):
        client.name = settings["ClientName"]
    _apply_settings(client, pool, settings, operation="updating")
    client.modified = timezone.now()
    client.save()
    _audit(pool, "UpdateUserPoolClient", client, actor)
    return client


@transaction.atomic
def delete_user_pool_client(*, pool: UserPool, client_id: str, actor: str = "") -> None:
    """DeleteUserPoolClient; the client's tokens and grants go with it."""
    client = get_user_pool_client(pool=pool, client_id=client_id)
    _audit(pool, "DeleteUserPoolClient", client, actor)
    client.delete()
    # Its SetUICustomization setting too (keyed by client id, not a foreign key).
    UICustomization.objects.filter(pool=pool, client_id=client_id).delete()


def list_user_pool_clients(
    *,
    pool: UserPool,
    limit: int | None = None,
    next_token: str | None = None,
    client_type: str | None = None,
) -> Page[AppClient]:
    """ListUserPoolClients: keyset pages ordered by (creation time, id).

    Every client made here is a REGULAR one; dynamic client registration (DCR) is not
    offered, so filtering on DCR finds none.
    """
    scope = f"ListUserPoolClients:{pool.id}"
    after = read_token(scope, next_token)
    if client_type == "DCR":
        return Page([], None)
    limit = limit or DEFAULT_LIST_LIMIT
    query = AppClient.objects.filter(pool=pool).order_by("created", "id")
    if after is not None:
        created = datetime.fromisoformat(after[0])
        query = query.filter(Q(created__gt=created) | Q(created=created, id__gt=after[1]))
    items = list(query[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    if not (more and items):
        return Page(items, None)
    last = items[-1]
    return Page(items, make_token(scope, [last.created.isoformat(), last.id]))


# --- validation and the DOT fields kept in step ------------------------------------------


def _apply_settings(
    client: AppClient, pool: UserPool, settings: Mapping[str, Any], *, operation: str
) -> None:
    """Validate ``settings`` like Cognito and write them, with defaults, onto ``client``."""
    flows = list(settings.get("ExplicitAuthFlows") or [])
    _check_explicit_auth_flows(flows)
    providers = list(settings.get("SupportedIdentityProviders") or [])
    _check_identity_providers(pool, providers)
    callback_urls = list(settings.get("CallbackURLs") or [])
    logout_urls = list(settings.get("LogoutURLs") or [])
    _check_urls("CallbackURLs", callback_urls)
    _check_urls("LogoutURLs", logout_urls)
    default_redirect_uri = settings.get("DefaultRedirectURI") or ""
    if default_redirect_uri and default_redirect_uri not in callback_urls:
        raise InvalidParameterException("DefaultRedirectURI must be one of the CallbackURLs.")
    oauth_flows = list(settings.get("AllowedOAuthFlows") or [])
    oauth_scopes = list(settings.get("AllowedOAuthScopes") or [])
    oauth_enabled = bool(settings.get("AllowedOAuthFlowsUserPoolClient"))
    _check_oauth(client, oauth_enabled, oauth_flows, oauth_scopes, callback_urls)
    validities = _token_validities(settings)
    read_attributes = list(settings.get("ReadAttributes") or [])
    write_attributes = list(settings.get("WriteAttributes") or [])
    _check_attributes(pool, read_attributes, write_attributes, operation)
    propagate_context = bool(settings.get("EnablePropagateAdditionalUserContextData"))
    if propagate_context and not client.has_secret:
        raise InvalidParameterException(
            "EnablePropagateAdditionalUserContextData can only be activated for an app client "
            "with a client secret."
        )

    client.explicit_auth_flows = flows or list(DEFAULT_EXPLICIT_AUTH_FLOWS)
    client.supported_identity_providers = providers
    client.callback_urls = callback_urls
    client.logout_urls = logout_urls
    client.default_redirect_uri = default_redirect_uri
    client.allowed_oauth_flows = oauth_flows
    client.allowed_oauth_scopes = oauth_scopes
    client.allowed_oauth_flows_user_pool_client = oauth_enabled
    client.access_token_validity = validities["AccessToken"]
    client.id_token_validity = validities["IdToken"]
    client.refresh_token_validity = validities["RefreshToken"]
    client.token_validity_units = validities["units"]
    client.read_attributes = read_attributes
    client.write_attributes = write_attributes
    client.prevent_user_existence_errors = (
        settings.get("PreventUserExistenceErrors") or DEFAULT_PREVENT_USER_EXISTENCE_ERRORS
    )
    revocation = settings.get("EnableTokenRevocation")
    client.enable_token_revocation = True if revocation is None else bool(revocation)
    client.enable_propagate_additional_user_context_data = propagate_context
    client.auth_session_validity = (
        settings.get("AuthSessionValidity") or DEFAULT_AUTH_SESSION_VALIDITY
    )
    client.analytics_configuration = dict(settings.get("AnalyticsConfiguration") or {})
    client.refresh_token_rotation = dict(settings.get("RefreshTokenRotation") or {})
    _sync_oauth_application(client)


def _sync_oauth_application(client: AppClient) -> None:
    """Keep django-oauth-toolkit's Application fields in step for /oauth2/* (DOT)."""
    client.redirect_uris = " ".join(client.callback_urls)
    client.post_logout_redirect_uris = " ".join(client.logout_urls)
    client.client_type = (
        AppClient.CLIENT_CONFIDENTIAL if client.has_secret else AppClient.CLIENT_PUBLIC
    )
    client.authorization_grant_type = (
        AppClient.GRANT_CLIENT_CREDENTIALS
        if "client_credentials" in client.allowed_oauth_flows
        else AppClient.GRANT_AUTHORIZATION_CODE
    )
    client.algorithm = AppClient.RS256_ALGORITHM
    # Cognito's hosted UI has no consent screen: a signed-in user goes straight back.
    client.skip_authorization = True


def _check_explicit_auth_flows(flows: Iterable[str]) -> None:
    # "You can't assign these legacy ExplicitAuthFlows values to user pool clients at the
    # same time as values that begin with ALLOW_" (API reference, ExplicitAuthFlows).
    legacy = [flow for flow in flows if flow in LEGACY_AUTH_FLOWS]
    modern = [flow for flow in flows if flow not in LEGACY_AUTH_FLOWS]
    if legacy and modern:
        raise InvalidParameterException(
            "ExplicitAuthFlows cannot combine the legacy values "
            f"{', '.join(legacy)} with ALLOW_ values."
        )


def _check_identity_providers(pool: UserPool, providers: Iterable[str]) -> None:
    # Federated identity providers join COGNITO here once the pool can configure them.
    known = {COGNITO_PROVIDER}
    for provider in providers:
        if provider not in known:
            raise InvalidParameterException(
                f"The provider {provider} does not exist for User Pool {pool.id}"
            )


def _check_urls(member: str, urls: Iterable[str]) -> None:
    """A redirect URL is absolute, has no fragment, and uses https unless it is a loopback
    address or an app scheme such as ``myapp://callback`` (API reference, CallbackURLs)."""
    for url in urls:
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:
            parts, host = None, None
        if parts is None or not parts.scheme or not (parts.netloc or parts.path):
            raise InvalidParameterException(f"{member} must be absolute URLs: {url}")
        if "#" in url:
            raise InvalidParameterException(f"{member} must not include a fragment: {url}")
        # Python and browsers read a backslash, a control character or userinfo in the
        # authority differently (``http://evil\@127.0.0.1/cb`` is 127.0.0.1 to urlsplit and
        # evil to a browser): refuse them so an exact match can never mean two hosts.
        if "\\" in url or any(ord(char) < 0x21 or ord(char) == 0x7F for char in url):
            raise InvalidParameterException(
                f"{member} must not contain backslashes, spaces or control characters: {url}"
            )
        if "@" in parts.netloc:
            raise InvalidParameterException(f"{member} must not include user info: {url}")
        scheme = parts.scheme.lower()
        if scheme == "http" and host not in LOOPBACK_HOSTS:
            raise InvalidParameterException(
                f"{member} must use HTTPS, except http://localhost for testing: {url}"
            )
        if scheme in {"javascript", "data", "file", "vbscript"}:
            raise InvalidParameterException(f"{member} cannot use the {scheme} scheme: {url}")


def _check_oauth(
    client: AppClient,
    enabled: bool,
    flows: list[str],
    scopes: list[str],
    callback_urls: list[str],
) -> None:
    # Messages as Cognito sends them (seen verbatim in Terraform and CloudFormation reports).
    if enabled and not (flows and scopes):
        raise InvalidParameterException(
            "AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client is "
            "allowed to use OAuth flows."
        )
    if "client_credentials" in flows:
        if {"code", "implicit"} & set(flows):
            raise InvalidOAuthFlowException(
                "client_credentials flow can not be selected along with code flow or implicit flow."
            )
        if not client.has_secret:
            raise InvalidOAuthFlowException(
                "client_credentials flow can not be selected if client does not have a "
                "client secret."
            )
        for scope in scopes:
            if scope in STANDARD_OAUTH_SCOPES:
                raise InvalidOAuthFlowException(
                    f"{scope} is not supported with client_credentials flow"
                )
    elif flows and not callback_urls:
        raise InvalidOAuthFlowException(
            "CallbackUrls can not be empty when code flow or implicit flow is selected"
        )
    # Custom scopes are ``<resource server identifier>/<scope>`` of this pool's servers.
    needs_lookup = bool(set(scopes) - STANDARD_OAUTH_SCOPES)
    custom = resource_servers.custom_scopes(client.pool) if needs_lookup else frozenset()
    for scope in scopes:
        if scope not in STANDARD_OAUTH_SCOPES and scope not in custom:
            raise ScopeDoesNotExistException(f"Invalid scope requested: {scope}")


def _token_validities(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Validate AccessTokenValidity, IdTokenValidity and RefreshTokenValidity in their units.

    Units are stored (and returned by Describe) only when the request set some; missing
    ones take Cognito's defaults: hours, hours, days.
    """
    given_units = {k: v for k, v in dict(settings.get("TokenValidityUnits") or {}).items() if v}
    units = {**DEFAULT_TOKEN_VALIDITY_UNITS, **given_units}
    access = settings.get("AccessTokenValidity") or None
    id_token = settings.get("IdTokenValidity") or None
    refresh = settings.get("RefreshTokenValidity") or None

    def seconds(value: int | None, unit: str, default: int) -> int:
        return value * _UNIT_SECONDS[unit] if value else default

    access_s = seconds(access, units["AccessToken"], DEFAULT_ACCESS_TOKEN_SECONDS)
    id_s = seconds(id_token, units["IdToken"], DEFAULT_ID_TOKEN_SECONDS)
    default_refresh = DEFAULT_REFRESH_TOKEN_VALIDITY * _UNIT_SECONDS["days"]
    refresh_s = seconds(refresh, units["RefreshToken"], default_refresh)
    in_range = (
        ACCESS_ID_BOUNDS[0] <= access_s <= ACCESS_ID_BOUNDS[1]
        and ACCESS_ID_BOUNDS[0] <= id_s <= ACCESS_ID_BOUNDS[1]
        and REFRESH_BOUNDS[0] <= refresh_s <= REFRESH_BOUNDS[1]
        # Access and ID tokens cannot outlive the refresh token that renews them.
        and max(access_s, id_s) <= refresh_s
    )
    if not in_range:
        raise InvalidParameterException("Invalid range for token validity.")
    if refresh is None:
        # The default is 30 days whatever unit the request chose for refresh tokens.
        refresh = default_refresh // _UNIT_SECONDS[units["RefreshToken"]]
    return {
        "AccessToken": access,
        "IdToken": id_token,
        "RefreshToken": refresh,
        "units": units if given_units else {},
    }


def _check_attributes(pool: UserPool, read: list[str], write: list[str], operation: str) -> None:
    """ReadAttributes must name attributes of the pool's schema; WriteAttributes must name
    mutable ones Cognito lets clients write, and include every required attribute ("all app
    clients can write user pool required attributes", developer guide)."""
    if not (read or write):
        return
    schema = {str(entry["Name"]): entry for entry in pools.pool_schema(pool)}
    if any(name not in schema for name in read):
        raise InvalidParameterException(
            f"Invalid read attributes specified while {operation} a client"
        )
    if not write:
        return
    writable = {
        name
        for name, entry in schema.items()
        if name not in NEVER_WRITABLE and entry.get("Mutable", True)
    }
    required = {name for name in writable if schema[name].get("Required")}
    if not (set(write) <= writable and required <= set(write)):
        raise InvalidParameterException(
            f"Invalid write attributes specified while {operation} a client"
        )


def _audit(pool: UserPool, event: str, client: AppClient, actor: str, **details: Any) -> None:
    AuditEvent.objects.create(
        pool=pool,
        event=event,
        actor=actor,
        details={"client_id": client.client_id, "client_name": client.name, **details},
    )
