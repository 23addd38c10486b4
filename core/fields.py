"""Model fields shared by the apps."""

from __future__ import annotations

from typing import Any

from django.db import models

from core import crypto


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Text kept Fernet-encrypted at rest (core.crypto) and read back in clear: for what the
    server must read again but nobody with the database should, such as a queued mail
    carrying a verification code or a temporary password. Not searchable; an empty value
    is stored as is."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return crypto.encrypt(str(value))
