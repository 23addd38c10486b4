"""TOTP software tokens (RFC 6238) behind AssociateSoftwareToken and VerifySoftwareToken.

Secrets are 160-bit base32 strings (RFC 4226 §4 recommends 160 bits; Cognito's SecretCode
is base32 of the same length), encrypted at rest with core.crypto. Codes are six digits over
30-second steps, accepted one step either side for clock drift (RFC 6238 §5.2), and each
code once only: the accepted time-step is stored and a code of that step or an earlier one
is refused, so a code seen over a shoulder cannot be replayed.
"""

from __future__ import annotations

import hmac
import time

import pyotp
from django.db import transaction
from django.utils import timezone

from accounts.models import PoolUser, TotpDevice
from core import crypto

STEP_SECONDS = 30
DIGITS = 6
# Steps accepted either side of the current one.
DRIFT_STEPS = 1


def new_secret() -> str:
    """32 base32 characters: 160 random bits, no padding (Cognito's SecretCodeType pattern)."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The ``otpauth://totp/…`` URI authenticator apps read from a QR code (Key URI Format)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=issuer
    )


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time-step within the drift window whose code is ``code``, else None."""
    if len(code) != DIGITS or not code.isdigit():
        return None
    generator = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    step = current_step(now)
    for candidate in range(step - DRIFT_STEPS, step + DRIFT_STEPS + 1):
        if hmac.compare_digest(generator.at(candidate * STEP_SECONDS), code):
            return candidate
    return None


def device_secret(device: TotpDevice) -> str:
    return crypto.decrypt(device.secret_encrypted)


def verified_device(user: PoolUser) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, verified=True).first()


def pending_device(user: PoolUser) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, verified=False).first()


@transaction.atomic
def associate(user: PoolUser) -> str:
    """A new pending secret for ``user`` (replacing any earlier pending one); the verified
    device, if any, stays in use until the new one is verified."""
    # Two AssociateSoftwareToken calls at once each found no pending device and inserted
    # one (unique per user and state): the user's row lock queues the second behind.
    PoolUser.objects.select_for_update().filter(pk=user.pk).first()
    TotpDevice.objects.filter(user=user, verified=False).delete()
    secret = new_secret()
    TotpDevice.objects.create(user=user, secret_encrypted=crypto.encrypt(secret))
    return secret


def verify_pending(user: PoolUser, code: str, friendly_name: str = "") -> bool | None:
    """Check ``code`` against the pending secret; on a match it becomes the user's verified
    device (the old one is dropped). None when nothing is pending."""
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user, verified=False).first()
        if device is None:
            return None
        step = matching_step(device_secret(device), code)
        if step is None:
            return False
        TotpDevice.objects.filter(user=user, verified=True).delete()
        device.verified = True
        device.verified_at = timezone.now()
        device.friendly_name = friendly_name
        device.last_used_step = step
        device.save()
    return True


def accept_code(user: PoolUser, code: str) -> bool:
    """A sign-in code from the verified device: valid in the window and of a later
    time-step than the last one accepted (replays are refused)."""
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user, verified=True).first()
        if device is None:
            return False
        step = matching_step(device_secret(device), code)
        if step is None or (device.last_used_step is not None and step <= device.last_used_step):
            return False
        device.last_used_step = step
        device.save(update_fields=["last_used_step"])
    return True


def delete_devices(user: PoolUser) -> int:
    deleted, _ = TotpDevice.objects.filter(user=user).delete()
    return deleted
