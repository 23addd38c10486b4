"""Beyond Cognito: single-use MFA recovery codes.

A user with MFA generates ten codes at a time; each is shown once and stored only as a
keyed digest (core.crypto, bound to the user), and generating a new set deletes the old.
One code answers an SMS_MFA, EMAIL_OTP or SOFTWARE_TOKEN_MFA challenge in place of the
code (accounts.services.mfa); using one is audited. Codes read ``xxxxx-xxxxx`` from an
alphabet without look-alike characters: about 49 bits each, far past online guessing,
which the sign-in lockout limits anyway.
"""

from __future__ import annotations

import re
import secrets

from django.db import transaction
from django.utils import timezone

from accounts.models import AuditEvent, PoolUser, RecoveryCode
from core import crypto

CODE_COUNT = 10
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_GROUP = 5
_SHAPE = re.compile(rf"^[{ALPHABET}]{{{_GROUP}}}-?[{ALPHABET}]{{{_GROUP}}}$")
_DIGEST_PURPOSE = "mfa-recovery-code"


def _normalize(code: str) -> str:
    compact = code.strip().lower().replace("-", "").replace(" ", "")
    return f"{compact[:_GROUP]}-{compact[_GROUP:]}"


def _digest(user: PoolUser, code: str) -> str:
    return crypto.keyed_digest(f"{user.pk}:{_normalize(code)}", _DIGEST_PURPOSE)


def looks_like_recovery_code(value: str) -> bool:
    """True for a recovery-code-shaped answer (never for a six-digit code)."""
    return bool(_SHAPE.match(value.strip().lower().replace(" ", "")))


def _new_code() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(_GROUP * 2))
    return f"{chars[:_GROUP]}-{chars[_GROUP:]}"


@transaction.atomic
def generate(user: PoolUser, *, actor: str = "") -> list[str]:
    """Ten new codes for ``user``, returned in clear this once; earlier codes stop working."""
    RecoveryCode.objects.filter(user=user).delete()
    codes: list[str] = []
    while len(codes) < CODE_COUNT:
        code = _new_code()
        if code not in codes:
            codes.append(code)
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_digest=_digest(user, code)) for code in codes
    )
    AuditEvent.objects.create(
        pool=user.pool,
        user=user,
        event="mfa_recovery_codes_generated",
        actor=actor or user.username,
        details={"count": CODE_COUNT},
    )
    return codes


def remaining(user: PoolUser) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


@transaction.atomic
def use(user: PoolUser, code: str, *, via: str) -> bool:
    """Spend one unused code of ``user``; False when it is unknown or already used."""
    if not looks_like_recovery_code(code):
        return False
    row = (
        RecoveryCode.objects.select_for_update()
        .filter(user=user, code_digest=_digest(user, code), used_at__isnull=True)
        .first()
    )
    if row is None:
        return False
    row.used_at = timezone.now()
    row.save(update_fields=["used_at"])
    AuditEvent.objects.create(
        pool=user.pool,
        user=user,
        event="mfa_recovery_code_used",
        actor=user.username,
        details={"challenge": via, "remaining": remaining(user)},
    )
    return True
