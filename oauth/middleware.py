"""Host-based pool routing: a request whose ``Host`` is a pool's domain serves that pool.

Sets ``request.tessera_pool`` (the pool, or None on the main origin) and
``request.tessera_domain`` for the hosted UI and the OAuth endpoints. Requests to the
``PUBLIC_URL`` host skip the lookup entirely.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from accounts.models import UserPool
from oauth.services import domains


def _request_host(request: HttpRequest) -> str:
    # The raw header: get_host() would reject hosts outside ALLOWED_HOSTS with a 400 here,
    # before Django's own check answers it.
    host = request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME") or ""
    return host.rsplit(":", 1)[0] if not host.endswith("]") else host


class PoolDomainMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        host = _request_host(request).lower()
        main_host = (urlsplit(settings.PUBLIC_URL).hostname or "").lower()
        domain = None if host in ("", main_host) else domains.domain_for_host(host)
        pool = UserPool.objects.filter(pk=domain.pool_id).first() if domain else None
        request.tessera_domain = domain if pool is not None else None  # type: ignore[attr-defined]
        request.tessera_pool = pool  # type: ignore[attr-defined]
        return self.get_response(request)
