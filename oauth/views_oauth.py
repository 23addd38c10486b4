"""OAuth 2.0 / OpenID Connect endpoints at Cognito's paths (reference §4):
``/oauth2/authorize``, ``/oauth2/token``, ``/oauth2/userInfo``, ``/oauth2/revoke``, Cognito's
``/logout`` and the standard RP-initiated logout (``/<poolId>/logout``, the discovery
document's ``end_session_endpoint``).

Views only parse HTTP and shape answers; the rules live in ``oauth.services.authorize``
and ``oauth.services.grants``. These endpoints are written on django-oauth-toolkit's
models (Grant, AccessToken, RefreshToken) rather than its oauthlib views: per-pool
clients, Cognito's scope rules and the token service's JWTs would override nearly every
oauthlib hook, and its request pipeline alone costs more than the 600 grants/s per core
target allows. Redirects are 303 (RFC 9700 §4.12); the authorization endpoint sends no
CORS headers (RFC 9700 §2.6) while the token, UserInfo and revocation endpoints, which
single-page apps call, allow any origin (they use no cookies).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from functools import wraps
from urllib.parse import unquote_plus, urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext_noop
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from accounts.models import UserPool
from accounts.services import hosted_session
from accounts.services.hosted_session import SignIn
from accounts.views import hosted_ui
from oauth import claims as token_claims
from oauth.models import AppClient
from oauth.services import grants, keys
from oauth.services.authorize import (
    AuthorizeError,
    AuthorizeRequest,
    redirect_uri_registered,
    validate_authorize_request,
    with_response_parameters,
)
from oauth.services.grants import OAuthError

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def _see_other(url: str) -> HttpResponseRedirect:
    return hosted_ui.ClientRedirect(url)


def _host_pool(request: HttpRequest) -> UserPool | None:
    return getattr(request, "tessera_pool", None)


def _params(request: HttpRequest) -> dict[str, str]:
    source = request.POST if request.method == "POST" else request.GET
    return {key: source.get(key, "") for key in source}


# --- /oauth2/authorize --------------------------------------------------------------------
def _signed_in_recently(request: HttpRequest, auth: AuthorizeRequest) -> SignIn | None:
    sign_in = hosted_session.current_sign_in(request, auth.pool)
    if sign_in is None or auth.max_age is None:
        return sign_in
    # OIDC Core §3.1.2.1 max_age: whole seconds since the sign-in.
    elapsed = int((timezone.now() - sign_in.auth_time).total_seconds())
    return sign_in if elapsed <= auth.max_age else None


def _authorize(request: HttpRequest, auth: AuthorizeRequest) -> HttpResponse:
    sign_in = _signed_in_recently(request, auth)
    if "none" in auth.prompt:
        if sign_in is None:
            raise auth.error("login_required", "The user is not signed in.")
    elif sign_in is None or "login" in auth.prompt:
        # The hosted UI signs the user in and comes back here without ``prompt``.
        return _see_other(f"/login?{auth.query_string()}")
    url = grants.authorization_response(auth, user=sign_in.user, auth_time=sign_in.auth_time)
    return _see_other(url)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters()
@sensitive_variables()
def authorize(request: HttpRequest) -> HttpResponse:
    """GET, and POST as OIDC Core §3.1.2.1 allows. A bad client or redirect URI gets the
    error page; every other error goes back to the client."""
    try:
        auth = validate_authorize_request(_params(request), host_pool=_host_pool(request))
        return _authorize(request, auth)
    except AuthorizeError as exc:
        if exc.redirectable:
            return _see_other(exc.redirect_url())
        return hosted_ui.error_page(request, hosted_ui.authorize_error_message(exc))


# --- token, revocation and UserInfo -------------------------------------------------------
JsonView = Callable[[HttpRequest], HttpResponse]


def _json_endpoint(view: Callable[[HttpRequest], HttpResponse]) -> JsonView:
    """POST-only back-channel endpoints: CORS for any origin, OAuthError as RFC 6749 §5.2."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        if request.method == "OPTIONS":
            response: HttpResponse = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
            response["Access-Control-Max-Age"] = "86400"
        elif request.method != "POST":
            response = _oauth_error(OAuthError("invalid_request", "Use POST."), status=405)
            response["Allow"] = "POST, OPTIONS"
        else:
            try:
                response = view(request)
            except OAuthError as exc:
                response = _oauth_error(exc)
        response["Access-Control-Allow-Origin"] = "*"
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response

    return wrapper


def _oauth_error(exc: OAuthError, *, status: int | None = None) -> JsonResponse:
    response = JsonResponse(exc.body(), status=status or exc.status)
    if exc.status == 401 and exc.error == "invalid_client":
        response["WWW-Authenticate"] = 'Basic realm="oauth2"'
    return response


def _basic_credentials(request: HttpRequest) -> tuple[str, str] | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_client", "Malformed Basic credentials.", status=401) from None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise OAuthError("invalid_client", "Malformed Basic credentials.", status=401)
    # RFC 6749 §2.3.1: both parts are form-urlencoded before encoding.
    return unquote_plus(client_id), unquote_plus(secret)


def _form(request: HttpRequest) -> Mapping[str, str]:
    if request.content_type != FORM_CONTENT_TYPE:
        raise OAuthError("invalid_request", f"The body must be {FORM_CONTENT_TYPE}.")
    # RFC 6749 §3.2: no parameter more than once (§5.2 invalid_request), rather than
    # guessing which of two codes, tokens or client ids was meant.
    repeated = sorted(name for name, values in request.POST.lists() if len(values) > 1)
    if repeated:
        raise OAuthError("invalid_request", f"Repeated parameter: {', '.join(repeated)}.")
    return request.POST


def _client(request: HttpRequest, form: Mapping[str, str]) -> AppClient:
    """client_secret_basic, client_secret_post, or a public client's client_id; using
    two methods at once is refused (RFC 6749 §2.3)."""
    basic = _basic_credentials(request)
    secret: str | None
    if basic is not None:
        if "client_secret" in form:
            raise OAuthError("invalid_request", "Use one client authentication method.")
        if form.get("client_id") not in (None, basic[0]):
            raise OAuthError("invalid_request", "client_id does not match the credentials.")
        client_id, secret = basic
    else:
        client_id, secret = form.get("client_id", ""), form.get("client_secret") or None
    return grants.authenticate_client(
        client_id=client_id, client_secret=secret, host_pool=_host_pool(request)
    )


@_json_endpoint
@sensitive_post_parameters()
@sensitive_variables()
def token(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    grant_type = form.get("grant_type")
    if not grant_type:
        raise OAuthError("invalid_request", "The grant_type parameter is required.")
    if grant_type not in ("authorization_code", "refresh_token", "client_credentials"):
        raise OAuthError("unsupported_grant_type", f"Unsupported grant_type: {grant_type}")
    client = _client(request, form)
    if grant_type == "authorization_code":
        code = form.get("code")
        if not code:
            raise OAuthError("invalid_request", "The code parameter is required.")
        body = grants.redeem_authorization_code(
            client=client,
            code=code,
            redirect_uri=form.get("redirect_uri"),
            code_verifier=form.get("code_verifier"),
        )
    elif grant_type == "refresh_token":
        refresh_token = form.get("refresh_token")
        if not refresh_token:
            raise OAuthError("invalid_request", "The refresh_token parameter is required.")
        body = grants.refresh_token_grant(client=client, refresh_token=refresh_token)
    else:
        body = grants.client_credentials_grant(client=client, scope=form.get("scope"))
    return JsonResponse(body)


@_json_endpoint
@sensitive_post_parameters()
@sensitive_variables()
def revoke(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    client = _client(request, form)
    value = form.get("token")
    if not value:
        raise OAuthError("invalid_request", "The token parameter is required.")
    grants.revoke(client=client, token=value)
    return HttpResponse(status=200)


def _bearer_token(request: HttpRequest) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    from_header = value.strip() if scheme.lower() == "bearer" and value.strip() else None
    from_body = None
    if request.method == "POST" and request.content_type == FORM_CONTENT_TYPE:
        from_body = request.POST.get("access_token") or None
    if from_header and from_body:
        # RFC 6750 §2: one method per request.
        raise OAuthError("invalid_request", "Send the access token once.")
    return from_header or from_body


def _userinfo_error(exc: OAuthError) -> JsonResponse:
    response = JsonResponse(exc.body(), status=exc.status)
    response["WWW-Authenticate"] = (
        f'Bearer error="{exc.error}", error_description="{exc.description}"'
    )
    return response


@csrf_exempt
@sensitive_post_parameters()
@sensitive_variables()
def userinfo(request: HttpRequest) -> HttpResponse:
    """OIDC Core §5.3, GET or POST; errors per RFC 6750 §3 in ``WWW-Authenticate``. Other
    methods get a JSON 405 like the token endpoint's, not Django's empty HTML one."""
    if request.method == "OPTIONS":
        response: HttpResponse = HttpResponse(status=204)
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        response["Access-Control-Max-Age"] = "86400"
    elif request.method not in ("GET", "POST"):
        response = _oauth_error(OAuthError("invalid_request", "Use GET or POST."), status=405)
        response["Allow"] = "GET, POST, OPTIONS"
    else:
        try:
            access_token = _bearer_token(request)
            if access_token is None:
                response = JsonResponse({"error": "invalid_token"}, status=401)
                # RFC 6750 §3.1: no error code when the request carried no token.
                response["WWW-Authenticate"] = 'Bearer realm="userinfo"'
            else:
                response = JsonResponse(
                    grants.userinfo(access_token, host_pool=_host_pool(request))
                )
        except OAuthError as exc:
            response = _userinfo_error(exc)
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "no-store"
    return response


# --- logout -------------------------------------------------------------------------------
def _signed_out(response: HttpResponse, request: HttpRequest, pool: UserPool) -> HttpResponse:
    hosted_session.end_sign_in(request, response, pool)
    return response


@require_http_methods(["GET"])
def logout(request: HttpRequest) -> HttpResponse:
    """Cognito's ``/logout`` (reference §4): ``client_id`` with ``logout_uri`` exactly one
    of the client's LogoutURLs signs out and goes there; with ``redirect_uri`` (a
    CallbackURL) and ``response_type`` it signs out and goes to ``/login`` to sign in
    again. Anything else is an error page and signs nobody out."""
    params = _params(request)
    client = (
        AppClient.objects.select_related("pool")
        .filter(client_id=params.get("client_id", ""))
        .first()
    )
    host_pool = _host_pool(request)
    if client is None or (host_pool is not None and client.pool_id != host_pool.id):
        return hosted_ui.error_page(request, gettext_noop("The app client does not exist."))
    logout_uri = params.get("logout_uri")
    if logout_uri:
        if logout_uri not in (client.logout_urls or []):
            return hosted_ui.error_page(
                request, gettext_noop("The logout_uri is not registered for this app client.")
            )
        return _signed_out(_see_other(logout_uri), request, client.pool)
    redirect_uri = params.get("redirect_uri")
    if redirect_uri and params.get("response_type"):
        if not redirect_uri_registered(client, redirect_uri):
            return hosted_ui.error_page(
                request, gettext_noop("The redirect_uri is not registered for this app client.")
            )
        query = urlencode([(k, v) for k, v in params.items() if k != "logout_uri"])
        return _signed_out(_see_other(f"/login?{query}"), request, client.pool)
    return hosted_ui.error_page(
        request, gettext_noop("A logout_uri or a redirect_uri is required.")
    )


class _EndSessionError(Exception):
    """A refused logout request; its message is English marked for translation."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


INVALID_HINT = gettext_noop("The id_token_hint is not valid.")


def _hint_client(pool: UserPool, hint: str, client_id: str | None) -> AppClient:
    """The client an ``id_token_hint`` was issued to: an ID token of this pool, signed by
    its key (expired is fine: OIDC RP-Initiated Logout §2)."""
    try:
        verified = keys.verify(hint)
    except keys.InvalidTokenError as exc:
        raise _EndSessionError(INVALID_HINT) from exc
    found = verified.claims
    if (
        verified.pool_id != pool.id
        or verified.purpose != keys.Purpose.ID
        or found.get("token_use") != "id"
        or found.get("iss") != token_claims.issuer(pool.id)
    ):
        raise _EndSessionError(INVALID_HINT)
    audience = str(found.get("aud", ""))
    if client_id is not None and client_id != audience:
        raise _EndSessionError(gettext_noop("The client_id does not match the id_token_hint."))
    client = AppClient.objects.filter(pool=pool, client_id=audience).first()
    if client is None:
        raise _EndSessionError(INVALID_HINT)
    return client


@csrf_exempt
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters()
@sensitive_variables()
def end_session(request: HttpRequest, pool_id: str) -> HttpResponse:
    """OpenID Connect RP-Initiated Logout 1.0 for one pool. A post_logout_redirect_uri
    is followed only with a valid id_token_hint and an exact LogoutURLs match; a bad hint
    or URI gets the error page and signs nobody out (ASVS 10.6.2); without a URI the
    user is signed out and shown the signed-out page."""
    pool = UserPool.objects.filter(pk=pool_id).first()
    host_pool = _host_pool(request)
    if pool is None or (host_pool is not None and host_pool.id != pool.id):
        return hosted_ui.error_page(
            request, gettext_noop("The user pool does not exist."), status=404
        )
    params = _params(request)
    hint = params.get("id_token_hint") or None
    redirect_uri = params.get("post_logout_redirect_uri") or None
    client_id = params.get("client_id") or None
    try:
        client = _hint_client(pool, hint, client_id) if hint else None
        if client is None and client_id is not None:
            client = AppClient.objects.filter(pool=pool, client_id=client_id).first()
        if redirect_uri is not None:
            if hint is None or client is None:
                raise _EndSessionError(
                    gettext_noop("A post_logout_redirect_uri needs an id_token_hint.")
                )
            if redirect_uri not in (client.logout_urls or []):
                raise _EndSessionError(
                    gettext_noop(
                        "The post_logout_redirect_uri is not registered for this app client."
                    )
                )
    except _EndSessionError as exc:
        return hosted_ui.error_page(request, exc.message)
    if redirect_uri is None:
        return _signed_out(hosted_ui.signed_out_page(request, client), request, pool)
    state = params.get("state")
    target = (
        with_response_parameters(redirect_uri, {"state": state}, fragment=False)
        if state
        else redirect_uri
    )
    return _signed_out(_see_other(target), request, pool)
