"""Access keys for SigV4-signed (admin) API calls."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from core import crypto, ids


class AccessKey(models.Model):
    access_key_id = models.CharField(max_length=32, unique=True, default=ids.new_access_key_id)
    # Encrypted at rest: SigV4 needs the secret itself to recompute a signature.
    secret_encrypted = models.TextField()
    description = models.CharField(max_length=256, blank=True, default="")
    active = models.BooleanField(default=True)
    created = models.DateTimeField(default=timezone.now)
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created"]

    def __str__(self) -> str:
        return self.access_key_id

    @classmethod
    def issue(cls, description: str = "") -> tuple[AccessKey, str]:
        secret = ids.new_secret_access_key()
        key = cls.objects.create(secret_encrypted=crypto.encrypt(secret), description=description)
        return key, secret

    def get_secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted)
