"""The identity service's own discovery and JWKS: where GetOpenIdToken's tokens are checked.

``$PUBLIC_URL/cognito-identity/.well-known/openid-configuration`` and ``…/jwks_uri`` mirror
``https://cognito-identity.amazonaws.com/.well-known/{openid-configuration,jwks_uri}``.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from identity.services import openid

CACHE_SECONDS = 300


def _public(document: Mapping[str, object]) -> JsonResponse:
    response = JsonResponse(dict(document))
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@csrf_exempt
@require_http_methods(["GET", "HEAD"])
def openid_configuration(request: HttpRequest) -> JsonResponse:
    return _public(openid.discovery())


@csrf_exempt
@require_http_methods(["GET", "HEAD"])
def jwks(request: HttpRequest) -> JsonResponse:
    return _public(openid.jwks())
