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


CONSOLE_EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"


@register()
def codes_printed_to_the_log_in_production(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """The console mail backend and SMS sender (the embedded defaults when EMAIL_URL or
    SMS_SENDER is unset) print every code and temporary password to the server's log.
    In production that is worth a warning on every migrate/check, not a refusal to start:
    the contract requires only SECRET_KEY (CONTRACT.md)."""
    if not settings.PRODUCTION:
        return []
    found: list[CheckMessage] = []
    if settings.EMAIL_BACKEND == CONSOLE_EMAIL_BACKEND:
        found.append(
            Warning(
                "Mail goes to the console in production: codes and temporary passwords are "
                "printed to the log.",
                hint="Set EMAIL_URL=smtp://host:port (or smtp+tls://user:pass@host:port).",
                id="tessera.W002",
            )
        )
    if settings.SMS_SENDER == "console":
        found.append(
            Warning(
                "Text messages go to the console in production: MFA codes are printed to the log.",
                hint="Set SMS_SENDER=webhook with SMS_WEBHOOK_URL and SMS_WEBHOOK_SECRET.",
                id="tessera.W003",
            )
        )
    return found
