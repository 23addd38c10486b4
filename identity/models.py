"""Identity pools (Cognito Federated Identities): pools, identities, their logins, the
temporary credentials they are issued, and the identity service's own signing key.

Nested Cognito structures (CognitoIdentityProviders, Roles, RoleMappings) are kept in their
wire shape (JSON), as ``accounts.UserPool`` does. An identity's logins are rows so that
"one identity per (pool, provider, subject)" is a database constraint, not a hope.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from core import crypto


def new_identity_pool_id() -> str:
    """``<region>:<uuid>`` (reference §3.5)."""
    return f"{settings.AWS_REGION}:{uuid.uuid4()}"


class IdentityPool(models.Model):
    id = models.CharField(primary_key=True, max_length=55, default=new_identity_pool_id)
    name = models.CharField(max_length=128)
    allow_unauthenticated_identities = models.BooleanField(default=False)
    # None when CreateIdentityPool left it out: Cognito then allows GetOpenIdToken (the
    # basic flow) and DescribeIdentityPool omits the member (aws/aws-cli#7652).
    allow_classic_flow = models.BooleanField(null=True, blank=True)
    # {"accounts.google.com": "<app id>", ...}
    supported_login_providers = models.JSONField(default=dict, blank=True)
    developer_provider_name = models.CharField(max_length=128, blank=True, default="")
    open_id_connect_provider_arns = models.JSONField(default=list, blank=True)
    # [{"ProviderName": ..., "ClientId": ..., "ServerSideTokenCheck": bool}, ...]
    cognito_identity_providers = models.JSONField(default=list, blank=True)
    saml_provider_arns = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=dict, blank=True)
    # {"authenticated": arn, "unauthenticated": arn}
    roles = models.JSONField(default=dict, blank=True)
    # {"<provider>[:<client id>]": RoleMapping wire shape}
    role_mappings = models.JSONField(default=dict, blank=True)
    # {"<provider>": {"UseDefaults": bool, "PrincipalTags": {...}}}
    principal_tag_maps = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(default=timezone.now)
    modified = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"

    @property
    def region(self) -> str:
        return self.id.split(":", 1)[0]

    @property
    def arn(self) -> str:
        return (
            f"arn:aws:cognito-identity:{self.region}:{settings.AWS_ACCOUNT_ID}"
            f":identitypool/{self.id}"
        )


class Identity(models.Model):
    id = models.CharField(primary_key=True, max_length=55)
    pool = models.ForeignKey(IdentityPool, on_delete=models.CASCADE, related_name="identities")
    # An identity whose last login was unlinked, or that was merged into another, is
    # disabled, never a guest again (UnlinkIdentity: "Removing the last linked login will
    # make this identity inaccessible"); ListIdentities' HideDisabled leaves it out.
    disabled = models.BooleanField(default=False)
    created = models.DateTimeField(default=timezone.now)
    modified = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created", "id"]
        verbose_name_plural = "identities"

    def __str__(self) -> str:
        return self.id

    @classmethod
    def new_id(cls, pool: IdentityPool) -> str:
        return f"{pool.region}:{uuid.uuid4()}"


class IdentityLogin(models.Model):
    """A provider login linked to an identity: a user-pool ``sub``, an OIDC ``sub`` or a
    developer user identifier, under the provider's canonical name."""

    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="logins")
    pool = models.ForeignKey(IdentityPool, on_delete=models.CASCADE, related_name="+")
    provider = models.CharField(max_length=2048)
    subject = models.CharField(max_length=1024)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "provider", "subject"], name="identitylogin_one_identity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.subject} → {self.identity_id}"


class OpenIdConnectProvider(models.Model):
    """The registry IAM's OIDC providers are in AWS: an identity pool's
    ``OpenIdConnectProviderARNs`` (and ``SupportedLoginProviders`` keys) name an issuer whose
    tokens are checked against its JWKS and accepted for the listed client ids."""

    arn = models.CharField(max_length=2048, unique=True)
    # The issuer exactly as its tokens' ``iss`` says, scheme included.
    url = models.CharField(max_length=2048)
    # Taken from the issuer's discovery document when left empty.
    jwks_uri = models.CharField(max_length=2048, blank=True, default="")
    client_ids = models.JSONField(default=list, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created", "id"]
        verbose_name = "OpenID Connect provider"

    def __str__(self) -> str:
        return self.arn

    @property
    def provider_name(self) -> str:
        """The ``Logins`` key: the issuer without its scheme (awsdocs ``open-id.md``)."""
        return self.url.split("://", 1)[-1].rstrip("/")


class IssuedCredential(models.Model):
    """Temporary credentials handed out by GetCredentialsForIdentity.

    The secret is encrypted (SigV4 needs it to recompute a signature); the session token is
    only compared, so only its keyed digest is kept.
    """

    access_key_id = models.CharField(max_length=32, unique=True)
    secret_encrypted = models.TextField()
    session_token_digest = models.CharField(max_length=64)
    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="credentials")
    role_arn = models.CharField(max_length=2048)
    # The assumed-role session: the identity id for GetCredentialsForIdentity, the caller's
    # RoleSessionName for STS AssumeRoleWithWebIdentity.
    session_name = models.CharField(max_length=64)
    expiration = models.DateTimeField()
    revoked = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.access_key_id} ({self.identity_id})"

    def get_secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted)


class IdentitySigningKey(models.Model):
    """The identity service's own RS256 key for GetOpenIdToken (Cognito signs these with
    ``cognito-identity.amazonaws.com``'s key, not a user pool's)."""

    kid = models.CharField(max_length=64, unique=True)
    public_jwk = models.JSONField()
    private_key_encrypted = models.TextField()
    created = models.DateTimeField(default=timezone.now)
    retired = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.kid
