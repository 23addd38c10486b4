"""App clients, tokens and signing keys: django-oauth-toolkit's models, swapped for
pool-scoped ones.

``AppClient`` is DOT's Application with the pool and Cognito's client settings. The
client secret is kept encrypted (DescribeUserPoolClient must return it) plus a keyed
digest for fast constant-time checks; DOT's own PBKDF2-hashed ``client_secret`` is unused.
Token rows point at ``accounts.PoolUser``, never at console staff. They keep only a
SHA-256 checksum of each token (RFC 9700 §4.14: refresh tokens are not stored in
plaintext), and ``token_family`` is Cognito's ``origin_jti``: every token minted from one
sign-in, across refreshes and rotations, shares it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from oauth2_provider.models import (
    AbstractAccessToken,
    AbstractApplication,
    AbstractGrant,
    AbstractIDToken,
    AbstractRefreshToken,
)

from core import crypto, ids

# Cognito's defaults when ExplicitAuthFlows is not given (reference §2.1).
DEFAULT_EXPLICIT_AUTH_FLOWS = [
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_CUSTOM_AUTH",
]


class AppClient(AbstractApplication):
    pool = models.ForeignKey("accounts.UserPool", on_delete=models.CASCADE, related_name="clients")
    secret_encrypted = models.TextField(blank=True, default="")
    secret_digest = models.CharField(max_length=64, blank=True, default="")
    explicit_auth_flows = models.JSONField(default=list, blank=True)
    supported_identity_providers = models.JSONField(default=list, blank=True)
    callback_urls = models.JSONField(default=list, blank=True)
    logout_urls = models.JSONField(default=list, blank=True)
    default_redirect_uri = models.CharField(max_length=1024, blank=True, default="")
    allowed_oauth_flows = models.JSONField(default=list, blank=True)
    allowed_oauth_scopes = models.JSONField(default=list, blank=True)
    allowed_oauth_flows_user_pool_client = models.BooleanField(default=False)
    access_token_validity = models.PositiveIntegerField(null=True, blank=True)
    id_token_validity = models.PositiveIntegerField(null=True, blank=True)
    refresh_token_validity = models.PositiveIntegerField(default=30)
    token_validity_units = models.JSONField(default=dict, blank=True)
    read_attributes = models.JSONField(default=list, blank=True)
    write_attributes = models.JSONField(default=list, blank=True)
    prevent_user_existence_errors = models.CharField(max_length=8, default="ENABLED")
    enable_token_revocation = models.BooleanField(default=True)
    enable_propagate_additional_user_context_data = models.BooleanField(default=False)
    auth_session_validity = models.PositiveIntegerField(default=3)
    analytics_configuration = models.JSONField(default=dict, blank=True)
    refresh_token_rotation = models.JSONField(default=dict, blank=True)
    modified = models.DateTimeField(default=timezone.now)

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        ordering = ["created", "id"]

    def save(self, *args: object, **kwargs: object) -> None:
        # DOT's secret field is never used: secrets are checked through secret_digest.
        self.hash_client_secret = False
        self.client_secret = ""
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_encrypted)

    def get_secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted) if self.secret_encrypted else ""

    def set_secret(self, secret: str) -> None:
        self.secret_encrypted = crypto.encrypt(secret)
        self.secret_digest = crypto.keyed_digest(secret, "client-secret")

    def generate_secret(self) -> str:
        secret = ids.new_client_secret()
        self.set_secret(secret)
        return secret

    def secret_matches(self, secret: str) -> bool:
        if not self.secret_digest:
            return False
        return crypto.digest_matches(secret, self.secret_digest, "client-secret")

    @property
    def effective_auth_flows(self) -> list[str]:
        return list(self.explicit_auth_flows or DEFAULT_EXPLICIT_AUTH_FLOWS)


class Grant(AbstractGrant):
    """An authorization code. ``code`` holds the SHA-256 of the code, never the code."""

    user = models.ForeignKey("accounts.PoolUser", on_delete=models.CASCADE, related_name="+")
    # The browser's sign-in time, the ``auth_time`` of the tokens the code buys.
    auth_time = models.DateTimeField(null=True, blank=True)
    # Set when the code is redeemed: a second redemption finds it and revokes the tokens
    # of that family (RFC 6749 §4.1.2, RFC 9700 §4.2.4).
    redeemed = models.DateTimeField(null=True, blank=True)
    origin_jti = models.UUIDField(null=True, blank=True)

    class Meta(AbstractGrant.Meta):
        swappable = "OAUTH2_PROVIDER_GRANT_MODEL"


class IDToken(AbstractIDToken):
    user = models.ForeignKey(
        "accounts.PoolUser", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta(AbstractIDToken.Meta):
        swappable = "OAUTH2_PROVIDER_ID_TOKEN_MODEL"


class AccessToken(AbstractAccessToken):
    user = models.ForeignKey(
        "accounts.PoolUser", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The JWT's ``jti`` and ``origin_jti``: RevokeToken deletes a whole family's rows.
    jti = models.UUIDField(null=True, blank=True, unique=True)
    origin_jti = models.UUIDField(null=True, blank=True, db_index=True)

    class Meta(AbstractAccessToken.Meta):
        swappable = "OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL"


class RefreshToken(AbstractRefreshToken):
    user = models.ForeignKey("accounts.PoolUser", on_delete=models.CASCADE, related_name="+")
    # Cognito's refresh tokens expire at a fixed time from the sign-in, rotation included.
    expires = models.DateTimeField(null=True, blank=True)
    # The original sign-in: ``auth_time`` stays at it across refreshes (reference §3.2).
    auth_time = models.DateTimeField(null=True, blank=True)
    scope = models.TextField(blank=True, default="")
    # Set when rotation superseded this token (``revoked`` is set too): it stays usable for
    # the client's RetryGracePeriodSeconds, then answers RefreshTokenReuseException.
    rotated = models.DateTimeField(null=True, blank=True)

    class Meta(AbstractRefreshToken.Meta):
        swappable = "OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL"


class SigningKey(models.Model):
    """An RS256 key of a pool. Each pool has one active key per purpose (Cognito signs ID
    and access tokens with different kids, reference §3.2); retired keys stay published
    until every token they signed has expired."""

    class Purpose(models.TextChoices):
        ID = "id"
        ACCESS = "access"

    pool = models.ForeignKey("accounts.UserPool", on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=8, choices=Purpose.choices)
    # Base64 of the SHA-256 of the public key: 44 characters, like Cognito's kids.
    kid = models.CharField(max_length=64, unique=True)
    public_jwk = models.JSONField()
    private_key_encrypted = models.TextField()
    created = models.DateTimeField(default=timezone.now)
    retired = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pool", "purpose", "-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "purpose"],
                condition=Q(retired__isnull=True),
                name="signingkey_one_active_per_purpose",
            ),
        ]

    def __str__(self) -> str:
        state = "retired" if self.retired else "active"
        return f"{self.purpose} key {self.kid} of {self.pool_id} ({state})"


class ResourceServer(models.Model):
    """A pool's resource server: custom scopes ``<identifier>/<ScopeName>`` (reference §4)."""

    pool = models.ForeignKey(
        "accounts.UserPool", on_delete=models.CASCADE, related_name="resource_servers"
    )
    identifier = models.CharField(max_length=256)
    name = models.CharField(max_length=256)
    # Cognito's ResourceServerScopeType list: [{"ScopeName": ..., "ScopeDescription": ...}].
    scopes = models.JSONField(default=list, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pool", "created", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "identifier"], name="resourceserver_identifier_per_pool"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.identifier} ({self.pool_id})"

    def scope_strings(self) -> list[str]:
        return [f"{self.identifier}/{scope['ScopeName']}" for scope in self.scopes]


class UserPoolDomain(models.Model):
    """A pool's hosted-UI domain: a prefix (``<prefix>.auth.<region>.amazoncognito.com``)
    or a custom domain served by this server when requests carry it as ``Host``."""

    domain = models.CharField(max_length=253, unique=True)
    pool = models.ForeignKey("accounts.UserPool", on_delete=models.CASCADE, related_name="domains")
    custom = models.BooleanField(default=False)
    certificate_arn = models.CharField(max_length=2048, blank=True, default="")
    security_policy = models.CharField(max_length=32, blank=True, default="")
    managed_login_version = models.PositiveSmallIntegerField(default=1)
    created = models.DateTimeField(default=timezone.now)
    modified = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pool", "created", "id"]

    def __str__(self) -> str:
        return self.domain
