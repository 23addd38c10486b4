"""The one token service: Cognito's ID, access and refresh tokens for every flow.

Reproduces reference §3: RS256 JWTs under per-pool keys (``oauth.services.keys``) with the
claims of ``oauth.claims``, and opaque refresh tokens. Every issued access token and
refresh token has a DOT row holding only its SHA-256 checksum, so ``RevokeToken``,
``GlobalSignOut`` and ``/oauth2/revoke`` share the same records. A token family is one
sign-in: its ``origin_jti`` is the refresh tokens' ``token_family`` and every access
token's ``origin_jti``; revoking a refresh token deletes the family's access-token rows,
which is what ``authenticate_access_token`` checks with one indexed lookup.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import connections, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import AuditEvent, Group, GroupMembership, PoolUser
from core import ids
from core.errors import (
    InvalidParameterException,
    NotAuthorizedException,
    RefreshTokenReuseException,
    UnauthorizedException,
    UnsupportedOperationException,
    UnsupportedTokenTypeException,
)
from oauth import claims as token_claims
from oauth.claims import ADMIN_SCOPE
from oauth.models import AccessToken, AppClient, RefreshToken
from oauth.services import keys
from oauth.services.rows import ModelRows

UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# Cognito's bounds and defaults (reference §3.2): ID and access tokens 5 min to 1 day, 1 h by
# default; refresh tokens 60 min to 10 years, 30 days by default.
MIN_TOKEN_SECONDS = 300
MAX_TOKEN_SECONDS = int(keys.MAX_TOKEN_LIFETIME.total_seconds())
DEFAULT_TOKEN_SECONDS = 3600
DEFAULT_REFRESH_DAYS = 30
# 512 random bits, URL-safe: well past RFC 6749 §10.10's "infeasible to guess".
REFRESH_TOKEN_BYTES = 64


@dataclass(frozen=True)
class TokenSet:
    id_token: str
    access_token: str
    refresh_token: str | None
    expires_in: int
    token_type: str = "Bearer"


@dataclass(frozen=True)
class AccessTokenContext:
    user: PoolUser
    client: AppClient
    claims: dict[str, Any]


def _checksum(token: str) -> str:
    # The same digest DOT's TokenChecksumField keeps, so DOT's views find these rows.
    return hashlib.sha256(token.encode()).hexdigest()


def _epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def _validity_seconds(client: AppClient, member: str, value: int | None) -> int:
    units = client.token_validity_units or {}
    if member == "RefreshToken":
        unit = UNIT_SECONDS.get(units.get(member) or "days", 86400)
        return (value or DEFAULT_REFRESH_DAYS * 86400 // unit) * unit
    if value is None:
        return DEFAULT_TOKEN_SECONDS
    unit = UNIT_SECONDS.get(units.get(member) or "hours", 3600)
    # Clamped so no token outlives the JWKS publication of its key (keys.MAX_TOKEN_LIFETIME).
    return min(max(value * unit, MIN_TOKEN_SECONDS), MAX_TOKEN_SECONDS)


def access_token_seconds(client: AppClient) -> int:
    return _validity_seconds(client, "AccessToken", client.access_token_validity)


def id_token_seconds(client: AppClient) -> int:
    return _validity_seconds(client, "IdToken", client.id_token_validity)


def refresh_token_seconds(client: AppClient) -> int:
    return _validity_seconds(client, "RefreshToken", client.refresh_token_validity)


def refresh_token_rotation_enabled(client: AppClient) -> bool:
    """Whether the client rotates refresh tokens; Cognito then refuses REFRESH_TOKEN_AUTH
    and refreshes only through GetTokensFromRefreshToken (awsdocs, refresh tokens)."""
    return (client.refresh_token_rotation or {}).get("Feature") == "ENABLED"


def _rotation_grace(client: AppClient) -> dt.timedelta:
    seconds = (client.refresh_token_rotation or {}).get("RetryGracePeriodSeconds") or 0
    return dt.timedelta(seconds=int(seconds))


# --- hot-path SQL (see oauth/services/rows.py) ------------------------------------------
# The statements hold identifiers only, taken from the models and quoted by the backend;
# every value is a bound parameter.
_USERS = ModelRows(PoolUser)
_CLIENTS = ModelRows(AppClient)
_REFRESH_TOKENS = ModelRows(RefreshToken)
_ACCESS_TOKENS = ModelRows(AccessToken)
# What a refresh reads of the token and its user: the checks of _usable_refresh_row and
# the claims of _mint. The user row's password hash, SRP verifier, MFA settings and filter
# columns stay deferred: converting them was a tenth of a refresh.
_REFRESH_READ = ModelRows(
    RefreshToken,
    only=(
        *("application", "user", "token_family", "scope", "auth_time", "created"),
        *("revoked", "rotated", "expires"),
    ),
)
_REFRESH_USERS = ModelRows(
    PoolUser, only=("pool", "username", "sub", "enabled", "attributes", "tokens_valid_after")
)


def _column(model: type[Any], name: str) -> str:
    return str(connections["default"].ops.quote_name(model._meta.get_field(name).column))


def _group_columns() -> str:
    return ", ".join(f"g.{_column(Group, name)}" for name in ("name", "precedence", "role_arn"))


def _membership_join(join: str) -> str:
    """``join`` (JOIN or LEFT JOIN) of user ``u``'s memberships ``m`` and groups ``g``."""
    quote = connections["default"].ops.quote_name
    group, membership = quote(Group._meta.db_table), quote(GroupMembership._meta.db_table)
    return (
        f"{join} {membership} m "
        f"ON m.{_column(GroupMembership, 'user')} = u.{_column(PoolUser, 'id')} "
        f"{join} {group} g ON g.{_column(Group, 'id')} = m.{_column(GroupMembership, 'group')}"
    )


@lru_cache(maxsize=4)
def _groups_sql(vendor: str) -> str:
    return (
        f"SELECT {_group_columns()} FROM {_USERS.table} u {_membership_join('JOIN')} "  # noqa: S608
        f"WHERE u.{_column(PoolUser, 'id')} = %(user)s"
    )


@lru_cache(maxsize=4)
def _refresh_token_sql(vendor: str) -> str:
    # The user's groups come along (one row per group, LEFT JOINed so a user without groups
    # still has a row): the ID and access tokens need them, and a second query cost more
    # than repeating the token and user columns for a user's few groups.
    return (
        f"SELECT {_REFRESH_READ.columns('r')}, {_REFRESH_USERS.columns('u')}, {_group_columns()} "  # noqa: S608
        f"FROM {_REFRESH_TOKENS.table} r JOIN {_USERS.table} u "
        f"ON u.{_column(PoolUser, 'id')} = r.{_column(RefreshToken, 'user')} "
        f"{_membership_join('LEFT JOIN')} "
        f"WHERE r.{_column(RefreshToken, 'token_checksum')} = %(checksum)s"
    )


@lru_cache(maxsize=4)
def _access_token_sql(vendor: str) -> str:
    return (
        f"SELECT {_ACCESS_TOKENS.columns('a')}, {_USERS.columns('u')}, {_CLIENTS.columns('c')} "  # noqa: S608
        f"FROM {_ACCESS_TOKENS.table} a "
        f"JOIN {_USERS.table} u ON u.{_column(PoolUser, 'id')} = a.{_column(AccessToken, 'user')} "
        f"JOIN {_CLIENTS.table} c "
        f"ON c.{_column(AppClient, 'id')} = a.{_column(AccessToken, 'application')} "
        f"WHERE a.{_column(AccessToken, 'token_checksum')} = %(checksum)s"
    )


@lru_cache(maxsize=4)
def _refresh_revoked_sql(vendor: str) -> str:
    # FOR SHARE (PostgreSQL): a revocation's UPDATE of this row, uncommitted, is waited for
    # and its outcome read; SQLite runs one writer at a time, so a plain read is as good.
    lock = " FOR SHARE" if vendor == "postgresql" else ""
    return (
        f"SELECT {_column(RefreshToken, 'revoked')} FROM {_REFRESH_TOKENS.table} "  # noqa: S608
        f"WHERE {_column(RefreshToken, 'id')} = %(pk)s{lock}"
    )


def _fetch_all(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(found) for found in cursor.fetchall()]


def _fetch_one(sql: str, params: dict[str, Any]) -> tuple[Any, ...] | None:
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchone()
    return tuple(found) if found is not None else None


def _as_group_claims(found: list[tuple[Any, ...]]) -> list[token_claims.GroupClaim]:
    return [
        token_claims.GroupClaim(name, rank, role or "")
        for name, rank, role in found
        if name is not None
    ]


def _group_claims(user: PoolUser) -> list[token_claims.GroupClaim]:
    found = _fetch_all(_groups_sql(connections["default"].vendor), {"user": user.pk})
    return _as_group_claims(found)


@dataclass(frozen=True)
class _RefreshRow:
    row: RefreshToken  # with its user loaded
    groups: list[token_claims.GroupClaim]


def _refresh_token_row(refresh_token: str) -> _RefreshRow | None:
    """The refresh token's row with its user and the user's groups, in one indexed lookup."""
    found = _fetch_all(
        _refresh_token_sql(connections["default"].vendor), {"checksum": _checksum(refresh_token)}
    )
    if not found:
        return None
    token_width, user_width = len(_REFRESH_READ.fields), len(_REFRESH_USERS.fields)
    first = found[0]
    row = _REFRESH_READ.load(first[:token_width])
    row.user = _REFRESH_USERS.load(first[token_width : token_width + user_width])
    return _RefreshRow(row, _as_group_claims([line[token_width + user_width :] for line in found]))


def _access_token_row(access_token: str) -> AccessToken | None:
    """The access token's row with its user and client, in one indexed lookup."""
    found = _fetch_one(
        _access_token_sql(connections["default"].vendor), {"checksum": _checksum(access_token)}
    )
    if found is None:
        return None
    token_width, user_width = len(_ACCESS_TOKENS.fields), len(_USERS.fields)
    row = _ACCESS_TOKENS.load(found[:token_width])
    row.user = _USERS.load(found[token_width : token_width + user_width])
    row.application = _CLIENTS.load(found[token_width + user_width :])
    return row


def _attach_pool(user: PoolUser, client: AppClient) -> None:
    # The client and the user are in the same pool: share the loaded pool, if any.
    if AppClient.pool.is_cached(client) and client.pool_id == user.pool_id:  # type: ignore[attr-defined]
        user.pool = client.pool


@dataclass(frozen=True)
class _Minted:
    id_token: str
    access_token: str
    access_row: AccessToken
    expires_in: int


def _mint(
    *,
    client: AppClient,
    user: PoolUser,
    auth_time: dt.datetime,
    origin_jti: uuid.UUID,
    scope: str,
    nonce: str | None,
    now: dt.datetime,
    groups: list[token_claims.GroupClaim] | None = None,
) -> _Minted:
    """Sign an ID and an access token and build (unsaved) the access token's row.
    ``groups`` are the user's, when the caller loaded them already."""
    issued_at = _epoch(now)
    subject = token_claims.TokenSubject(
        pool_id=client.pool_id,
        client_id=client.client_id,
        sub=str(user.sub),
        username=user.username,
        auth_time=_epoch(auth_time),
        issued_at=issued_at,
        origin_jti=str(origin_jti),
        event_id=str(uuid.uuid4()),
    )
    if groups is None:
        groups = _group_claims(user)
    access_seconds = access_token_seconds(client)
    access_jti = uuid.uuid4()
    access_claims = token_claims.access_token_claims(
        subject,
        jti=str(access_jti),
        expires_at=issued_at + access_seconds,
        scope=scope,
        groups=groups,
    )
    attributes: dict[str, str] = user.attributes
    oauth = token_claims.is_oauth_scope(scope)
    if oauth:
        # OAuth-issued tokens (reference §3.1-3.2): version 2, scope-released attributes.
        access_claims["version"] = token_claims.OAUTH_ACCESS_TOKEN_VERSION
        attributes = token_claims.scoped_attributes(attributes, scope.split())
    access_token = keys.sign(client.pool_id, keys.Purpose.ACCESS, access_claims)
    id_claims = token_claims.id_token_claims(
        subject,
        jti=str(uuid.uuid4()),
        expires_at=issued_at + id_token_seconds(client),
        attributes=attributes,
        read_attributes=client.read_attributes or [],
        groups=groups,
        nonce=nonce,
    )
    if oauth:
        id_claims["at_hash"] = token_claims.at_hash(access_token)
    id_token = keys.sign(client.pool_id, keys.Purpose.ID, id_claims)
    row = AccessToken(
        user=user,
        application=client,
        token="",
        token_checksum=_checksum(access_token),
        expires=now + dt.timedelta(seconds=access_seconds),
        scope=scope,
        jti=access_jti,
        origin_jti=origin_jti,
    )
    return _Minted(id_token, access_token, row, access_seconds)


def _new_refresh_row(
    *,
    client: AppClient,
    user: PoolUser,
    family: uuid.UUID,
    access_row: AccessToken,
    expires: dt.datetime,
    auth_time: dt.datetime,
    scope: str,
) -> tuple[str, RefreshToken]:
    raw = ids.not_option_like(lambda: secrets.token_urlsafe(REFRESH_TOKEN_BYTES))
    row = RefreshToken(
        user=user,
        application=client,
        token="",
        token_checksum=_checksum(raw),
        access_token=access_row,
        token_family=family,
        expires=expires,
        auth_time=auth_time,
        scope=scope,
    )
    return raw, row


def _as_datetime(value: dt.datetime | int | float | None, default: dt.datetime) -> dt.datetime:
    if value is None:
        return default
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromtimestamp(value, tz=dt.UTC)


@transaction.atomic
def issue_token_set(
    *,
    client: AppClient,
    user: PoolUser,
    auth_time: dt.datetime | int | None = None,
    scopes: list[str] | None = None,
    nonce: str | None = None,
    include_refresh_token: bool = True,
) -> TokenSet:
    """Tokens for a completed sign-in: a new family (``origin_jti``).

    ``scopes`` are OAuth scopes; API flows leave them out and get Cognito's
    ``aws.cognito.signin.user.admin``.
    """
    now = timezone.now()
    signed_in = _as_datetime(auth_time, now)
    scope = " ".join(scopes) if scopes else ADMIN_SCOPE
    family = uuid.uuid4()
    minted = _mint(
        client=client,
        user=user,
        auth_time=signed_in,
        origin_jti=family,
        scope=scope,
        nonce=nonce,
        now=now,
    )
    _ACCESS_TOKENS.insert(minted.access_row)
    refresh_token: str | None = None
    if include_refresh_token:
        refresh_token, row = _new_refresh_row(
            client=client,
            user=user,
            family=family,
            access_row=minted.access_row,
            expires=now + dt.timedelta(seconds=refresh_token_seconds(client)),
            auth_time=signed_in,
            scope=scope,
        )
        _REFRESH_TOKENS.insert(row)
    return TokenSet(minted.id_token, minted.access_token, refresh_token, minted.expires_in)


def _usable_refresh_row(client: AppClient, refresh_token: str, now: dt.datetime) -> _RefreshRow:
    found = _refresh_token_row(refresh_token)
    if found is None:
        raise NotAuthorizedException("Invalid Refresh Token")
    row = found.row
    if row.application_id != client.pk:
        # Cognito's answer since 2022 (aws/aws-sdk-js#4016).
        raise NotAuthorizedException("Refresh Token has different Client")
    if row.revoked is not None:
        if row.rotated is None:
            raise NotAuthorizedException("Refresh Token has been revoked")
        if now >= row.rotated + _rotation_grace(client):
            raise RefreshTokenReuseException()
    if row.expires is not None and now >= row.expires:
        raise NotAuthorizedException("Refresh Token has expired")
    user = row.user
    if user.tokens_valid_after is not None and row.created < user.tokens_valid_after:
        raise NotAuthorizedException("Refresh Token has been revoked")
    if not user.enabled:
        raise NotAuthorizedException("User is disabled.")
    _attach_pool(user, client)
    return found


def refresh_tokens(*, client: AppClient, refresh_token: str) -> TokenSet:
    """REFRESH_TOKEN_AUTH, GetTokensFromRefreshToken and the refresh_token grant.

    New ID and access tokens in the same family; ``auth_time`` stays at the sign-in. With
    rotation on, a new refresh token too (expiring when the old one would have: rotation
    does not extend a session), and the old one stops working after the grace period.
    Without rotation the only write is the access token's row, so no transaction is opened.
    """
    now = timezone.now()
    found = _usable_refresh_row(client, refresh_token, now)
    row = found.row
    family = row.token_family or uuid.uuid4()
    auth_time = row.auth_time or row.created
    minted = _mint(
        client=client,
        user=row.user,
        auth_time=auth_time,
        origin_jti=family,
        scope=row.scope or ADMIN_SCOPE,
        nonce=None,
        now=now,
        groups=found.groups,
    )
    if not refresh_token_rotation_enabled(client):
        _ACCESS_TOKENS.insert(minted.access_row)
        _refuse_if_revoked_meanwhile(row, minted.access_row)
        return TokenSet(minted.id_token, minted.access_token, None, minted.expires_in)
    with transaction.atomic():
        if row.rotated is None:
            _rotate_out(client, row, now)
        _ACCESS_TOKENS.insert(minted.access_row)
        new_refresh_token, new_row = _new_refresh_row(
            client=client,
            user=row.user,
            family=family,
            access_row=minted.access_row,
            expires=row.expires or now + dt.timedelta(seconds=refresh_token_seconds(client)),
            auth_time=auth_time,
            scope=row.scope,
        )
        _REFRESH_TOKENS.insert(new_row)
    return TokenSet(minted.id_token, minted.access_token, new_refresh_token, minted.expires_in)


def _refuse_if_revoked_meanwhile(row: RefreshToken, access_row: AccessToken) -> None:
    """A refresh without rotation writes only the new access token's row, after reading
    the refresh token. RevokeToken and GlobalSignOut (and AdminDisableUser through it)
    revoke the refresh token's row, then delete the access-token rows they can see: one
    committed between that read and this insert missed the new row. So the refresh token
    is read again once the row is in (under a share lock on PostgreSQL, which waits for a
    revocation in progress): still live, and any revocation to come sees and deletes the
    new row; revoked (or deleted with its user), and the new row goes and the refresh is
    refused like one that came a moment later. One indexed read, no transaction."""
    found = _fetch_one(_refresh_revoked_sql(connections["default"].vendor), {"pk": row.pk})
    if found is not None and found[0] is None:
        return
    AccessToken.objects.filter(pk=access_row.pk).delete()
    raise NotAuthorizedException("Refresh Token has been revoked")


def _rotate_out(client: AppClient, row: RefreshToken, now: dt.datetime) -> None:
    """Retire the refresh token being rotated, unless another request changed it since it
    was read: one conditional UPDATE, so of two refreshes racing with one token exactly
    one rotates it. The other is then judged as a reuse (allowed within the grace period),
    and a token revoked in the meantime (RevokeToken, GlobalSignOut) is refused instead of
    minting a fresh refresh token into the revoked family."""
    unchanged = RefreshToken.objects.filter(pk=row.pk, revoked__isnull=True, rotated__isnull=True)
    if unchanged.update(revoked=now, rotated=now, updated=now):
        return
    current = RefreshToken.objects.filter(pk=row.pk).values("revoked", "rotated").first()
    if current is None or current["rotated"] is None:
        raise NotAuthorizedException("Refresh Token has been revoked")
    # The clock now, not when this request read the token: the other one rotated it since.
    if timezone.now() >= current["rotated"] + _rotation_grace(client):
        raise RefreshTokenReuseException()


def authenticate_access_token(
    access_token: str, *, required_scope: str | None = ADMIN_SCOPE
) -> AccessTokenContext:
    """The user and client behind an access token, as every ``AccessToken`` action needs.

    The signature is checked against the key its ``kid`` names (active or retired) and
    the claims against that key's pool; revocation is one indexed lookup of the token's
    row, which RevokeToken, GlobalSignOut and deleting the user remove. The user-pool API
    requires ``aws.cognito.signin.user.admin``; ``/oauth2/userInfo`` passes ``openid``.
    """
    try:
        verified = keys.verify(access_token)
    except keys.InvalidTokenError as exc:
        raise NotAuthorizedException("Invalid Access Token") from exc
    claims = verified.claims
    expires_at = claims.get("exp")
    if (
        verified.purpose != keys.Purpose.ACCESS
        or claims.get("token_use") != "access"
        or claims.get("iss") != token_claims.issuer(verified.pool_id)
        or not isinstance(expires_at, int)
    ):
        raise NotAuthorizedException("Invalid Access Token")
    if expires_at <= time.time():
        raise NotAuthorizedException("Access Token has expired")
    if required_scope is not None and required_scope not in str(claims.get("scope", "")).split():
        raise NotAuthorizedException("Access Token does not have required scopes")
    row = _access_token_row(access_token)
    if row is None:
        raise NotAuthorizedException("Access Token has been revoked")
    user, client = row.user, row.application
    if (
        user is None
        or client is None
        or not user.enabled
        or (user.tokens_valid_after is not None and row.created < user.tokens_valid_after)
    ):
        raise NotAuthorizedException("Access Token has been revoked")
    return AccessTokenContext(user=user, client=client, claims=claims)


@transaction.atomic
def global_sign_out(user: PoolUser, *, actor: str = "") -> None:
    """GlobalSignOut / AdminUserGlobalSignOut: every token the user holds stops working.

    Also what disabling the user and resetting the password call.
    """
    now = timezone.now()
    PoolUser.objects.filter(pk=user.pk).update(tokens_valid_after=now)
    user.tokens_valid_after = now
    RefreshToken.objects.filter(user=user, revoked__isnull=True).update(revoked=now, updated=now)
    AccessToken.objects.filter(user=user).delete()
    AuditEvent.objects.create(pool_id=user.pool_id, user=user, event="global_sign_out", actor=actor)


def _revoke_family(family: uuid.UUID, now: dt.datetime) -> None:
    RefreshToken.objects.filter(token_family=family, revoked__isnull=True).update(
        revoked=now, updated=now
    )
    # A rotated-out token still inside its grace period must die with its family too.
    RefreshToken.objects.filter(token_family=family, rotated__isnull=False).update(rotated=None)
    AccessToken.objects.filter(origin_jti=family).delete()


def _looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


@transaction.atomic
def revoke_refresh_token(*, client: AppClient, token: str) -> None:
    """RevokeToken and ``/oauth2/revoke`` for an authenticated client.

    Revokes the refresh token, its family's other refresh tokens and every access token
    minted from them. An unknown or already revoked token is not an error (RFC 7009 §2.2);
    an access or ID token is UnsupportedTokenTypeException; another client's token is
    refused (RFC 7009 §2.1).
    """
    if not client.enable_token_revocation:
        raise UnsupportedOperationException("Token revocation is not enabled for this client.")
    if _looks_like_jwt(token):
        raise UnsupportedTokenTypeException("Only refresh tokens can be revoked.")
    row = (
        RefreshToken.objects.select_related("user").filter(token_checksum=_checksum(token)).first()
    )
    if row is None:
        return
    if row.application_id != client.pk:
        raise UnauthorizedException("The token was not issued to this client.")
    now = timezone.now()
    if row.token_family is not None:
        _revoke_family(row.token_family, now)
    else:
        RefreshToken.objects.filter(pk=row.pk).update(revoked=now, rotated=None, updated=now)
        if row.access_token_id is not None:
            AccessToken.objects.filter(pk=row.access_token_id).delete()
    AuditEvent.objects.create(
        pool_id=client.pool_id,
        user=row.user,
        event="revoke_token",
        actor=client.client_id,
        details={"origin_jti": str(row.token_family) if row.token_family else ""},
    )


def _client_secret_matches(client: AppClient, secret: str | None) -> bool:
    if not client.has_secret:
        return True
    return bool(secret) and client.secret_matches(secret or "")


def revoke_token(*, client_id: str, client_secret: str | None, token: str) -> None:
    """RevokeToken: authenticate the client by id and secret, then revoke ``token``."""
    client = AppClient.objects.select_related("pool").filter(client_id=client_id).first()
    if client is None or not _client_secret_matches(client, client_secret):
        raise UnauthorizedException()
    revoke_refresh_token(client=client, token=token)


def _refresh_flow_allowed(client: AppClient) -> bool:
    flows = client.effective_auth_flows
    # Clients configured with only the legacy names (ADMIN_NO_SRP_AUTH, …) predate
    # ALLOW_REFRESH_TOKEN_AUTH and always refresh (reference §2.1).
    return "ALLOW_REFRESH_TOKEN_AUTH" in flows or not any(f.startswith("ALLOW_") for f in flows)


def get_tokens_from_refresh_token(
    *, client: AppClient, client_secret: str | None, refresh_token: str
) -> TokenSet:
    """GetTokensFromRefreshToken: the client's secret, when it has one, comes in clear."""
    if client.has_secret:
        if not client_secret:
            raise NotAuthorizedException(
                f"Client {client.client_id} is configured for secret but secret was not received"
            )
        if not client.secret_matches(client_secret):
            raise NotAuthorizedException(f"Unable to verify secret for client {client.client_id}")
    if not _refresh_flow_allowed(client):
        raise InvalidParameterException("Refresh Token auth flow not enabled for this client")
    return refresh_tokens(client=client, refresh_token=refresh_token)


class SignInState(enum.Enum):
    VALID = "valid"
    NO_USER = "no_user"
    DISABLED = "disabled"
    REVOKED = "revoked"


def id_token_sign_in_state(*, pool_id: str, claims: dict[str, Any]) -> SignInState:
    """Whether the sign-in an ID token came from still stands: its user exists and is
    enabled, was not signed out after the token was issued, and the token's family
    (``origin_jti``) was not revoked. RevokeToken, GlobalSignOut and disabling the user
    delete the family's access-token rows, so one query with an indexed EXISTS answers.
    Identity pools' ServerSideTokenCheck asks this (reference §6)."""
    try:
        sub = uuid.UUID(str(claims.get("sub")))
        family = uuid.UUID(str(claims.get("origin_jti")))
    except ValueError:
        return SignInState.NO_USER
    found = (
        PoolUser.objects.filter(pool_id=pool_id, sub=sub)
        .annotate(
            family_alive=Exists(AccessToken.objects.filter(user=OuterRef("pk"), origin_jti=family))
        )
        .only("id", "enabled", "tokens_valid_after")
        .order_by()[:1]
    )
    user = next(iter(found), None)
    if user is None:
        return SignInState.NO_USER
    if not user.enabled:
        return SignInState.DISABLED
    issued_at = claims.get("iat")
    if user.tokens_valid_after is not None and (
        not isinstance(issued_at, int) or issued_at < int(user.tokens_valid_after.timestamp())
    ):
        return SignInState.REVOKED
    return SignInState.VALID if user.family_alive else SignInState.REVOKED


def revoke_token_family(origin_jti: uuid.UUID) -> None:
    """Revoke every token of one sign-in: what a replayed authorization code bought
    (RFC 6749 §4.1.2, RFC 9700 §4.2.4)."""
    with transaction.atomic():
        _revoke_family(origin_jti, timezone.now())


@dataclass(frozen=True)
class ClientToken:
    access_token: str
    expires_in: int
    token_type: str = "Bearer"


def issue_client_credentials_token(*, client: AppClient, scopes: list[str]) -> ClientToken:
    """The ``client_credentials`` grant's access token: ``sub`` is the client, only
    custom scopes, no ID or refresh token. Its row (no user) lets ``/oauth2/revoke`` and
    deleting the client reach it like any other token."""
    now = timezone.now()
    issued_at = _epoch(now)
    seconds = access_token_seconds(client)
    jti = uuid.uuid4()
    scope = " ".join(scopes)
    access_token = keys.sign(
        client.pool_id,
        keys.Purpose.ACCESS,
        token_claims.client_credentials_claims(
            pool_id=client.pool_id,
            client_id=client.client_id,
            scope=scope,
            jti=str(jti),
            issued_at=issued_at,
            expires_at=issued_at + seconds,
        ),
    )
    _ACCESS_TOKENS.insert(
        AccessToken(
            user=None,
            application=client,
            token="",
            token_checksum=_checksum(access_token),
            expires=now + dt.timedelta(seconds=seconds),
            scope=scope,
            jti=jti,
            origin_jti=jti,
        )
    )
    return ClientToken(access_token, seconds)
