"""Host-based pool routing, and the OAuth back channel served ahead of the browser stack.

``PoolDomainMiddleware``: a request whose ``Host`` is a pool's domain serves that pool. Sets
``request.tessera_pool`` (the pool, or None on the main origin) and
``request.tessera_domain`` for the hosted UI and the OAuth endpoints. Requests to the
``PUBLIC_URL`` host skip the lookup entirely.

``OAuthBackChannelMiddleware``: ``/oauth2/token``, ``/oauth2/revoke``, ``/oauth2/userInfo``
and each pool's JWKS and discovery document are called by relying parties and single-page
apps with client credentials or bearer tokens, never with cookies, so sessions, language
cookies, CSRF, console authentication and messages mean nothing to them (the views are
CSRF-exempt already). Walking that stack and the URL resolver was a sixth of a refresh
grant's time, which the 600 grants/s per core target (issue 4) cannot spare. It sits right
after ``SecurityMiddleware`` (HSTS, nosniff, Referrer-Policy, the HTTPS redirect) and keeps
what the skipped middleware gave these answers: the ``ALLOWED_HOSTS`` check,
``Content-Length`` and ``X-Frame-Options: DENY``, like ``api.middleware`` does for ``POST /``.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from accounts.models import UserPool
from oauth.services import domains

View = Callable[[HttpRequest], HttpResponse]
PoolView = Callable[[HttpRequest, str], HttpResponse]


def _request_host(request: HttpRequest) -> str:
    # The raw header: get_host() would reject hosts outside ALLOWED_HOSTS with a 400 here,
    # before Django's own check answers it.
    host = request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME") or ""
    return host.rsplit(":", 1)[0] if not host.endswith("]") else host


def attach_pool_domain(request: HttpRequest) -> None:
    """Set ``request.tessera_pool`` and ``request.tessera_domain`` from the ``Host``."""
    host = _request_host(request).lower()
    main_host = (urlsplit(settings.PUBLIC_URL).hostname or "").lower()
    domain = None if host in ("", main_host) else domains.domain_for_host(host)
    pool = UserPool.objects.filter(pk=domain.pool_id).first() if domain else None
    request.tessera_domain = domain if pool is not None else None  # type: ignore[attr-defined]
    request.tessera_pool = pool  # type: ignore[attr-defined]


class PoolDomainMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # /healthz serves no pool, and probes call it by any host name: a lookup here would
        # turn "database down" into a 500 instead of its 503 (CONTRACT.md).
        if request.path_info != "/healthz":
            attach_pool_domain(request)
        return self.get_response(request)


WELL_KNOWN = "/.well-known/"


class OAuthBackChannelMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        # Imported here: the views pull in the hosted UI, which needs the app registry.
        from oauth import views, views_oauth

        self.get_response = get_response
        # Fixed paths no earlier URL pattern can shadow (tests/oauth/test_hot_paths.py
        # checks they resolve to these views).
        self.views: dict[str, View] = {
            "/oauth2/token": views_oauth.token,
            "/oauth2/revoke": views_oauth.revoke,
            "/oauth2/userInfo": views_oauth.userinfo,
        }
        self.pool_views: frozenset[PoolView] = frozenset({views.jwks, views.openid_configuration})

    def _route(self, request: HttpRequest) -> View | None:
        path = request.path_info
        view = self.views.get(path)
        if view is not None:
            return view
        if WELL_KNOWN not in path:
            return None
        # Resolved, not matched here: /cognito-identity/.well-known/… is the identity app's.
        try:
            match = resolve(path, getattr(request, "urlconf", None))
        except Resolver404:
            return None
        if match.func not in self.pool_views:
            return None
        return lambda request: match.func(request, *match.args, **match.kwargs)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = self._route(request)
        if view is None:
            return self.get_response(request)
        request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware would check it
        attach_pool_domain(request)
        response = view(request)
        if not response.streaming and "Content-Length" not in response:
            response["Content-Length"] = str(len(response.content))
        response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        return response
