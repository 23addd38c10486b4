"""Per-pool OIDC discovery and JWKS: ``/<poolId>/.well-known/{openid-configuration,jwks.json}``.

Public, read-only documents: any origin may fetch them (CORS ``*`` is safe for resources
without credentials, RFC 9700 §2.6 leaves them out of its concern) and caches may keep them
for a few minutes. The JWKS lists retired keys until their tokens expire, so a verifier
with a cached copy keeps working across a rotation; PyJWT's PyJWKClient and aws-jwt-verify
refetch when they meet an unknown ``kid``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.models import UserPool
from oauth import claims
from oauth.services import keys

CACHE_SECONDS = 300

View = Callable[[HttpRequest, str], HttpResponse]


def _public_document(view: Callable[[HttpRequest, str], dict[str, Any]]) -> View:
    # Read-only: a POST is answered 405 by the method check, not 403 by the CSRF check.
    @csrf_exempt
    @require_http_methods(["GET", "HEAD", "OPTIONS"])
    @wraps(view)
    def wrapper(request: HttpRequest, pool_id: str) -> HttpResponse:
        if request.method == "OPTIONS":
            response: HttpResponse = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response["Access-Control-Max-Age"] = "86400"
        elif not UserPool.objects.filter(pk=pool_id).exists():
            response = JsonResponse({"message": f"User pool {pool_id} does not exist."}, status=404)
        else:
            response = JsonResponse(view(request, pool_id))
            response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapper


@_public_document
def jwks(request: HttpRequest, pool_id: str) -> dict[str, Any]:
    return keys.jwks(pool_id)


@_public_document
def openid_configuration(request: HttpRequest, pool_id: str) -> dict[str, Any]:
    """Cognito's discovery document (reference §3.3), endpoints on this server's origin."""
    issuer = claims.issuer(pool_id)
    origin = settings.PUBLIC_URL
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{origin}/oauth2/authorize",
        "token_endpoint": f"{origin}/oauth2/token",
        "userinfo_endpoint": f"{origin}/oauth2/userInfo",
        "revocation_endpoint": f"{origin}/oauth2/revoke",
        "end_session_endpoint": f"{origin}/logout",
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "response_types_supported": ["code", "token"],
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [keys.ALGORITHM],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
    }
