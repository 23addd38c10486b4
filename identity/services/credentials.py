"""Temporary credentials: issued to an identity for a role, checked on SigV4-signed requests
(STS GetCallerIdentity, ``identity.verifier``), revocable.

Credentials look like STS's: an ``ASIA…`` access key id, a 40-character secret and a
session token (``X-Amz-Security-Token``), one hour by default (reference §6). The secret is
stored encrypted, because verifying a signature needs it; the session token only as a keyed
digest, because it is only compared.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from api import sigv4
from core import crypto
from core.errors import (
    CognitoError,
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
    RequestExpired,
    UnrecognizedClientException,
)
from identity import rows
from identity.models import Identity, IssuedCredential

DEFAULT_LIFETIME = dt.timedelta(hours=1)
SESSION_TOKEN_PURPOSE = "identity-session-token"


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_key: str
    session_token: str
    expiration: dt.datetime


class CredentialError(Exception):
    """Why a request signed with issued credentials is refused, in STS's terms: ``code`` is
    the ``Error/Code`` of STS's XML errors (and API Gateway's ``x-amzn-ErrorType``)."""

    def __init__(self, code: str, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


# The SigV4 checker's errors under the names STS answers them with.
_STS_CODES: dict[type[CognitoError], str] = {
    MissingAuthenticationTokenException: "MissingAuthenticationToken",
    IncompleteSignatureException: "IncompleteSignature",
    InvalidSignatureException: "SignatureDoesNotMatch",
    RequestExpired: "RequestExpired",
    UnrecognizedClientException: "InvalidClientTokenId",
}
INVALID_TOKEN = "The security token included in the request is invalid."
EXPIRED_TOKEN = "The security token included in the request is expired"


def lifetime() -> dt.timedelta:
    seconds = getattr(settings, "IDENTITY_CREDENTIALS_SECONDS", None)
    return dt.timedelta(seconds=seconds) if seconds else DEFAULT_LIFETIME


def issue_credentials(
    *,
    identity: Identity,
    role_arn: str,
    session_name: str = "",
    duration: dt.timedelta | None = None,
) -> Credentials:
    """New credentials for ``identity`` acting as ``role_arn``."""
    # 80 and 240 random bits, in STS's alphabets (base32 key ids, base64 secrets).
    access_key_id = "ASIA" + base64.b32encode(secrets.token_bytes(10)).decode()
    secret_key = base64.b64encode(secrets.token_bytes(30)).decode()
    session_token = secrets.token_urlsafe(96)
    expiration = (timezone.now() + (duration or lifetime())).replace(microsecond=0)
    rows.insert_credential(
        IssuedCredential(
            access_key_id=access_key_id,
            secret_encrypted=crypto.encrypt(secret_key),
            session_token_digest=crypto.keyed_digest(session_token, SESSION_TOKEN_PURPOSE),
            identity=identity,
            role_arn=role_arn,
            session_name=session_name or identity.id,
            expiration=expiration,
        )
    )
    return Credentials(access_key_id, secret_key, session_token, expiration)


@transaction.atomic
def revoke_credentials(*, identity: Identity) -> int:
    """Every unexpired credential of ``identity`` stops working; returns how many."""
    now = timezone.now()
    return IssuedCredential.objects.filter(
        identity=identity, revoked__isnull=True, expiration__gt=now
    ).update(revoked=now)


def authenticate_request(
    request: HttpRequest, body: bytes, *, service: str | None = None
) -> IssuedCredential:
    """The issued credential a SigV4-signed request was made with, or CredentialError.

    ``service``, when given, is the only service name the credential scope may carry (STS
    requires ``sts``); without it any service is accepted, as ``identity.verifier``
    documents. The signature is checked first (so a stranger learns nothing about a key
    id), then the session token, revocation and expiry.
    """
    found: dict[str, IssuedCredential] = {}

    def lookup(access_key_id: str) -> str | None:
        rows = (
            IssuedCredential.objects.select_related("identity")
            .filter(access_key_id=access_key_id)
            .order_by()[:1]
        )
        row = next(iter(rows), None)
        if row is None:
            return None
        found["row"] = row
        return row.get_secret()

    try:
        signed = sigv4.verify(request, body, lookup, service=service)
    except CognitoError as exc:
        code = _STS_CODES.get(type(exc), "InvalidClientTokenId")
        message = INVALID_TOKEN if code == "InvalidClientTokenId" else exc.message
        status = 400 if code in ("IncompleteSignature", "MissingAuthenticationToken") else 403
        raise CredentialError(code, message, status) from exc
    row = found["row"]
    if not signed.session_token or not crypto.digest_matches(
        signed.session_token, row.session_token_digest, SESSION_TOKEN_PURPOSE
    ):
        raise CredentialError("InvalidClientTokenId", INVALID_TOKEN)
    if row.revoked is not None:
        raise CredentialError("InvalidClientTokenId", INVALID_TOKEN)
    if row.expiration <= timezone.now():
        raise CredentialError("ExpiredToken", EXPIRED_TOKEN)
    return row


def role_name(role_arn: str) -> str:
    return role_arn.rsplit("/", 1)[-1]


def role_account(role_arn: str) -> str:
    parts = role_arn.split(":")
    return parts[4] if len(parts) > 5 and parts[4] else settings.AWS_ACCOUNT_ID


def assumed_role_arn(row: IssuedCredential) -> str:
    """``arn:aws:sts::<account>:assumed-role/<role name>/<session name>``."""
    return (
        f"arn:aws:sts::{role_account(row.role_arn)}:assumed-role/"
        f"{role_name(row.role_arn)}/{row.session_name}"
    )


def role_id(role_arn: str) -> str:
    """A stable ``AROA…`` id for a role: IAM's unique ids are 21 characters."""
    return "AROA" + crypto.keyed_digest(role_arn, "identity-role-id")[:17].upper()
