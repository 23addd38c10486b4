"""Per-pool RS256 signing keys: creation, rotation, the JWKS, signing and verification.

The only module that imports a JOSE library (joserfc). Each pool has two active keys, one
for ID tokens and one for access tokens (Cognito signs them with different kids, reference
§3.2), created on first use. Private keys are stored encrypted with ``core.crypto``; loaded
keys are cached in-process, because importing an RSA private key costs ~30 ms while a
signature costs ~0.3 ms. Signing itself goes straight to ``cryptography`` with the encoded
header precomputed per kid: the JWS compact serialization (RFC 7515 §7.1) is two base64url
segments and one RSASSA-PKCS1-v1_5 SHA-256 signature (RFC 7518 §3.3), and a refresh signs
twice, so joserfc's generic header registry checks were a few per cent of it. A rotated-out
key stays in the JWKS, and keeps verifying, until every token it signed has expired
(``MAX_TOKEN_LIFETIME``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from core import crypto
from oauth.models import SigningKey

ALGORITHM = "RS256"
RSA_KEY_BITS = 2048
# Cognito caps ID and access tokens at one day (reference §3.2), so a key retired longer
# ago than this signed nothing that is still valid.
MAX_TOKEN_LIFETIME = timedelta(days=1)
# How long a process keeps signing with the active key it looked up. A rotation in another
# process is picked up within this time; the retired key stays valid meanwhile.
ACTIVE_KEY_CACHE_SECONDS = 60.0

Purpose = SigningKey.Purpose


class InvalidTokenError(Exception):
    """The token is not a JWT this server signed with a key it still publishes."""


@dataclass(frozen=True)
class VerifiedToken:
    pool_id: str
    purpose: str
    kid: str
    claims: dict[str, Any]


@dataclass(frozen=True)
class _PublicKey:
    pool_id: str
    purpose: str
    key: RSAKey


@dataclass(frozen=True)
class _Signer:
    header: bytes  # the base64url JWS header segment, {"kid", "alg"}
    key: RSAPrivateKey


_PKCS1V15 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()

# kid → loaded key. Keys never change under a kid, so entries never go stale.
_private_keys: dict[str, _Signer] = {}
_public_keys: dict[str, _PublicKey] = {}
# (pool id, purpose) → (kid, monotonic time of the lookup)
_active_kids: dict[tuple[str, str], tuple[str, float]] = {}


def _kid_for(public_key: RSAKey) -> str:
    der = public_key.public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def _new_key_row(pool_id: str, purpose: str) -> SigningKey:
    key = RSAKey.generate_key(RSA_KEY_BITS, private=True)
    kid = _kid_for(key)
    public = key.as_dict(private=False)
    # Cognito's JWKS entry, member for member (reference §3.2).
    public_jwk: dict[str, Any] = {
        "alg": ALGORITHM,
        "e": public["e"],
        "kid": kid,
        "kty": "RSA",
        "n": public["n"],
        "use": "sig",
    }
    private_pem = key.as_pem(private=True).decode()
    row = SigningKey(
        pool_id=pool_id,
        purpose=purpose,
        kid=kid,
        public_jwk=public_jwk,
        private_key_encrypted=crypto.encrypt(private_pem),
    )
    _private_keys[kid] = _signer(kid, key)
    return row


def ensure_pool_keys(pool_id: str) -> list[SigningKey]:
    """The pool's active keys, one per purpose, creating any that is missing."""
    active = {
        row.purpose: row for row in SigningKey.objects.filter(pool_id=pool_id, retired__isnull=True)
    }
    for purpose in Purpose.values:
        if purpose in active:
            continue
        row = _new_key_row(pool_id, purpose)
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            # Another process created it first (one active key per purpose is a constraint).
            row = SigningKey.objects.get(pool_id=pool_id, purpose=purpose, retired__isnull=True)
        active[purpose] = row
    return [active[purpose] for purpose in Purpose.values]


def _active_kid(pool_id: str, purpose: str) -> str:
    cached = _active_kids.get((pool_id, purpose))
    if cached is not None and time.monotonic() - cached[1] < ACTIVE_KEY_CACHE_SECONDS:
        return cached[0]
    for row in ensure_pool_keys(pool_id):
        _active_kids[(pool_id, row.purpose)] = (row.kid, time.monotonic())
        _public_keys.setdefault(row.kid, _PublicKey(pool_id, row.purpose, _import(row.public_jwk)))
    return _active_kids[(pool_id, purpose)][0]


def _import(public_jwk: dict[str, Any]) -> RSAKey:
    return RSAKey.import_key({name: public_jwk[name] for name in ("kty", "n", "e")})


def _b64url(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _signer(kid: str, key: RSAKey) -> _Signer:
    private = key.private_key
    if not isinstance(private, RSAPrivateKey):
        raise TypeError(f"signing key {kid} is not an RSA private key")
    # The header is Cognito's {"kid", "alg"}, without "typ" (reference §3.1).
    header = json.dumps({"kid": kid, "alg": ALGORITHM}, separators=(",", ":")).encode()
    return _Signer(_b64url(header), private)


def _private_key(kid: str) -> _Signer:
    signer = _private_keys.get(kid)
    if signer is None:
        row = SigningKey.objects.only("private_key_encrypted").get(kid=kid)
        signer = _signer(kid, RSAKey.import_key(crypto.decrypt(row.private_key_encrypted)))
        _private_keys[kid] = signer
    return signer


def sign(pool_id: str, purpose: str, claims: dict[str, Any]) -> str:
    """A compact RS256 JWS of ``claims`` under the pool's active key for ``purpose``."""
    signer = _private_key(_active_kid(pool_id, purpose))
    payload = json.dumps(claims, separators=(",", ":")).encode()
    signing_input = signer.header + b"." + _b64url(payload)
    signature = signer.key.sign(signing_input, _PKCS1V15, _SHA256)
    return (signing_input + b"." + _b64url(signature)).decode("ascii")


def _public_key(kid: str) -> _PublicKey | None:
    found = _public_keys.get(kid)
    if found is None:
        row = SigningKey.objects.filter(kid=kid).only("pool_id", "purpose", "public_jwk").first()
        if row is None:
            return None
        found = _PublicKey(row.pool_id, row.purpose, _import(row.public_jwk))
        _public_keys[kid] = found
    return found


def _b64_json(segment: str) -> Any:
    padded = segment + "=" * (-len(segment) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))


def verify(token: str) -> VerifiedToken:
    """Check the signature of ``token`` against the key its ``kid`` names, active or retired.

    Only the signature is checked here; the claims (``exp``, ``iss``, ``token_use``) are
    the caller's. Anything else, from a malformed string to ``alg: none``, raises
    InvalidTokenError.
    """
    try:
        header = _b64_json(token.split(".", 1)[0])
        kid = header.get("kid") if isinstance(header, dict) else None
        if not isinstance(kid, str) or header.get("alg") != ALGORITHM:
            raise InvalidTokenError("unexpected header")
        public = _public_key(kid)
        if public is None:
            raise InvalidTokenError("unknown kid")
        verified = jws.deserialize_compact(token, public.key, algorithms=[ALGORITHM])
        claims = json.loads(verified.payload)
    except InvalidTokenError:
        raise
    except (JoseError, ValueError, UnicodeError, TypeError) as exc:
        raise InvalidTokenError(str(exc)) from exc
    if not isinstance(claims, dict):
        raise InvalidTokenError("claims are not an object")
    return VerifiedToken(public.pool_id, public.purpose, kid, claims)


def _published(pool_id: str) -> list[SigningKey]:
    horizon = timezone.now() - MAX_TOKEN_LIFETIME
    return list(
        SigningKey.objects.filter(pool_id=pool_id)
        .filter(Q(retired__isnull=True) | Q(retired__gt=horizon))
        .order_by(F("retired").desc(nulls_first=True), "purpose", "-created")
    )


def jwks(pool_id: str) -> dict[str, list[dict[str, Any]]]:
    """The pool's JWKS: active keys first, then retired keys whose tokens may still be valid."""
    ensure_pool_keys(pool_id)
    return {"keys": [dict(row.public_jwk) for row in _published(pool_id)]}


@dataclass(frozen=True)
class Rotation:
    new_kids: list[str]
    retired_kids: list[str]
    dropped_kids: list[str]


@transaction.atomic
def rotate_pool_keys(pool_id: str) -> Rotation:
    """Retire the pool's active keys, make new ones active, and delete keys retired longer
    ago than any token they signed can live."""
    now = timezone.now()
    current = list(
        SigningKey.objects.select_for_update().filter(pool_id=pool_id, retired__isnull=True)
    )
    SigningKey.objects.filter(pk__in=[row.pk for row in current]).update(retired=now)
    expired = SigningKey.objects.filter(pool_id=pool_id, retired__lte=now - MAX_TOKEN_LIFETIME)
    dropped = list(expired.values_list("kid", flat=True))
    expired.delete()
    new_rows = [_new_key_row(pool_id, purpose) for purpose in Purpose.values]
    for row in new_rows:
        row.save()
    for purpose in Purpose.values:
        _active_kids.pop((pool_id, purpose), None)
    for kid in dropped:
        _public_keys.pop(kid, None)
        _private_keys.pop(kid, None)
    return Rotation(
        new_kids=[row.kid for row in new_rows],
        retired_kids=[row.kid for row in current],
        dropped_kids=dropped,
    )
