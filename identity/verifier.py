"""Protect your own HTTP API with identity-pool credentials, the way API Gateway's IAM
authorization does: the client signs each request with SigV4 using the temporary
credentials GetCredentialsForIdentity gave it (any service name and region in the scope,
``X-Amz-Security-Token`` carrying the session token); the server checks the signature
against the credentials this server issued and learns which identity, in which role, made
the request.

Use the function anywhere you hold a Django request::

    from identity.verifier import CredentialError, verify_request

    try:
        caller = verify_request(request)
    except CredentialError as exc:
        return JsonResponse({"message": exc.message}, status=exc.status)
    caller.identity_id, caller.role_arn

or install the middleware, which sets ``request.aws_identity`` (a VerifiedIdentity, or
None for an unsigned request) and answers a badly signed, expired or revoked request with
403 and API Gateway's body ``{"message": "..."}`` before your view runs::

    MIDDLEWARE = [..., "identity.verifier.SigV4IdentityMiddleware"]

Views that must not be reached anonymously can be wrapped in ``@identity_required``.

Paths are canonicalized as the SDKs sign them (``api.sigv4._canonical_paths``); a path
with an encoded slash (``%2F``) verifies only behind a server that passes the raw path
(gunicorn's ``RAW_URI``), since WSGI's decoded ``PATH_INFO`` cannot tell it from ``/``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from api import sigv4
from identity.services import credentials
from identity.services.credentials import CredentialError

__all__ = [
    "CredentialError",
    "SigV4IdentityMiddleware",
    "VerifiedIdentity",
    "identity_required",
    "verify_request",
]


@dataclass(frozen=True)
class VerifiedIdentity:
    """Who signed a request: the identity, its pool, the role it acts in."""

    identity_id: str
    identity_pool_id: str
    role_arn: str
    arn: str  # arn:aws:sts::<account>:assumed-role/<role name>/<session name>
    access_key_id: str
    expiration: dt.datetime


def verify_request(request: HttpRequest) -> VerifiedIdentity:
    """Check the SigV4 signature of ``request`` against issued identity-pool credentials.

    Raises CredentialError (``code`` InvalidClientTokenId, ExpiredToken,
    SignatureDoesNotMatch, IncompleteSignature, MissingAuthenticationToken or
    RequestExpired; ``status`` the HTTP status to answer with).
    """
    row = credentials.authenticate_request(request, request.body)
    return VerifiedIdentity(
        identity_id=row.identity_id,
        identity_pool_id=row.identity.pool_id,
        role_arn=row.role_arn,
        arn=credentials.assumed_role_arn(row),
        access_key_id=row.access_key_id,
        expiration=row.expiration,
    )


def _refusal(exc: CredentialError) -> JsonResponse:
    response = JsonResponse({"message": exc.message}, status=exc.status)
    response["x-amzn-ErrorType"] = exc.code
    return response


class SigV4IdentityMiddleware:
    """Sets ``request.aws_identity`` for signed requests; refuses bad signatures."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.aws_identity = None  # type: ignore[attr-defined]
        if sigv4.is_signed(request):
            try:
                request.aws_identity = verify_request(request)  # type: ignore[attr-defined]
            except CredentialError as exc:
                return _refusal(exc)
        return self.get_response(request)


def identity_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse (403, ``Missing Authentication Token``) requests the middleware found unsigned."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "aws_identity", None) is None:
            return _refusal(
                CredentialError(
                    "MissingAuthenticationTokenException", "Missing Authentication Token"
                )
            )
        return view(request, *args, **kwargs)

    return wrapper
