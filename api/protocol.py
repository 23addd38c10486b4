"""The AWS JSON 1.1 wire: parse ``POST /``, dispatch ``X-Amz-Target``, render the answer.

Every exception is caught here, at this one boundary: a CognitoError renders from its class
attributes as ``{"__type", "message"}`` plus ``x-amzn-ErrorType``; anything else is logged
and becomes InternalErrorException. No other code writes an API error body.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import uuid
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from api import registry, sigv4
from api.models import AccessKey
from api.validation import validate_input
from core.errors import (
    CognitoError,
    InternalErrorException,
    RequestEntityTooLargeException,
    SerializationException,
    UnknownOperationException,
)

logger = logging.getLogger("tessera")
CONTENT_TYPE = "application/x-amz-json-1.1"


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return round(value.timestamp(), 3)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")


def render(body: dict[str, Any], request_id: str, status: int = 200) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, default=_default, separators=(",", ":")),
        status=status,
        content_type=CONTENT_TYPE,
    )
    response["x-amzn-RequestId"] = request_id
    return response


def render_error(exc: CognitoError, request_id: str) -> HttpResponse:
    response = render({"__type": exc.type_name, "message": exc.message}, request_id, exc.status)
    response["x-amzn-ErrorType"] = f"{exc.type_name}:"
    for name, value in exc.extra_headers.items():
        response[name] = value
    return response


# How stale AccessKey.last_used may be: one write a minute per key, not one per request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def _authenticate_access_key(
    request: HttpRequest, body: bytes, service: str
) -> tuple[AccessKey, str]:
    """Verify the SigV4 signature, scoped to ``service``'s signing name, against an active
    access key (one indexed query)."""
    found: dict[str, AccessKey] = {}

    def lookup(access_key_id: str) -> str | None:
        key = AccessKey.objects.filter(access_key_id=access_key_id, active=True).first()
        if key is None:
            return None
        found["key"] = key
        return key.get_secret()

    identity = sigv4.verify(request, body, lookup, service=registry.BOTOCORE_NAMES[service])
    key = found["key"]
    now = timezone.now()
    if key.last_used is None or now - key.last_used > LAST_USED_RESOLUTION:
        AccessKey.objects.filter(pk=key.pk).update(last_used=now)
    return key, identity.region


def _read_body(request: HttpRequest) -> bytes:
    length = request.META.get("CONTENT_LENGTH") or "0"
    try:
        declared = int(length)
    except ValueError:
        declared = 0
    if declared > settings.API_MAX_BODY_BYTES:
        raise RequestEntityTooLargeException()
    body = request.read(settings.API_MAX_BODY_BYTES + 1)
    if len(body) > settings.API_MAX_BODY_BYTES:
        raise RequestEntityTooLargeException()
    return body


# json.loads joins escaped surrogate pairs into one code point, so a surrogate left in a
# parsed string is a lone one ("\ud800"): valid JSON, but no UTF-8 encoding exists for it,
# and every hash, database write or token that touched it would fail.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_lone_surrogate(value: Any) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _parse(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        params = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        # RecursionError: nesting deeper than the interpreter's stack (b"[" * 100_000).
        raise SerializationException() from exc
    if not isinstance(params, dict):
        raise SerializationException("Request body must be a JSON object.")
    if _has_lone_surrogate(params):
        raise SerializationException("Request body contains a string that is not valid Unicode.")
    return params


def _resolve(target: str) -> registry.Action:
    service, _, name = target.partition(".")
    found = registry.ACTIONS.get((service, name))
    if found is None:
        raise UnknownOperationException(
            f"Unknown operation {target!r}" if target else "Missing X-Amz-Target header."
        )
    return found


def dispatch(request: HttpRequest) -> HttpResponse:
    request_id = str(uuid.uuid4())
    try:
        body = _read_body(request)
        found = _resolve(request.headers.get("X-Amz-Target", ""))
        ctx = registry.RequestContext(
            request=request,
            request_id=request_id,
            service=found.service,
            action=found.name,
            region=settings.AWS_REGION,
        )
        if found.auth is registry.Auth.SIGV4:
            ctx.access_key, ctx.region = _authenticate_access_key(request, body, found.service)
        params = _parse(body)
        validate_input(params, registry.operation_model(found.service, found.name).input_shape)
        result = found.handler(params, ctx)
        return render(result or {}, request_id)
    except CognitoError as exc:
        return render_error(exc, request_id)
    except Exception:
        logger.exception("unhandled error in %s", request.headers.get("X-Amz-Target"))
        return render_error(InternalErrorException(), request_id)
