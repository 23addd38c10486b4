"""The STS actions identity-pool credentials are used with, on the same ``POST /``: AWS
Query protocol in (form body ``Action=…&Version=2011-06-15``), STS's XML out.

- ``GetCallerIdentity``, SigV4-signed with issued credentials (``X-Amz-Security-Token``):
  who they belong to, as ``arn:aws:sts::<account>:assumed-role/<role>/<session>``.
- ``AssumeRoleWithWebIdentity``, unsigned: the basic (classic) flow's second step, trading
  an OpenID token from GetOpenIdToken for credentials of a role the identity pool grants.

Errors are STS's ``ErrorResponse/Error/{Type,Code,Message}`` with its codes:
``InvalidClientTokenId`` (unknown or revoked), ``ExpiredToken``, ``SignatureDoesNotMatch``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from collections.abc import Callable
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from identity.models import Identity
from identity.services import credentials, openid, roles
from identity.services.credentials import CredentialError

logger = logging.getLogger("tessera")
NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
VERSION = "2011-06-15"
# AssumeRoleWithWebIdentity's DurationSeconds: 15 minutes to 12 hours, 1 hour by default.
MIN_DURATION = 900
MAX_DURATION = 43200
_DURATION_DIGITS = re.compile(r"[0-9]{1,9}")

Action = Callable[[HttpRequest, bytes, dict[str, str]], str]


def is_query_request(request: HttpRequest) -> bool:
    """A form-encoded ``POST /`` without ``X-Amz-Target``: an AWS Query (STS) call."""
    content_type = request.META.get("CONTENT_TYPE", "")
    return not request.headers.get("X-Amz-Target") and content_type.startswith(
        "application/x-www-form-urlencoded"
    )


def _xml(tag: str, value: object) -> str:
    return f"<{tag}>{escape(str(value))}</{tag}>"


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _response(action: str, result: str, request_id: str) -> HttpResponse:
    body = (
        f'<{action}Response xmlns="{NAMESPACE}">'
        f"<{action}Result>{result}</{action}Result>"
        f"<ResponseMetadata>{_xml('RequestId', request_id)}</ResponseMetadata>"
        f"</{action}Response>"
    )
    response = HttpResponse(body, content_type="text/xml")
    response["x-amzn-RequestId"] = request_id
    return response


def _error(exc: CredentialError, request_id: str) -> HttpResponse:
    kind = "Receiver" if exc.status >= 500 else "Sender"
    body = (
        f'<ErrorResponse xmlns="{NAMESPACE}"><Error>{_xml("Type", kind)}'
        f"{_xml('Code', exc.code)}{_xml('Message', exc.message)}</Error>"
        f"{_xml('RequestId', request_id)}</ErrorResponse>"
    )
    response = HttpResponse(body, status=exc.status, content_type="text/xml")
    response["x-amzn-RequestId"] = request_id
    return response


def get_caller_identity(request: HttpRequest, body: bytes, params: dict[str, str]) -> str:
    row = credentials.authenticate_request(request, body, service="sts")
    return (
        _xml("Arn", credentials.assumed_role_arn(row))
        + _xml("UserId", f"{credentials.role_id(row.role_arn)}:{row.session_name}")
        + _xml("Account", credentials.role_account(row.role_arn))
    )


def _required(params: dict[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        raise CredentialError(
            "ValidationError",
            f"1 validation error detected: Value null at '{name[:1].lower() + name[1:]}' "
            "failed to satisfy constraint: Member must not be null",
            400,
        )
    return value


def _duration(params: dict[str, str]) -> dt.timedelta:
    raw = params.get("DurationSeconds") or "3600"
    # ASCII digits only, and few enough for int(): str.isdigit() also passes "²", which
    # int() refuses, and int() refuses over 4,300 digits.
    seconds = int(raw) if _DURATION_DIGITS.fullmatch(raw) else -1
    if not MIN_DURATION <= seconds <= MAX_DURATION:
        raise CredentialError(
            "ValidationError",
            f"1 validation error detected: Value '{raw}' at 'durationSeconds' failed to satisfy "
            f"constraint: Member must have value between {MIN_DURATION} and {MAX_DURATION}",
            400,
        )
    return dt.timedelta(seconds=seconds)


def assume_role_with_web_identity(request: HttpRequest, body: bytes, params: dict[str, str]) -> str:
    role_arn = _required(params, "RoleArn")
    session_name = _required(params, "RoleSessionName")[:64]
    claims = openid.verify_open_id_token(_required(params, "WebIdentityToken"))
    identity = (
        Identity.objects.select_related("pool").filter(pk=str(claims.get("sub"))).first()
        if claims is not None
        else None
    )
    if claims is None or identity is None or identity.pool_id != claims.get("aud"):
        raise CredentialError("InvalidIdentityToken", "Couldn't verify signed token.", 400)
    pool = identity.pool
    amr = claims.get("amr") or []
    authenticated = "authenticated" in amr
    if pool.allow_classic_flow is False or role_arn not in roles.assumable_roles(
        pool, authenticated=authenticated
    ):
        raise CredentialError(
            "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"
        )
    issued = credentials.issue_credentials(
        identity=identity, role_arn=role_arn, session_name=session_name, duration=_duration(params)
    )
    arn = (
        f"arn:aws:sts::{credentials.role_account(role_arn)}:assumed-role/"
        f"{credentials.role_name(role_arn)}/{session_name}"
    )
    return (
        _xml("SubjectFromWebIdentityToken", identity.id)
        + _xml("Audience", pool.id)
        + "<AssumedRoleUser>"
        + _xml("Arn", arn)
        + _xml("AssumedRoleId", f"{credentials.role_id(role_arn)}:{session_name}")
        + "</AssumedRoleUser><Credentials>"
        + _xml("AccessKeyId", issued.access_key_id)
        + _xml("SecretAccessKey", issued.secret_key)
        + _xml("SessionToken", issued.session_token)
        + _xml("Expiration", _iso(issued.expiration))
        + "</Credentials>"
        + _xml("Provider", openid.issuer())
    )


ACTIONS: dict[str, Action] = {
    "GetCallerIdentity": get_caller_identity,
    "AssumeRoleWithWebIdentity": assume_role_with_web_identity,
}


def handle(request: HttpRequest) -> HttpResponse:
    """Answer one STS Query request; never raises."""
    request_id = str(uuid.uuid4())
    try:
        body = request.read(settings.API_MAX_BODY_BYTES + 1)
        if len(body) > settings.API_MAX_BODY_BYTES:
            raise CredentialError("RequestEntityTooLarge", "Request body is too large.", 413)
        params = dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
        name = params.get("Action", "")
        action = ACTIONS.get(name)
        if action is None:
            raise CredentialError(
                "InvalidAction",
                f"Could not find operation {name} for version {params.get('Version') or VERSION}",
                400,
            )
        return _response(name, action(request, body, params), request_id)
    except CredentialError as exc:
        return _error(exc, request_id)
    except Exception:
        logger.exception("unhandled error in an STS request")
        return _error(CredentialError("InternalFailure", "Internal server error.", 500), request_id)
