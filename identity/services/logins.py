"""Validating an identity pool's ``Logins`` map: which provider vouches for which subject.

A user-pool ID token is verified against the pool's keys (``oauth.services.keys``): its
signature, ``iss``, ``token_use``, ``aud`` among the configured ClientIds and expiry; with
ServerSideTokenCheck the user must still exist, be enabled and not be signed out. External
OIDC tokens are verified against their provider's JWKS; the identity service's own OpenID
token (key ``cognito-identity.amazonaws.com``) vouches for the identity it names. Every
refusal is a NotAuthorizedException with Cognito's message (reference §6).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.errors import NotAuthorizedException
from identity.models import IdentityPool, OpenIdConnectProvider
from identity.services import openid
from identity.services.pools import user_pool_id_for_provider, user_pool_provider_name
from oauth import claims as token_claims
from oauth.services import keys, tokens

# The Logins key of the identity service's own OpenID tokens (developer-authenticated
# identities' enhanced flow, awsdocs ``developer-authenticated-identities.md``).
COGNITO_IDENTITY_PROVIDER = "cognito-identity.amazonaws.com"
UNSUPPORTED = "Token is not from a supported provider of this identity pool."


@dataclass(frozen=True)
class VerifiedLogin:
    """A provider's word on a subject. ``provider`` is canonical, so a user pool named in
    either accepted form links to one identity; ``mapping_keys`` are the RoleMappings keys
    that apply to it."""

    provider: str
    subject: str
    claims: dict[str, Any] = field(default_factory=dict)
    mapping_keys: tuple[str, ...] = ()
    # Set for the identity service's own token: the identity it was issued for.
    identity_id: str | None = None


def _user_pool_login(pool: IdentityPool, key: str, user_pool_id: str, token: str) -> VerifiedLogin:
    configured = [
        entry
        for entry in pool.cognito_identity_providers
        if user_pool_id_for_provider(entry["ProviderName"]) == user_pool_id
    ]
    if not configured:
        raise NotAuthorizedException(UNSUPPORTED)
    try:
        verified = keys.verify(token)
    except keys.InvalidTokenError as exc:
        raise NotAuthorizedException("Invalid login token. Couldn't verify signed token.") from exc
    claims = verified.claims
    if "aud" not in claims:
        # What an access token in Logins gets (reference §6).
        raise NotAuthorizedException("Invalid login token. Missing a required claim: aud")
    if verified.pool_id != user_pool_id or claims.get("iss") != token_claims.issuer(user_pool_id):
        raise NotAuthorizedException("Invalid login token. Issuer doesn't match providerName")
    if verified.purpose != keys.Purpose.ID or claims.get("token_use") != "id":
        raise NotAuthorizedException(
            "Invalid login token. Not a valid OpenId Connect identity token."
        )
    expires_at = claims.get("exp")
    if not isinstance(expires_at, int) or expires_at <= time.time():
        raise NotAuthorizedException("Invalid login token. Token is expired.")
    entries = [entry for entry in configured if entry["ClientId"] == claims.get("aud")]
    if not entries:
        raise NotAuthorizedException(UNSUPPORTED)
    if any(entry.get("ServerSideTokenCheck") for entry in entries):
        _check_server_side(user_pool_id, claims)
    provider = user_pool_provider_name(user_pool_id)
    aud = str(claims["aud"])
    return VerifiedLogin(
        provider=provider,
        subject=str(claims.get("sub")),
        claims=claims,
        mapping_keys=(f"{provider}:{aud}", f"{key}:{aud}"),
    )


_SIGN_IN_REFUSALS = {
    tokens.SignInState.NO_USER: "Invalid login token. User does not exist.",
    tokens.SignInState.DISABLED: "Invalid login token. User is disabled.",
    tokens.SignInState.REVOKED: "Invalid login token. Token has been revoked.",
}


def _check_server_side(user_pool_id: str, claims: dict[str, Any]) -> None:
    state = tokens.id_token_sign_in_state(pool_id=user_pool_id, claims=claims)
    if state is not tokens.SignInState.VALID:
        raise NotAuthorizedException(_SIGN_IN_REFUSALS[state])


def _oidc_provider(pool: IdentityPool, key: str) -> tuple[OpenIdConnectProvider, list[str]] | None:
    """The registry entry for ``key`` and the audiences the pool accepts from it."""
    candidates = OpenIdConnectProvider.objects.filter(url__in=[f"https://{key}", f"http://{key}"])
    for provider in candidates:
        if provider.arn in pool.open_id_connect_provider_arns:
            return provider, list(provider.client_ids)
        if key in pool.supported_login_providers:
            # Social providers' app ids; Cognito accepts several separated by ';' or ','.
            app_ids = pool.supported_login_providers[key].replace(";", ",").split(",")
            return provider, [app_id.strip() for app_id in app_ids if app_id.strip()]
    return None


def _own_token_login(pool: IdentityPool, token: str) -> VerifiedLogin:
    claims = openid.verify_open_id_token(token)
    if claims is None:
        raise NotAuthorizedException("Invalid login token. Couldn't verify signed token.")
    if claims.get("aud") != pool.id:
        raise NotAuthorizedException("Invalid login token. Incorrect token audience.")
    identity_id = str(claims.get("sub"))
    return VerifiedLogin(
        provider=COGNITO_IDENTITY_PROVIDER,
        subject=identity_id,
        claims=claims,
        identity_id=identity_id,
    )


def verify_logins(pool: IdentityPool, logins: Mapping[str, str] | None) -> list[VerifiedLogin]:
    """Every entry of ``logins`` verified, in order; the first bad one raises."""
    verified: list[VerifiedLogin] = []
    for key, token in (logins or {}).items():
        user_pool_id = user_pool_id_for_provider(key)
        if user_pool_id is not None:
            verified.append(_user_pool_login(pool, key, user_pool_id, token))
            continue
        if key == COGNITO_IDENTITY_PROVIDER:
            verified.append(_own_token_login(pool, token))
            continue
        found = _oidc_provider(pool, key)
        if found is None:
            raise NotAuthorizedException(UNSUPPORTED)
        provider, audiences = found
        external = openid.verify_external_token(provider, token, audiences)
        verified.append(
            VerifiedLogin(
                provider=provider.provider_name,
                subject=external.subject,
                claims=external.claims,
                mapping_keys=(provider.provider_name,),
            )
        )
    return verified
