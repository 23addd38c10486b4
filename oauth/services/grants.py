"""The OAuth 2.0 grants behind ``/oauth2/authorize``, ``/oauth2/token``, ``/oauth2/userInfo``
and ``/oauth2/revoke`` (RFC 6749 §4, OIDC Core §3.1, reference §4).

Authorization codes are django-oauth-toolkit ``Grant`` rows holding the code's SHA-256,
valid 5 minutes (Cognito) and single use: redeeming one marks it, and a second redemption
revokes every token the first one bought (RFC 9700 §4.2.4) — even when it arrives while the
first is still minting them (see ``_revoke_what_the_code_bought``). Every token comes from
``oauth.services.tokens`` — the one minting path the user-pool API uses too — so refresh,
revocation and sign-out act on the same DOT rows. Client secrets are checked against
``AppClient.secret_digest`` (keyed HMAC, constant time), never with DOT's PBKDF2 hasher.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
import uuid
from typing import Any

from django.utils import timezone

from accounts.models import PoolUser, UserPool
from core.errors import (
    NotAuthorizedException,
    RefreshTokenReuseException,
    UnauthorizedException,
    UnsupportedOperationException,
    UnsupportedTokenTypeException,
)
from oauth import claims as token_claims
from oauth.models import AppClient, Grant
from oauth.services import keys, rows, tokens
from oauth.services.authorize import OPENID_SCOPE, AuthorizeRequest

# Cognito's codes last 5 minutes (reference §4); RFC 6749 §4.1.2 recommends at most 10.
CODE_SECONDS = 300
CODE_BYTES = 32
PKCE_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
# What a replay writes to ``Grant.origin_jti`` when the first redemption has not recorded
# its token family yet: the nil UUID (RFC 9562 §5.9) is never a family, and a non-null
# value makes that redemption's own write fail, so it revokes what it minted.
NO_FAMILY = uuid.UUID(int=0)
MISSING_OPENID = "Access token does not contain openid scope"


class OAuthError(Exception):
    """An RFC 6749 §5.2 error response (or RFC 6750 §3.1 for the UserInfo endpoint)."""

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def _checksum(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _unverified_claims(jwt: str) -> dict[str, Any]:
    # Only for tokens this module has just received from the token service.
    payload = jwt.split(".")[1]
    return dict(keys._b64_json(payload))


# --- clients -----------------------------------------------------------------------------
def authenticate_client(
    *, client_id: str | None, client_secret: str | None, host_pool: UserPool | None = None
) -> AppClient:
    """RFC 6749 §2.3: a client with a secret must present it (Basic or form), a public
    client presents its id only. Any failure is ``invalid_client`` (401)."""
    failed = OAuthError("invalid_client", "Client authentication failed.", status=401)
    if not client_id:
        raise failed
    client = rows.find_app_client(client_id)
    if client is None or (host_pool is not None and client.pool_id != host_pool.id):
        raise failed
    if client.has_secret:
        if not client_secret or not client.secret_matches(client_secret):
            raise failed
    elif client_secret:
        raise failed
    return client


# --- /oauth2/authorize ----------------------------------------------------------------
def _implicit_response(request: AuthorizeRequest, user: PoolUser, auth_time: dt.datetime) -> str:
    token_set = tokens.issue_token_set(
        client=request.client,
        user=user,
        auth_time=auth_time,
        scopes=list(request.scopes),
        nonce=request.nonce,
        include_refresh_token=False,
    )
    values = {
        "access_token": token_set.access_token,
        "token_type": token_set.token_type,
        "expires_in": str(token_set.expires_in),
    }
    if OPENID_SCOPE in request.scopes:
        values["id_token"] = token_set.id_token
    return request.response_url(values)


def authorization_response(
    request: AuthorizeRequest, *, user: PoolUser, auth_time: dt.datetime
) -> str:
    """The redirect URI carrying a code (response_type=code) or tokens (token) for a
    signed-in user."""
    if request.response_type == "token":
        return _implicit_response(request, user, auth_time)
    code = secrets.token_urlsafe(CODE_BYTES)
    Grant.objects.create(
        user=user,
        code=_checksum(code),
        application=request.client,
        expires=timezone.now() + dt.timedelta(seconds=CODE_SECONDS),
        redirect_uri=request.redirect_uri,
        scope=" ".join(request.scopes),
        code_challenge=request.code_challenge,
        code_challenge_method=request.code_challenge_method,
        nonce=request.nonce or "",
        auth_time=auth_time,
    )
    return request.response_url({"code": code})


# --- /oauth2/token ----------------------------------------------------------------------
def _token_body(token_set: tokens.TokenSet, *, with_id_token: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"access_token": token_set.access_token}
    if with_id_token:
        body["id_token"] = token_set.id_token
    if token_set.refresh_token:
        body["refresh_token"] = token_set.refresh_token
    body["expires_in"] = token_set.expires_in
    body["token_type"] = token_set.token_type
    return body


def _pkce_matches(grant: Grant, verifier: str | None) -> bool:
    if not grant.code_challenge:
        # A verifier without a challenge is a PKCE downgrade (RFC 9700 §2.1.1).
        return verifier is None
    if verifier is None or PKCE_VERIFIER.fullmatch(verifier) is None:
        return False
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return hmac.compare_digest(computed, grant.code_challenge)


def _already_used() -> OAuthError:
    return OAuthError("invalid_grant", "The authorization code has already been used.")


def _revoke_what_the_code_bought(grant_pk: int) -> None:
    """A replay (RFC 6749 §4.1.2: revoke the tokens the code bought, RFC 9700 §4.2.4).

    The first redemption mints its tokens after claiming the code and only then records
    their family, so a replay can come in between. Both sides race for the same null
    ``origin_jti`` with one conditional UPDATE each, so exactly one wins: if the replay
    wins it writes ``NO_FAMILY`` and the first redemption, whose write then fails,
    revokes its own tokens (``_record_family``); if the first wins, its tokens are
    committed and the replay revokes their family here.
    """
    unrecorded = Grant.objects.filter(pk=grant_pk, origin_jti__isnull=True)
    if unrecorded.update(origin_jti=NO_FAMILY):
        return
    family = Grant.objects.filter(pk=grant_pk).values_list("origin_jti", flat=True).first()
    if family is not None and family != NO_FAMILY:
        tokens.revoke_token_family(family)


def _record_family(grant: Grant, token_set: tokens.TokenSet) -> None:
    """Write the family of the tokens just minted on the grant, unless a replay got there
    first: then those tokens are revoked before anyone sees them."""
    family = uuid.UUID(str(_unverified_claims(token_set.access_token)["origin_jti"]))
    unrecorded = Grant.objects.filter(pk=grant.pk, origin_jti__isnull=True)
    if not unrecorded.update(origin_jti=family):
        tokens.revoke_token_family(family)
        raise _already_used()


def _claim_grant(client: AppClient, code: str) -> Grant:
    invalid = OAuthError("invalid_grant", "The authorization code is invalid.")
    grant = Grant.objects.select_related("user").filter(code=_checksum(code)).first()
    if grant is None or grant.application_id != client.pk:
        raise invalid
    now = timezone.now()
    # Single use: only the request that flips ``redeemed`` may go on, whatever it then
    # finds wrong — a failed attempt burns the code, so verifiers cannot be guessed.
    claimed = Grant.objects.filter(pk=grant.pk, redeemed__isnull=True).update(
        redeemed=now, updated=now
    )
    if not claimed:
        _revoke_what_the_code_bought(grant.pk)
        raise _already_used()
    if grant.is_expired():
        raise OAuthError("invalid_grant", "The authorization code has expired.")
    return grant


def redeem_authorization_code(
    *, client: AppClient, code: str, redirect_uri: str | None, code_verifier: str | None
) -> dict[str, Any]:
    # What /oauth2/authorize asks of the client, asked again: its OAuth may have been
    # switched off since the code was issued.
    if not client.allowed_oauth_flows_user_pool_client or "code" not in (
        client.allowed_oauth_flows or []
    ):
        raise OAuthError("unauthorized_client", "The client is not allowed the code flow.")
    grant = _claim_grant(client, code)
    if redirect_uri != grant.redirect_uri:
        raise OAuthError("invalid_grant", "The redirect_uri does not match the authorization.")
    if not _pkce_matches(grant, code_verifier):
        raise OAuthError("invalid_grant", "The code_verifier does not match the code_challenge.")
    user = grant.user
    signed_out = user.tokens_valid_after is not None and user.tokens_valid_after > grant.created
    if not user.enabled or signed_out:
        raise OAuthError("invalid_grant", "The user can no longer sign in.")
    user.pool = client.pool
    scopes = grant.scope.split()
    token_set = tokens.issue_token_set(
        client=client,
        user=user,
        auth_time=grant.auth_time or grant.created,
        scopes=scopes,
        nonce=grant.nonce or None,
    )
    _record_family(grant, token_set)
    # "The ID token is not returned if the openid scope is not requested by the client"
    # (awsdocs cognito-user-pools-app-idp-settings.md), even for aws.cognito.signin.user.admin
    # alone, whose scope alone looks like an API sign-in's.
    return _token_body(token_set, with_id_token=OPENID_SCOPE in scopes)


def refresh_token_grant(*, client: AppClient, refresh_token: str) -> dict[str, Any]:
    """New ID and access tokens (and, with rotation, a new refresh token) in the family."""
    try:
        token_set = tokens.refresh_tokens(client=client, refresh_token=refresh_token)
    except (NotAuthorizedException, RefreshTokenReuseException) as exc:
        raise OAuthError("invalid_grant", exc.message) from exc
    scopes = str(_unverified_claims(token_set.access_token).get("scope", "")).split()
    # API sign-ins (InitiateAuth and friends) always had an ID token; their scope is
    # aws.cognito.signin.user.admin alone.
    with_id_token = OPENID_SCOPE in scopes or not token_claims.is_oauth_scope(" ".join(scopes))
    return _token_body(token_set, with_id_token=with_id_token)


def client_credentials_grant(*, client: AppClient, scope: str | None) -> dict[str, Any]:
    """Machine-to-machine tokens: a confidential client allowed ``client_credentials``,
    custom scopes only; none requested means all the client's (reference §4). Requested
    scopes the client was not given are dropped: "Any scope requested must be
    preassociated with the client or it will be ignored at runtime" (awsdocs
    token-endpoint.md); invalid_scope only when none is left."""
    flows = client.allowed_oauth_flows or []
    if not (client.has_secret and client.allowed_oauth_flows_user_pool_client):
        raise OAuthError("unauthorized_client", "The client cannot use client_credentials.")
    if "client_credentials" not in flows:
        raise OAuthError("unauthorized_client", "The client cannot use client_credentials.")
    allowed = list(client.allowed_oauth_scopes or [])
    requested = scope.split() if scope else allowed
    granted = [item for item in dict.fromkeys(requested) if item in allowed]
    if not granted:
        raise OAuthError("invalid_scope", "None of the requested scopes is allowed.")
    token = tokens.issue_client_credentials_token(client=client, scopes=granted)
    return {
        "access_token": token.access_token,
        "expires_in": token.expires_in,
        "token_type": token.token_type,
    }


# --- /oauth2/revoke and /oauth2/userInfo -------------------------------------------------
def revoke(*, client: AppClient, token: str) -> None:
    """RFC 7009 through the token service: unknown tokens are fine, access tokens are not
    revocable here, and revocation can be disabled per client (reference §4)."""
    try:
        tokens.revoke_refresh_token(client=client, token=token)
    except UnsupportedOperationException as exc:
        raise OAuthError("invalid_request", exc.message) from exc
    except UnsupportedTokenTypeException as exc:
        raise OAuthError("unsupported_token_type", exc.message) from exc
    except UnauthorizedException as exc:
        raise OAuthError("invalid_request", "The token was not issued to this client.") from exc


def userinfo(access_token: str, *, host_pool: UserPool | None = None) -> dict[str, Any]:
    """OIDC Core §5.3 for a Bearer token with ``openid``: ``sub``, ``username`` and the
    attributes the token's scopes release that the client may read (Cognito's
    userInfo). On a pool's custom domain (``host_pool``) only that pool's tokens."""
    try:
        context = tokens.authenticate_access_token(access_token, required_scope=OPENID_SCOPE)
    except NotAuthorizedException as exc:
        if "scope" in exc.message:
            # Cognito's userInfo wording (simov/grant#189); the user-pool API's differs.
            raise OAuthError("insufficient_scope", MISSING_OPENID, status=403) from exc
        raise OAuthError("invalid_token", exc.message, status=401) from exc
    user, client = context.user, context.client
    if host_pool is not None and user.pool_id != host_pool.id:
        raise OAuthError("invalid_token", "Invalid Access Token", status=401)
    scopes = str(context.claims.get("scope", "")).split()
    released = token_claims.scoped_attributes(user.attributes, scopes)
    body: dict[str, Any] = {"sub": str(user.sub)}
    body.update(token_claims.readable_attribute_claims(released, client.read_attributes or []))
    body["username"] = user.username
    return body
