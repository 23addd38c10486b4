"""OpenID tokens: the identity service's own (GetOpenIdToken, developer tokens) and the
external OIDC providers' ID tokens an identity pool accepts in ``Logins``.

The identity service signs with its own RS256 key, not a user pool's, and publishes it at
its own issuer (``$PUBLIC_URL/cognito-identity``): Cognito's tokens say
``iss: https://cognito-identity.amazonaws.com`` and are checked against that host's JWKS
(reference §6). External providers' JWKS are fetched from the registry entry's
``jwks_uri`` (or the issuer's discovery document) and cached in-process; an unknown ``kid``
triggers one refetch, at most once a minute, so a provider's key rotation is picked up.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import IntegrityError, transaction
from joserfc import jws, jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet, RSAKey

from core import crypto
from core.errors import ExternalServiceException, NotAuthorizedException
from identity.models import IdentitySigningKey, OpenIdConnectProvider

ALGORITHM = "RS256"
RSA_KEY_BITS = 2048
# GetOpenIdToken tokens live 10 minutes; developer tokens 15 minutes by default, at most a
# day (reference §6).
OPEN_ID_TOKEN_SECONDS = 600
DEVELOPER_TOKEN_SECONDS = 900
JWKS_CACHE_SECONDS = 3600.0
JWKS_REFETCH_SECONDS = 60.0
FETCH_TIMEOUT_SECONDS = 5.0
# Asymmetric algorithms only: an HS256 token "signed" with a public key must not verify.
EXTERNAL_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]

_signing_key: tuple[str, RSAKey] | None = None
_public_keys: dict[str, RSAKey] = {}
# JWKS URL → (monotonic fetch time, key set)
_external_key_sets: dict[str, tuple[float, KeySet]] = {}


def issuer() -> str:
    return f"{settings.PUBLIC_URL}/cognito-identity"


def _kid_for(key: RSAKey) -> str:
    der = key.public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def _active_key() -> tuple[str, RSAKey]:
    global _signing_key
    if _signing_key is not None:
        return _signing_key
    row = IdentitySigningKey.objects.filter(retired__isnull=True).first()
    if row is None:
        key = RSAKey.generate_key(RSA_KEY_BITS, private=True)
        kid = _kid_for(key)
        public = {name: key.as_dict(private=False)[name] for name in ("e", "n")}
        row = IdentitySigningKey(
            kid=kid,
            public_jwk={"alg": ALGORITHM, "kid": kid, "kty": "RSA", "use": "sig", **public},
            private_key_encrypted=crypto.encrypt(key.as_pem(private=True).decode()),
        )
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            row = IdentitySigningKey.objects.filter(retired__isnull=True).first() or row
    key = RSAKey.import_key(crypto.decrypt(row.private_key_encrypted))
    _signing_key = (row.kid, key)
    return _signing_key


def forget_cached_keys() -> None:
    """Drop in-process key caches (a test database is rolled back under them)."""
    global _signing_key
    _signing_key = None
    _public_keys.clear()
    _external_key_sets.clear()


def jwks() -> dict[str, list[dict[str, Any]]]:
    _active_key()
    return {"keys": [dict(row.public_jwk) for row in IdentitySigningKey.objects.all()]}


def sign(claims: dict[str, Any]) -> str:
    kid, key = _active_key()
    payload = json.dumps(claims, separators=(",", ":")).encode()
    return jws.serialize_compact({"kid": kid, "typ": "JWT", "alg": ALGORITHM}, payload, key)


def open_id_token(
    *, identity_id: str, pool_id: str, amr: list[str], seconds: int = OPEN_ID_TOKEN_SECONDS
) -> str:
    """The OpenID token of GetOpenIdToken / GetOpenIdTokenForDeveloperIdentity: ``sub`` the
    identity, ``aud`` the identity pool, ``amr`` how it signed in (reference §6)."""
    now = int(time.time())
    return sign(
        {
            "sub": identity_id,
            "aud": pool_id,
            "amr": amr,
            "iss": issuer(),
            "iat": now,
            "exp": now + seconds,
        }
    )


def _b64_json(segment: str) -> Any:
    padded = segment + "=" * (-len(segment) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))


def verify_open_id_token(token: str) -> dict[str, Any] | None:
    """The claims of an OpenID token this service signed and that has not expired; None for
    anything else."""
    try:
        header = _b64_json(token.split(".", 1)[0])
        kid = header.get("kid") if isinstance(header, dict) else None
        if not isinstance(kid, str) or header.get("alg") != ALGORITHM:
            return None
        key = _public_keys.get(kid)
        if key is None:
            row = IdentitySigningKey.objects.filter(kid=kid).first()
            if row is None:
                return None
            key = RSAKey.import_key({k: row.public_jwk[k] for k in ("kty", "n", "e")})
            _public_keys[kid] = key
        claims = json.loads(jws.deserialize_compact(token, key, algorithms=[ALGORITHM]).payload)
    except (JoseError, ValueError, UnicodeError, TypeError, IndexError):
        return None
    if not isinstance(claims, dict) or claims.get("iss") != issuer():
        return None
    expires_at = claims.get("exp")
    if not isinstance(expires_at, int) or expires_at <= time.time():
        return None
    return claims


def discovery() -> dict[str, Any]:
    base = issuer()
    return {
        "issuer": base,
        "jwks_uri": f"{base}/.well-known/jwks_uri",
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "claims_supported": ["sub", "aud", "amr", "iss", "exp", "iat"],
    }


# --- external OpenID Connect providers -------------------------------------------------------
@dataclass(frozen=True)
class ExternalToken:
    subject: str
    audience: str
    claims: dict[str, Any]


def _fetch_json(url: str) -> Any:
    if not url.startswith(("https://", "http://")):
        raise ExternalServiceException(f"Cannot fetch {url}: not an http(s) URL.")
    try:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310 (scheme checked above)
            return json.loads(response.read(1_000_000))
    except (OSError, ValueError) as exc:
        raise ExternalServiceException(f"Unable to reach the identity provider: {exc}") from exc


def _jwks_uri(provider: OpenIdConnectProvider) -> str:
    if provider.jwks_uri:
        return provider.jwks_uri
    document = _fetch_json(f"{provider.url}/.well-known/openid-configuration")
    uri = document.get("jwks_uri") if isinstance(document, dict) else None
    if not isinstance(uri, str):
        raise ExternalServiceException("The identity provider's discovery has no jwks_uri.")
    return uri


def _key_set(provider: OpenIdConnectProvider, *, refresh: bool) -> KeySet:
    uri = _jwks_uri(provider)
    cached = _external_key_sets.get(uri)
    age = time.monotonic() - cached[0] if cached else None
    if cached is not None and age is not None:
        fresh = age < JWKS_CACHE_SECONDS and not (refresh and age >= JWKS_REFETCH_SECONDS)
        if fresh:
            return cached[1]
    try:
        key_set = KeySet.import_key_set(_fetch_json(uri))
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise ExternalServiceException("The identity provider's JWKS cannot be read.") from exc
    _external_key_sets[uri] = (time.monotonic(), key_set)
    return key_set


def _decode(provider: OpenIdConnectProvider, token: str) -> dict[str, Any]:
    unverified = NotAuthorizedException("Invalid login token. Couldn't verify signed token.")
    for refresh in (False, True):
        try:
            key_set = _key_set(provider, refresh=refresh)
            return dict(jwt.decode(token, key_set, EXTERNAL_ALGORITHMS).claims)
        except InvalidKeyIdError as exc:
            if refresh:
                raise unverified from exc
        except (JoseError, ValueError, TypeError) as exc:
            raise unverified from exc
    raise unverified


def verify_external_token(
    provider: OpenIdConnectProvider, token: str, audiences: list[str]
) -> ExternalToken:
    """Check an external provider's ID token: signature (its JWKS), ``iss``, ``aud`` among
    ``audiences``, ``exp``; the messages are Cognito's (reference §6)."""
    claims = _decode(provider, token)
    if claims.get("iss") != provider.url:
        raise NotAuthorizedException("Invalid login token. Issuer doesn't match providerName")
    audience = claims.get("aud")
    token_audiences = audience if isinstance(audience, list) else [audience]
    if not audience:
        raise NotAuthorizedException("Invalid login token. Missing a required claim: aud")
    matched = next((aud for aud in token_audiences if aud in audiences), None)
    if matched is None:
        raise NotAuthorizedException("Invalid login token. Incorrect token audience.")
    expires_at = claims.get("exp")
    now = int(time.time())
    if not isinstance(expires_at, int | float) or expires_at <= now:
        raise NotAuthorizedException(f"Invalid login token. Token expired: {now} >= {expires_at}")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise NotAuthorizedException("Invalid login token. Missing a required claim: sub")
    return ExternalToken(subject=subject, audience=str(matched), claims=claims)
