"""Serves the JSON API at ``POST /`` ahead of the session/CSRF stack, with CORS.

Browser SDKs (amazon-cognito-identity-js, Amplify) call the API cross-origin, so the
preflight is answered here and every API answer carries CORS headers (reference §1.1).
The hosted UI and OAuth pages never get these headers (RFC 9700 §2.6).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from api import protocol
from core.errors import UnknownOperationException
from identity.services import sts

EXPOSED = "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, Date"


def _cors(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = request.headers.get("Origin") or "*"
    response["Access-Control-Expose-Headers"] = EXPOSED
    response["Access-Control-Max-Age"] = "86400"
    response["Vary"] = "Origin"
    return response


class CognitoApiMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path != "/":
            return self.get_response(request)
        if request.method == "OPTIONS":
            response = HttpResponse(status=200)
            response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
            requested = request.headers.get("Access-Control-Request-Headers", "")
            response["Access-Control-Allow-Headers"] = (
                requested or "content-type, x-amz-target, x-amz-user-agent, authorization"
            )
            return _cors(request, response)
        if request.method == "POST":
            if sts.is_query_request(request):  # STS (AWS Query) for issued credentials
                return _cors(request, sts.handle(request))
            return _cors(request, protocol.dispatch(request))
        if request.method not in ("GET", "HEAD") or request.headers.get("X-Amz-Target"):
            # Still the JSON API, sent with the wrong method: its error shape, not the
            # service index or the CSRF page (CONTRACT.md, "Errors").
            error = UnknownOperationException(
                f"Unsupported HTTP method {request.method}: the API is called with POST."
            )
            return _cors(request, protocol.render_error(error, str(uuid.uuid4())))
        return self.get_response(request)
