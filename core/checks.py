"""Advice-only system checks (must-haves fail at import in settings.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning, register


@register()
def public_url_is_https(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    if settings.PRODUCTION and not settings.PUBLIC_URL.startswith("https://"):
        return [Warning("PUBLIC_URL is not https in production", id="tessera.W001")]
    return []
