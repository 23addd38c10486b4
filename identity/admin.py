"""The admin console for identity pools, their identities and the temporary credentials
those were issued.

Pools are created and configured with the ``cognito-identity`` API (CreateIdentityPool,
SetIdentityPoolRoles, which validate them), so the console shows them read-only. Deleting
goes through DeleteIdentityPool / DeleteIdentities' services, and revoking credentials
through the same service that unlinking a login uses. Credential secrets and session-token
digests are never rendered.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.admin import DeleteThroughServiceMixin, console_actor, count_of, pretty_json
from identity.models import (
    Identity,
    IdentityLogin,
    IdentityPool,
    IssuedCredential,
    OpenIdConnectProvider,
)
from identity.services import credentials as credential_services
from identity.services import identities as identity_services
from identity.services import pools as pool_services


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(IdentityPool)
class IdentityPoolAdmin(DeleteThroughServiceMixin, admin.ModelAdmin):
    list_display = ("id", "name", "allow_unauthenticated_identities", "identity_count", "created")
    search_fields = ("id", "name")
    list_filter = ("allow_unauthenticated_identities",)
    fields = (
        "id",
        "arn",
        "name",
        "allow_unauthenticated_identities",
        "allow_classic_flow",
        "developer_provider_name",
        "identity_count",
        "created",
        "modified",
        "roles_display",
        "role_mappings_display",
        "providers_display",
        "tags_display",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[IdentityPool]:
        return super().get_queryset(request).annotate(identities_total=count_of(Identity, "pool"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: IdentityPool) -> None:
        pool_services.delete_identity_pool(pool=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[IdentityPool]) -> None:
        for pool in queryset:
            pool_services.delete_identity_pool(pool=pool)

    @admin.display(description="identities", ordering="identities_total")
    def identity_count(self, obj: IdentityPool) -> int:
        return int(obj.identities_total)  # type: ignore[attr-defined]

    @admin.display(description="ARN")
    def arn(self, obj: IdentityPool) -> str:
        return obj.arn

    @admin.display(description="roles")
    def roles_display(self, obj: IdentityPool) -> Any:
        return pretty_json(obj.roles)

    @admin.display(description="role mappings")
    def role_mappings_display(self, obj: IdentityPool) -> Any:
        return pretty_json(obj.role_mappings)

    @admin.display(description="login providers")
    def providers_display(self, obj: IdentityPool) -> Any:
        return pretty_json(
            {
                "CognitoIdentityProviders": obj.cognito_identity_providers,
                "SupportedLoginProviders": obj.supported_login_providers,
                "OpenIdConnectProviderARNs": obj.open_id_connect_provider_arns,
                "SamlProviderARNs": obj.saml_provider_arns,
            }
        )

    @admin.display(description="tags")
    def tags_display(self, obj: IdentityPool) -> Any:
        return pretty_json(obj.tags)


class LoginInline(ReadOnlyInline):
    model = IdentityLogin
    fk_name = "identity"
    fields = ("provider", "subject", "created")
    readonly_fields = fields


class CredentialInline(ReadOnlyInline):
    model = IssuedCredential
    fields = ("access_key_id", "role_arn", "session_name", "created", "expiration", "revoked")
    readonly_fields = fields


def _revoke_identity_credentials(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Identity]
) -> None:
    for identity in queryset:
        count = credential_services.revoke_credentials(identity=identity)
        modeladmin.message_user(
            request, f"Revoked {count} credential(s) of {identity.id}.", messages.SUCCESS
        )


@admin.register(Identity)
class IdentityAdmin(DeleteThroughServiceMixin, admin.ModelAdmin):
    list_display = ("id", "pool", "disabled", "created", "modified")
    list_filter = ("pool", "disabled")
    # Exact matches only: an identity id is unique, and a login subject (a user pool's
    # ``sub``) is what an operator has in hand when a user asks about their identity.
    search_fields = ("=id", "=logins__subject")
    list_select_related = ("pool",)
    show_full_result_count = False
    fields = ("id", "pool", "disabled", "created", "modified")
    readonly_fields = fields
    inlines = (LoginInline, CredentialInline)
    actions = ("revoke_credentials",)

    revoke_credentials = admin.action(
        description="Revoke the temporary credentials of selected identities",
        permissions=["change"],
    )(_revoke_identity_credentials)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Identity) -> None:
        identity_services.delete_identities(identity_ids=[obj.id], actor=console_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Identity]) -> None:
        identity_services.delete_identities(
            identity_ids=list(queryset.values_list("id", flat=True)),
            actor=console_actor(request),
        )


@admin.register(IssuedCredential)
class IssuedCredentialAdmin(admin.ModelAdmin):
    list_display = ("access_key_id", "identity", "role_arn", "expiration", "state", "created")
    list_select_related = ("identity",)
    # A key id from a server log, or every credential of one identity.
    search_fields = ("=access_key_id", "=identity__id")
    show_full_result_count = False
    # The encrypted secret and the session token's digest are deliberately absent.
    fields = (
        "access_key_id",
        "identity",
        "role_arn",
        "session_name",
        "created",
        "expiration",
        "revoked",
        "state",
    )
    readonly_fields = fields
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="state")
    def state(self, obj: IssuedCredential) -> str:
        if obj.revoked is not None:
            return "revoked"
        return "expired" if obj.expiration <= timezone.now() else "active"

    @admin.action(description="Revoke selected credentials", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[IssuedCredential]) -> None:
        # What revoke_credentials does for a whole identity, for the rows picked: checked by
        # credentials.authenticate_request on every signed request.
        count = queryset.filter(revoked__isnull=True).update(revoked=timezone.now())
        self.message_user(request, f"Revoked {count} credential(s).", messages.SUCCESS)


@admin.register(OpenIdConnectProvider)
class OpenIdConnectProviderAdmin(admin.ModelAdmin):
    """Registered with ``manage.py create_oidc_provider`` (docs/identity-pools.md)."""

    list_display = ("arn", "url", "created")
    search_fields = ("arn", "url")
    fields = ("arn", "url", "jwks_uri", "client_ids", "created")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
