from __future__ import annotations

from django.apps import AppConfig


class OauthConfig(AppConfig):
    name = "oauth"
    verbose_name = "App clients and tokens"
    default_auto_field = "django.db.models.BigAutoField"
