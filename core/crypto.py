"""Encryption at rest for secrets the server must read back (access keys, client secrets)
and a keyed digest for secrets it only has to compare.

The key is derived from SECRET_KEY with HKDF, one sub-key per purpose, so rotating
SECRET_KEY makes stored secrets unreadable: re-issue them after a rotation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


@lru_cache(maxsize=8)
def _derive(secret_key: str, purpose: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"tessera", info=purpose.encode()
    ).derive(secret_key.encode())


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(settings.SECRET_KEY, "encrypt-at-rest")))


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("stored secret cannot be decrypted with this SECRET_KEY") from exc


def keyed_digest(value: str, purpose: str = "secret-digest") -> str:
    """HMAC-SHA256 under a server key: a fast, safe check for high-entropy secrets."""
    key = _derive(settings.SECRET_KEY, purpose)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def digest_matches(value: str, expected_digest: str, purpose: str = "secret-digest") -> bool:
    return hmac.compare_digest(keyed_digest(value, purpose), expected_digest)
