"""User pools, their users and groups.

Pool users are not Django auth users: console staff (django.contrib.auth.User) can never
sign in to a pool, and pool users can never sign in to the console. Attribute values live
in ``PoolUser.attributes``; the attributes ListUsers can filter on are copied into indexed
columns by ``PoolUser.set_attributes``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils import timezone

from core import ids
from core.fields import EncryptedTextField


class MfaConfiguration(models.TextChoices):
    OFF = "OFF"
    ON = "ON"
    OPTIONAL = "OPTIONAL"


class DeletionProtection(models.TextChoices):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class UserStatus(models.TextChoices):
    UNCONFIRMED = "UNCONFIRMED"
    CONFIRMED = "CONFIRMED"
    FORCE_CHANGE_PASSWORD = "FORCE_CHANGE_PASSWORD"
    RESET_REQUIRED = "RESET_REQUIRED"
    EXTERNAL_PROVIDER = "EXTERNAL_PROVIDER"
    ARCHIVED = "ARCHIVED"
    COMPROMISED = "COMPROMISED"
    UNKNOWN = "UNKNOWN"


# Attributes ListUsers can filter on that are stored in their own indexed columns.
FILTERABLE_COLUMNS = (
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
)


# django-stubs cannot resolve the reverse manager of a swapped model (AppClient.pool).
class UserPool(models.Model):  # type: ignore[django-manager-missing]
    """A Cognito user pool. Nested Cognito structures are kept in their wire shape (JSON)."""

    id = models.CharField(primary_key=True, max_length=55, default=ids.new_user_pool_id)
    name = models.CharField(max_length=128)
    created = models.DateTimeField(default=timezone.now)
    modified = models.DateTimeField(default=timezone.now)
    # Policies: {"PasswordPolicy": {...}, "SignInPolicy": {...}}
    policies = models.JSONField(default=dict, blank=True)
    # Custom (and overridden standard) attribute definitions, SchemaAttributeType wire shape.
    custom_schema = models.JSONField(default=list, blank=True)
    auto_verified_attributes = models.JSONField(default=list, blank=True)
    username_attributes = models.JSONField(default=list, blank=True)
    alias_attributes = models.JSONField(default=list, blank=True)
    username_case_sensitive = models.BooleanField(default=True)
    mfa_configuration = models.CharField(
        max_length=8, choices=MfaConfiguration.choices, default=MfaConfiguration.OFF
    )
    software_token_mfa_enabled = models.BooleanField(default=False)
    sms_mfa_configuration = models.JSONField(default=dict, blank=True)
    email_mfa_configuration = models.JSONField(default=dict, blank=True)
    user_attribute_update_settings = models.JSONField(default=dict, blank=True)
    admin_create_user_config = models.JSONField(default=dict, blank=True)
    account_recovery_setting = models.JSONField(default=dict, blank=True)
    verification_message_template = models.JSONField(default=dict, blank=True)
    email_configuration = models.JSONField(default=dict, blank=True)
    sms_configuration = models.JSONField(default=dict, blank=True)
    device_configuration = models.JSONField(default=dict, blank=True)
    lambda_config = models.JSONField(default=dict, blank=True)
    user_pool_add_ons = models.JSONField(default=dict, blank=True)
    sms_authentication_message = models.TextField(blank=True, default="")
    sms_verification_message = models.TextField(blank=True, default="")
    email_verification_message = models.TextField(blank=True, default="")
    email_verification_subject = models.TextField(blank=True, default="")
    deletion_protection = models.CharField(
        max_length=8, choices=DeletionProtection.choices, default=DeletionProtection.INACTIVE
    )
    user_pool_tier = models.CharField(max_length=16, default="ESSENTIALS")
    tags = models.JSONField(default=dict, blank=True)
    # Beyond Cognito (NIST 800-63B): refuse passwords on Django's common-password list.
    reject_common_passwords = models.BooleanField(default=True)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"

    @property
    def arn(self) -> str:
        return ids.user_pool_arn(self.id)

    @property
    def region(self) -> str:
        return ids.pool_region(self.id)

    @property
    def pool_suffix(self) -> str:
        """The part after ``_``: SRP's "pool name" (reference §2.3)."""
        return self.id.split("_", 1)[1]

    @property
    def password_policy(self) -> dict[str, Any]:
        policy: dict[str, Any] = dict(self.policies.get("PasswordPolicy") or {})
        return policy

    def normalize_username(self, username: str) -> str:
        return username if self.username_case_sensitive else username.lower()


class PoolUser(models.Model):
    pool = models.ForeignKey(UserPool, on_delete=models.CASCADE, related_name="users")
    # The stored (internal) username: the ``sub`` when email/phone is the username attribute.
    username = models.CharField(max_length=128)
    # ``username`` folded to lower case when the pool is case-insensitive: the lookup key.
    username_key = models.CharField(max_length=128)
    sub = models.UUIDField(default=uuid.uuid4, unique=True)
    status = models.CharField(
        max_length=24, choices=UserStatus.choices, default=UserStatus.UNCONFIRMED
    )
    enabled = models.BooleanField(default=True)
    # Every attribute except ``sub`` as {name: string value}, Cognito's AttributeType values.
    attributes = models.JSONField(default=dict, blank=True)
    email = models.CharField(max_length=2048, blank=True, default="")
    email_verified = models.BooleanField(default=False)
    phone_number = models.CharField(max_length=2048, blank=True, default="")
    phone_number_verified = models.BooleanField(default=False)
    name = models.CharField(max_length=2048, blank=True, default="")
    given_name = models.CharField(max_length=2048, blank=True, default="")
    family_name = models.CharField(max_length=2048, blank=True, default="")
    preferred_username = models.CharField(max_length=2048, blank=True, default="")
    password_hash = models.CharField(max_length=256, blank=True, default="")
    # SRP-6a verifier (reference §2.3), stored beside the argon2id hash at every password set.
    srp_salt = models.CharField(max_length=64, blank=True, default="")
    srp_verifier = models.TextField(blank=True, default="")
    password_set_at = models.DateTimeField(null=True, blank=True)
    temporary_password_expires = models.DateTimeField(null=True, blank=True)
    # Tokens issued before this moment are revoked (GlobalSignOut, disable, password reset).
    tokens_valid_after = models.DateTimeField(null=True, blank=True)
    mfa_settings = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(default=timezone.now)
    modified = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "username_key"], name="pooluser_unique_username"
            ),
        ]
        # ListUsers filters on one column and pages in ``id`` order; ending each index in
        # ``id`` lets an equality filter read exactly one page, in order. Without it the
        # planner walks the primary key and discards non-matching rows, which costs ~100 ms
        # at 100,000 users when the matches are the newest rows (e.g. UNCONFIRMED sign-ups):
        # see benchmarks/RESULTS.md.
        indexes = [
            models.Index(
                fields=["pool", column, "id"],
                name=f"pooluser_{column[:12]}_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "int8_ops"],
            )
            for column in FILTERABLE_COLUMNS
        ] + [
            models.Index(fields=["pool", "status", "id"], name="pooluser_status_idx"),
            models.Index(fields=["pool", "enabled", "id"], name="pooluser_enabled_idx"),
            models.Index(
                fields=["pool", "username_key"],
                name="pooluser_username_prefix_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.username} ({self.pool_id})"

    def set_attributes(self, values: Mapping[str, str | None]) -> None:
        """Set (or, with ``None``, remove) attributes, keeping the indexed columns in step."""
        attributes = dict(self.attributes)
        for attr_name, value in values.items():
            if attr_name == "sub":
                continue
            if value is None:
                attributes.pop(attr_name, None)
            else:
                attributes[attr_name] = value
        self.attributes = attributes
        for column in FILTERABLE_COLUMNS:
            setattr(self, column, attributes.get(column, ""))
        self.email_verified = attributes.get("email_verified", "false") == "true"
        self.phone_number_verified = attributes.get("phone_number_verified", "false") == "true"

    def all_attributes(self) -> dict[str, str]:
        """Every attribute as Cognito returns it, ``sub`` included."""
        return {"sub": str(self.sub), **self.attributes}


class Group(models.Model):
    pool = models.ForeignKey(UserPool, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=128)
    description = models.CharField(max_length=2048, blank=True, default="")
    role_arn = models.CharField(max_length=2048, blank=True, default="")
    precedence = models.PositiveIntegerField(null=True, blank=True)
    members = models.ManyToManyField(PoolUser, through="GroupMembership", related_name="groups")
    created = models.DateTimeField(default=timezone.now)
    modified = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "name"], name="group_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.pool_id})"


class GroupMembership(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE)
    user = models.ForeignKey(PoolUser, on_delete=models.CASCADE)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id}"


class AuditEvent(models.Model):
    """Security-relevant writes, recorded in the same transaction as the write."""

    pool = models.ForeignKey(UserPool, on_delete=models.CASCADE, null=True, blank=True)
    user = models.ForeignKey(PoolUser, on_delete=models.SET_NULL, null=True, blank=True)
    event = models.CharField(max_length=64)
    actor = models.CharField(max_length=256, blank=True, default="")
    details = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.event} {self.created:%Y-%m-%d %H:%M:%S}"


class OutboxMessage(models.Model):
    """A message to deliver, written in the same transaction as what caused it.

    The row survives a broker or SMTP outage: the Celery task marks it sent, and the
    outbox sweeper re-queues rows still unsent, so a mail is never silently lost.
    """

    class Channel(models.TextChoices):
        EMAIL = "EMAIL"
        SMS = "SMS"

    pool = models.ForeignKey(UserPool, on_delete=models.SET_NULL, null=True, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    recipient = models.CharField(max_length=2048)
    subject = models.CharField(max_length=998, blank=True, default="")
    # Bodies carry codes and temporary passwords: encrypted while the message waits, and
    # emptied once it is sent (accounts.services.messaging.deliver).
    body = EncryptedTextField()
    html_body = EncryptedTextField(blank=True, default="")
    created = models.DateTimeField(default=timezone.now)
    sent = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    next_attempt = models.DateTimeField(default=timezone.now, db_index=True)
    # Set while one attempt sends the message outside any transaction: other attempts
    # leave it alone until then (accounts.services.messaging.deliver).
    sending_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created"]

    def __str__(self) -> str:
        return f"{self.channel} to {self.recipient} ({'sent' if self.sent else 'pending'})"


class OneTimeCode(models.Model):
    """A mailed verification code: sign-up confirmation, password reset or attribute
    verification. Only a keyed digest of the code is stored; one live code per user,
    purpose and attribute (issuing a new one replaces the old); deleted once used."""

    class Purpose(models.TextChoices):
        SIGN_UP = "sign_up"
        FORGOT_PASSWORD = "forgot_password"
        VERIFY_ATTRIBUTE = "verify_attribute"
        # Sign-in codes of the SMS_MFA and EMAIL_OTP challenges (accounts.services.mfa).
        MFA_SMS = "mfa_sms"
        MFA_EMAIL = "mfa_email"

    user = models.ForeignKey(PoolUser, on_delete=models.CASCADE, related_name="one_time_codes")
    purpose = models.CharField(max_length=24, choices=Purpose.choices)
    # The attribute being verified (``email``/``phone_number``); empty for the other purposes.
    attribute = models.CharField(max_length=32, blank=True, default="")
    code_digest = models.CharField(max_length=64)
    # A new attribute value held back until verified (AttributesRequireVerificationBeforeUpdate).
    pending_value = models.CharField(max_length=2048, blank=True, default="")
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "purpose", "attribute"], name="onetimecode_unique_purpose"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} code for {self.user_id}"


class UICustomization(models.Model):
    """SetUICustomization: the hosted UI's logo and CSS for a pool (``client_id`` ``ALL``)
    or for one app client, which then no longer falls back to ``ALL`` (reference §4)."""

    pool = models.ForeignKey(UserPool, on_delete=models.CASCADE, related_name="ui_customizations")
    client_id = models.CharField(max_length=128)
    css = models.TextField(blank=True, default="")
    css_version = models.CharField(max_length=32)
    image = models.BinaryField(null=True, blank=True)
    image_type = models.CharField(max_length=32, blank=True, default="")
    created = models.DateTimeField(default=timezone.now)
    modified = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pool", "client_id"], name="uicustomization_unique"),
        ]

    def __str__(self) -> str:
        return f"UI customization {self.pool_id}/{self.client_id}"


class TotpDevice(models.Model):
    """A user's software token (AssociateSoftwareToken / VerifySoftwareToken): the RFC 6238
    secret, encrypted at rest with core.crypto. A user has at most one verified device and
    one pending association; verifying the pending one replaces the old.
    ``last_used_step`` is the 30-second time-step of the last accepted code, so a code is
    accepted once only."""

    user = models.ForeignKey(PoolUser, on_delete=models.CASCADE, related_name="totp_devices")
    secret_encrypted = models.TextField()
    friendly_name = models.CharField(max_length=256, blank=True, default="")
    verified = models.BooleanField(default=False)
    last_used_step = models.BigIntegerField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "verified"], name="totpdevice_one_per_state"),
        ]

    def __str__(self) -> str:
        return f"{'verified' if self.verified else 'pending'} software token of {self.user_id}"


class RecoveryCode(models.Model):
    """Beyond Cognito: a single-use MFA recovery code. Only a keyed digest is stored; the
    code is shown once, when generated. Generating a new set deletes the old one."""

    user = models.ForeignKey(PoolUser, on_delete=models.CASCADE, related_name="recovery_codes")
    code_digest = models.CharField(max_length=64)
    created = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "code_digest"], name="recoverycode_unique"),
        ]

    def __str__(self) -> str:
        return f"recovery code of {self.user_id} ({'used' if self.used_at else 'unused'})"
