"""The admin console for app clients and their tokens.

django-oauth-toolkit registers its own admins for the swapped models (AppClient, Grant,
IDToken, AccessToken, RefreshToken) when its admin module loads, which happens first
(``oauth2_provider`` precedes ``oauth`` in INSTALLED_APPS). Those registrations are replaced
here: DOT's application form would expose and edit ``client_secret``, and grants and ID
token rows say nothing an operator acts on. App clients are shown read-only (settings change
through UpdateUserPoolClient, which validates them); their secret is never rendered.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from oauth2_provider import admin as dot_admin

from accounts.admin import DeleteThroughServiceMixin, console_actor
from oauth.models import AccessToken, AppClient, Grant, IDToken, RefreshToken
from oauth.services import clients as client_services

for _model in (AppClient, Grant, IDToken, AccessToken, RefreshToken):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)

SECRET_SET = "●●●● (set)"
SECRET_NONE = "none"

# Cognito's list- and map-valued client settings, in DescribeUserPoolClient's order.
_JSON_SETTINGS = (
    "explicit_auth_flows",
    "supported_identity_providers",
    "callback_urls",
    "logout_urls",
    "allowed_oauth_flows",
    "allowed_oauth_scopes",
    "read_attributes",
    "write_attributes",
    "token_validity_units",
)


@admin.register(AppClient)
class AppClientAdmin(DeleteThroughServiceMixin, admin.ModelAdmin):
    list_display = ("client_id", "name", "pool", "secret", "created")
    list_filter = ("pool",)
    search_fields = ("client_id", "name", "pool__id", "pool__name")
    list_select_related = ("pool",)
    # DOT's client_secret / hash_client_secret and our encrypted secret and digest are
    # deliberately absent: only ``secret`` (set or none) is ever rendered.
    fields = (
        "client_id",
        "name",
        "pool",
        "secret",
        "created",
        "modified",
        "default_redirect_uri",
        "allowed_oauth_flows_user_pool_client",
        "access_token_validity",
        "id_token_validity",
        "refresh_token_validity",
        "auth_session_validity",
        "prevent_user_existence_errors",
        "enable_token_revocation",
        "settings_table",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: AppClient) -> None:
        client_services.delete_user_pool_client(
            pool=obj.pool, client_id=obj.client_id, actor=console_actor(request)
        )

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for client in queryset.select_related("pool"):
            self.delete_model(request, client)

    @admin.display(description="secret")
    def secret(self, obj: AppClient) -> str:
        return SECRET_SET if obj.has_secret else SECRET_NONE

    @admin.display(description="settings")
    def settings_table(self, obj: AppClient) -> SafeString:
        rows = ((name, json.dumps(getattr(obj, name))) for name in _JSON_SETTINGS)
        return format_html(
            "<table><tbody>{}</tbody></table>",
            format_html_join("", "<tr><th>{}</th><td><code>{}</code></td></tr>", rows),
        )


class _TokenViewMixin:
    """Tokens are minted and revoked by the token service (GlobalSignOut, RevokeToken,
    /oauth2/revoke); the console only lists them, masked as DOT masks them."""

    actions: tuple[str, ...] = ()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AccessToken)
class AccessTokenAdmin(_TokenViewMixin, dot_admin.AccessTokenAdmin):
    list_display = ("pk", "masked_token", "user", "application", "scope", "expires")


@admin.register(RefreshToken)
class RefreshTokenAdmin(_TokenViewMixin, dot_admin.RefreshTokenAdmin):
    list_display = ("pk", "masked_token", "user", "application", "created", "revoked")
