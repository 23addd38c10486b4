"""One-time verification codes: sign-up confirmation, password reset, attribute verification.

Six digits from a CSPRNG, stored only as a keyed digest (core.crypto), single use, expiring
per purpose, and refused after ``MAX_FAILED_ATTEMPTS`` wrong tries with Cognito's
LimitExceededException. Issuing a new code replaces the previous one for the same user,
purpose and attribute. Messages are composed and queued by accounts.services.notifications.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import OneTimeCode, PoolUser
from core import crypto
from core.errors import (
    CodeMismatchException,
    CognitoError,
    ExpiredCodeException,
    LimitExceededException,
)

Purpose = OneTimeCode.Purpose

# Cognito's validity periods: sign-up and attribute codes 24 hours, password-reset codes
# one hour (Cognito developer guide, "Signing up and confirming user accounts" and
# "Recovering user accounts").
CODE_LIFETIMES: dict[str, dt.timedelta] = {
    Purpose.SIGN_UP: dt.timedelta(hours=24),
    Purpose.FORGOT_PASSWORD: dt.timedelta(hours=1),
    Purpose.VERIFY_ATTRIBUTE: dt.timedelta(hours=24),
    # Sign-in MFA codes live as long as Cognito's default challenge session, 3 minutes.
    Purpose.MFA_SMS: dt.timedelta(minutes=3),
    Purpose.MFA_EMAIL: dt.timedelta(minutes=3),
}
MAX_FAILED_ATTEMPTS = 5
CODE_DIGITS = 6
_DIGEST_PURPOSE = "one-time-code"


def _digest_input(user: PoolUser, purpose: str, attribute: str, code: str) -> str:
    # Bound to the user, purpose and attribute, so a digest copied to another row is useless.
    return f"{user.pk}:{purpose}:{attribute}:{code}"


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


@transaction.atomic
def issue_code(
    user: PoolUser,
    purpose: str,
    attribute: str | None = None,
    *,
    pending_value: str | None = None,
) -> str:
    """Create (or replace) the user's code for ``purpose`` and return it in clear, once.

    ``pending_value`` holds back a new attribute value until it is verified; when a code is
    re-issued without one, a value already pending stays pending.
    """
    attribute = attribute or ""
    code = new_code()
    now = timezone.now()
    rows = OneTimeCode.objects.select_for_update().filter(
        user=user, purpose=purpose, attribute=attribute
    )
    row = rows.first()
    if row is None:
        row = OneTimeCode(user=user, purpose=purpose, attribute=attribute)
        _fill(row, user, code, now, pending_value)
        try:
            with transaction.atomic():
                row.save()
            return code
        except IntegrityError:
            # A concurrent request (ForgotPassword sent twice) inserted the first code
            # between our read and our insert: replace that one, as a re-issue would.
            row = rows.get()
    _fill(row, user, code, now, pending_value)
    row.save()
    return code


def _fill(
    row: OneTimeCode, user: PoolUser, code: str, now: dt.datetime, pending_value: str | None
) -> None:
    row.code_digest = crypto.keyed_digest(
        _digest_input(user, row.purpose, row.attribute, code), _DIGEST_PURPOSE
    )
    row.failed_attempts = 0
    row.created = now
    row.expires = now + CODE_LIFETIMES[row.purpose]
    if pending_value is not None:
        row.pending_value = pending_value


def pending_value(user: PoolUser, attribute: str) -> str:
    """The new value of ``attribute`` awaiting verification, or ``""``."""
    row = OneTimeCode.objects.filter(
        user=user, purpose=Purpose.VERIFY_ATTRIBUTE, attribute=attribute
    ).first()
    return row.pending_value if row else ""


def discard_codes(user: PoolUser, purpose: str, attribute: str | None = None) -> None:
    OneTimeCode.objects.filter(user=user, purpose=purpose, attribute=attribute or "").delete()


def verify_code(
    user: PoolUser, purpose: str, code: str, attribute: str | None = None
) -> OneTimeCode:
    """Check and consume the user's code; return the consumed row (for its pending value).

    Raises CodeMismatchException for a wrong code, ExpiredCodeException for an expired,
    already used or never requested one, and LimitExceededException once
    ``MAX_FAILED_ATTEMPTS`` wrong codes were tried. Call it outside a transaction that may
    roll back: the failed-attempt count is committed before the error is raised.
    """
    attribute = attribute or ""
    refusal: type[CognitoError] | None = None
    with transaction.atomic():
        row = (
            OneTimeCode.objects.select_for_update()
            .filter(user=user, purpose=purpose, attribute=attribute)
            .first()
        )
        if row is None:
            raise ExpiredCodeException()
        if row.failed_attempts >= MAX_FAILED_ATTEMPTS:
            refusal = LimitExceededException
        elif row.expires <= timezone.now():
            refusal = ExpiredCodeException
        elif crypto.digest_matches(
            _digest_input(user, purpose, attribute, code), row.code_digest, _DIGEST_PURPOSE
        ):
            row.delete()
        else:
            row.failed_attempts += 1
            row.save(update_fields=["failed_attempts"])
            refusal = CodeMismatchException
    # Raised after the block so the failed-attempt count is committed.
    if refusal is not None:
        raise refusal()
    return row
