"""The admin console for SigV4 access keys.

Adding a key in the console issues it like ``manage.py create_access_key``: the secret is
rendered once, in the response to the add form itself (never redirected through messages or
the session), and no page shows it afterwards. Keys are deactivated rather than edited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from api.models import AccessKey
from core import crypto, ids


@admin.register(AccessKey)
class AccessKeyAdmin(admin.ModelAdmin):
    list_display = ("access_key_id", "description", "active", "created", "last_used")
    list_filter = ("active",)
    search_fields = ("access_key_id", "description")
    actions = ("deactivate",)

    def get_fields(self, request: HttpRequest, obj: AccessKey | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("description",)
        return ("access_key_id", "description", "active", "created", "last_used")

    def get_readonly_fields(self, request: HttpRequest, obj: AccessKey | None = None) -> list[str]:
        if obj is None:
            return []
        return ["access_key_id", "active", "created", "last_used"]

    def save_model(self, request: HttpRequest, obj: AccessKey, form: Any, change: bool) -> None:
        if not change:
            secret = ids.new_secret_access_key()
            obj.secret_encrypted = crypto.encrypt(secret)
            # Read back by response_add on this same request only.
            request._issued_access_key_secret = secret  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def response_add(
        self, request: HttpRequest, obj: AccessKey, post_url_continue: str | None = None
    ) -> HttpResponse:
        secret = getattr(request, "_issued_access_key_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Access key issued",
            "access_key": obj,
            "secret_access_key": secret,
        }
        response = TemplateResponse(request, "admin/api/accesskey/issued.html", context)
        # The one page showing the secret must not be kept by a browser or proxy cache.
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Deactivate selected access keys", permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[AccessKey]) -> None:
        count = queryset.filter(active=True).update(active=False)
        self.message_user(request, f"Deactivated {count} access key(s).", messages.SUCCESS)
