"""Pure builders for the claims of Cognito's ID and access tokens (reference §3.1-3.2).

No database access and no signing here: ``oauth.services.tokens`` loads what these need
and signs what they return, so the API flows and the OAuth endpoints mint the same claims.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings

# The scope of every token issued through the user-pool API (InitiateAuth and friends).
ADMIN_SCOPE = "aws.cognito.signin.user.admin"
# Cognito stores these as "true"/"false" but puts booleans in the ID token.
BOOLEAN_ATTRIBUTES = frozenset({"email_verified", "phone_number_verified"})
# Developer-only attributes are never readable by app clients.
DEVELOPER_ATTRIBUTE_PREFIX = "dev:"


def issuer(pool_id: str) -> str:
    """The ``iss`` of a pool's tokens: ``$PUBLIC_URL/<poolId>`` (CONTRACT.md)."""
    return f"{settings.PUBLIC_URL}/{pool_id}"


@dataclass(frozen=True)
class GroupClaim:
    name: str
    precedence: int | None
    role_arn: str


@dataclass(frozen=True)
class TokenSubject:
    """What both tokens of one issuance say about who, for whom and when."""

    pool_id: str
    client_id: str
    sub: str
    username: str
    auth_time: int
    issued_at: int
    origin_jti: str
    event_id: str


def _sorted_groups(groups: Sequence[GroupClaim]) -> list[GroupClaim]:
    # Lowest precedence first; groups without a precedence come last (Cognito's order).
    return sorted(groups, key=lambda g: (g.precedence is None, g.precedence or 0, g.name))


def group_claims(groups: Sequence[GroupClaim], *, with_roles: bool) -> dict[str, Any]:
    """``cognito:groups`` and, for ID tokens, ``cognito:roles`` / ``cognito:preferred_role``.

    The preferred role is the role of the group with the lowest precedence; when several
    groups with roles share that precedence, or none has one, Cognito sets no preferred
    role (awsdocs ``cognito-user-pools-user-groups.md``).
    """
    if not groups:
        return {}
    ordered = _sorted_groups(groups)
    result: dict[str, Any] = {"cognito:groups": [g.name for g in ordered]}
    if not with_roles:
        return result
    with_role = [g for g in ordered if g.role_arn]
    if with_role:
        result["cognito:roles"] = list(dict.fromkeys(g.role_arn for g in with_role))
        ranked = [g for g in with_role if g.precedence is not None]
        if ranked:
            best = ranked[0].precedence
            tied = {g.role_arn for g in ranked if g.precedence == best}
            if len(tied) == 1:
                result["cognito:preferred_role"] = ranked[0].role_arn
    return result


def _claim_value(name: str, value: str) -> Any:
    if name in BOOLEAN_ATTRIBUTES:
        return value == "true"
    if name == "updated_at" and value.isdigit():
        return int(value)
    if name == "address":
        # OIDC Core §5.1.1: ``address`` is a JSON object; Cognito stores the formatted text.
        return {"formatted": value}
    if name == "identities":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def readable_attribute_claims(
    attributes: Mapping[str, str], read_attributes: Sequence[str]
) -> dict[str, Any]:
    """The user's attributes the client may read, typed as Cognito's ID token types them.

    An empty ``read_attributes`` means every attribute is readable (Cognito's default);
    ``custom:*`` values stay strings.
    """
    allowed = set(read_attributes)
    claims: dict[str, Any] = {}
    for name, value in attributes.items():
        if name == "sub" or name.startswith(DEVELOPER_ATTRIBUTE_PREFIX):
            continue
        if allowed and name not in allowed:
            continue
        claims[name] = _claim_value(name, value)
    return claims


def id_token_claims(
    subject: TokenSubject,
    *,
    jti: str,
    expires_at: int,
    attributes: Mapping[str, str],
    read_attributes: Sequence[str],
    groups: Sequence[GroupClaim],
    nonce: str | None = None,
) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "sub": subject.sub,
        **group_claims(groups, with_roles=True),
        **readable_attribute_claims(attributes, read_attributes),
        "iss": issuer(subject.pool_id),
        "cognito:username": subject.username,
        "origin_jti": subject.origin_jti,
        "aud": subject.client_id,
        "event_id": subject.event_id,
        "token_use": "id",
        "auth_time": subject.auth_time,
        "exp": expires_at,
        "iat": subject.issued_at,
        "jti": jti,
    }
    if nonce is not None:
        claims["nonce"] = nonce
    return claims


def access_token_claims(
    subject: TokenSubject,
    *,
    jti: str,
    expires_at: int,
    scope: str,
    groups: Sequence[GroupClaim],
) -> dict[str, Any]:
    return {
        "sub": subject.sub,
        **group_claims(groups, with_roles=False),
        "iss": issuer(subject.pool_id),
        "client_id": subject.client_id,
        "origin_jti": subject.origin_jti,
        "event_id": subject.event_id,
        "token_use": "access",
        "scope": scope,
        "auth_time": subject.auth_time,
        "exp": expires_at,
        "iat": subject.issued_at,
        "jti": jti,
        "username": subject.username,
    }


# --- OAuth-issued tokens (/oauth2/authorize and /oauth2/token) --------------------------
# What Cognito's scopes release: "When you request the openid scope and no others, your user
# pool ID token and userInfo response include claims for all user attributes that your app
# client can read. When you request openid and other scopes like profile, email, and phone,
# the contents of the ID token and userInfo response are limited to the constraints of the
# additional scopes" (awsdocs, OAuth 2.0 scopes). Those constraints are Cognito's, not OIDC
# Core §5.4's: email and phone release their two claims each, while "the profile scope
# grants access to all user attributes that are readable by the client"
# (awsdocs cognito-user-pools-app-idp-settings.md), custom ones and the address included.
SCOPE_CLAIMS: dict[str, frozenset[str]] = {
    "email": frozenset({"email", "email_verified"}),
    "phone": frozenset({"phone_number", "phone_number_verified"}),
}
EVERY_ATTRIBUTE_SCOPE = "profile"
# OAuth-issued access tokens carry ``version: 2`` (reference §3.2).
OAUTH_ACCESS_TOKEN_VERSION = 2


def is_oauth_scope(scope: str) -> bool:
    """Whether tokens with this ``scope`` come from the OAuth endpoints: the API flows
    always and only carry ``aws.cognito.signin.user.admin``."""
    return scope != ADMIN_SCOPE


def scoped_attributes(attributes: Mapping[str, str], scopes: Sequence[str]) -> dict[str, str]:
    """The attributes OAuth scopes release: all of them for ``openid`` alone or with
    ``profile``, else only the claims of the requested email/phone scopes."""
    limiting = [scope for scope in scopes if scope in SCOPE_CLAIMS]
    if not limiting or EVERY_ATTRIBUTE_SCOPE in scopes:
        return dict(attributes)
    released = frozenset().union(*(SCOPE_CLAIMS[scope] for scope in limiting))
    return {name: value for name, value in attributes.items() if name in released}


def at_hash(access_token: str) -> str:
    """OIDC Core §3.1.3.6: base64url of the left half of the SHA-256 of the access token
    (RS256 uses SHA-256)."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


def client_credentials_claims(
    *,
    pool_id: str,
    client_id: str,
    scope: str,
    jti: str,
    issued_at: int,
    expires_at: int,
) -> dict[str, Any]:
    """A machine-to-machine access token: the client is the subject and only custom
    scopes are granted (reference §3.2)."""
    return {
        "sub": client_id,
        "token_use": "access",
        "scope": scope,
        "auth_time": issued_at,
        "iss": issuer(pool_id),
        "exp": expires_at,
        "iat": issued_at,
        "version": OAUTH_ACCESS_TOKEN_VERSION,
        "jti": jti,
        "client_id": client_id,
    }
