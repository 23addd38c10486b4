"""Per-pool OIDC discovery and JWKS: ``/<poolId>/.well-known/{openid-configuration,jwks.json}``.

Public, read-only documents without credentials: any origin may fetch them (CORS ``*``,
which RFC 9700 §2.6 allows for these endpoints, unlike the authorization endpoint), and
caches may keep them for a few minutes. The JWKS lists retired keys until their tokens
expire, so a verifier with a cached copy keeps working across a rotation; PyJWT's
PyJWKClient and aws-jwt-verify refetch when they meet an unknown ``kid``.
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
from oauth.services import domains, keys

CACHE_SECONDS = 300
# What ID tokens and UserInfo can carry (reference §3.1); custom:* attributes come too.
CLAIMS_SUPPORTED = [
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "at_hash",
    "token_use",
    "cognito:username",
    "cognito:groups",
    "username",
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "email",
    "email_verified",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "phone_number",
    "phone_number_verified",
    "address",
    "updated_at",
]

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


def _origin(request: HttpRequest, pool_id: str) -> str:
    """Where this pool's endpoints live: the pool's domain when the request came to it,
    else ``$PUBLIC_URL`` (the issuer stays ``$PUBLIC_URL/<poolId>`` either way)."""
    domain = getattr(request, "tessera_domain", None)
    if domain is not None and domain.pool_id == pool_id:
        return domains.origin(domain)
    return str(settings.PUBLIC_URL)


@_public_document
def openid_configuration(request: HttpRequest, pool_id: str) -> dict[str, Any]:
    """Cognito's discovery document (reference §3.3) plus what OIDC Discovery and RFC 8414
    let clients detect: the RP-initiated logout endpoint, S256-only PKCE (RFC 9700
    §2.1.1), ``iss`` in authorization responses (RFC 9207), and no request objects."""
    issuer = claims.issuer(pool_id)
    origin = _origin(request, pool_id)
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{origin}/oauth2/authorize",
        "token_endpoint": f"{origin}/oauth2/token",
        "userinfo_endpoint": f"{origin}/oauth2/userInfo",
        "revocation_endpoint": f"{origin}/oauth2/revoke",
        "end_session_endpoint": f"{origin}/{pool_id}/logout",
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "response_types_supported": ["code", "token"],
        "response_modes_supported": ["query", "fragment"],
        "grant_types_supported": [
            "authorization_code",
            "implicit",
            "refresh_token",
            "client_credentials",
        ],
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [keys.ALGORITHM],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
        ],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": CLAIMS_SUPPORTED,
        "prompt_values_supported": ["none", "login"],
        "ui_locales_supported": ["en", "zh-Hans"],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
    }
