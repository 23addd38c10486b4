"""/healthz: each dependency's state; 503 when the database is down (CONTRACT.md)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

logger = logging.getLogger("tessera")


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("healthz: database check failed")
        return "down"
    return "ok"


def _cache_state() -> str:
    try:
        cache.set("tessera:healthz", "1", 5)
        return "ok" if cache.get("tessera:healthz") == "1" else "down"
    except Exception:
        logger.exception("healthz: cache check failed")
        return "down"


def _broker_state() -> str:
    if not settings.REDIS_URL:
        return "in-process"
    try:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1).ping()
    except Exception:
        logger.exception("healthz: broker check failed")
        return "down"
    return "ok"


@require_safe  # GET, and HEAD for load-balancer probes
def healthz(request: HttpRequest) -> JsonResponse:
    database = _database_state()
    checks = {
        "database": {"state": database, "engine": connection.vendor},
        "cache": {"state": _cache_state(), "backend": "redis" if settings.REDIS_URL else "locmem"},
        "broker": {"state": _broker_state()},
        "mail": {"state": "smtp" if settings.EMAIL_URL else "console"},
    }
    healthy = database == "ok"
    body = {"status": "ok" if healthy else "unavailable", "checks": checks}
    return JsonResponse(body, status=200 if healthy else 503)
