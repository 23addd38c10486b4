"""Setting and checking pool-user passwords (argon2id hash plus the SRP verifier), the
pool's password policy, and generated temporary passwords.

Every password set goes through ``set_password`` so the SRP salt + verifier (which depend
on the pool and the internal username, reference §2.3) always match the argon2id hash.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import string
from functools import lru_cache

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import PoolUser, UserPool
from accounts.services import srp
from core.errors import InvalidPasswordException

# Verified against when the user is unknown, so a miss costs what a hit costs.
_DUMMY_HASH: str | None = None


# What set_password writes, for callers saving with update_fields.
PASSWORD_FIELDS = (
    "password_hash",
    "srp_salt",
    "srp_verifier",
    "password_set_at",
    "temporary_password_expires",
)


def set_password(user: PoolUser, raw_password: str, *, temporary: bool = False) -> None:
    """Hash ``raw_password`` into ``user`` (not saved). Temporary passwords expire per the
    pool's ``TemporaryPasswordValidityDays``."""
    user.password_hash = make_password(raw_password)
    user.srp_salt, user.srp_verifier = srp.compute_verifier(
        user.pool.pool_suffix, user.username, raw_password
    )
    now = timezone.now()
    user.password_set_at = now
    if temporary:
        days = int(user.pool.password_policy.get("TemporaryPasswordValidityDays", 7))
        user.temporary_password_expires = now + dt.timedelta(days=days)
    else:
        user.temporary_password_expires = None


def check_user_password(user: PoolUser | None, raw_password: str) -> bool:
    """Constant work whether or not the user exists (verifies against a dummy hash)."""
    global _DUMMY_HASH
    if user is None or not user.password_hash:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = make_password("tessera-dummy-password")
        check_password(raw_password, _DUMMY_HASH)
        return False
    return check_password(raw_password, user.password_hash)


# Cognito's pattern for every password member (reference §5). botocore's model says
# [\S]+, yet Cognito takes inner spaces (the space is one of its policy symbols) and refuses
# only blank ends. The JSON API (api.validation) and the hosted pages both check it here.
PASSWORD_PATTERN = r"^[\S]+.*[\S]+$"
_PASSWORD_SHAPE = re.compile(PASSWORD_PATTERN)


def matches_password_pattern(password: str) -> bool:
    """Whether ``password`` fits Cognito's PASSWORD_PATTERN (no blank first or last
    character, no line break, at least two characters)."""
    return _PASSWORD_SHAPE.fullmatch(password) is not None


# Cognito's special characters for RequireSymbols (developer guide, "Password policies"):
# ^ $ * . [ ] { } ( ) ? " ! @ # % & / \ , > < ' : ; | _ ~ ` = + - and the space.
PASSWORD_SYMBOLS = frozenset("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")
# Symbols a generated password draws from: unambiguous and shell- and mail-safe.
_GENERATED_SYMBOLS = "!#%*+-=?@^_"
_GENERATED_LENGTH = 14


@lru_cache(maxsize=1)
def _common_passwords() -> CommonPasswordValidator:
    # Loading the 20,000-entry list costs a few ms: do it once per process.
    return CommonPasswordValidator()


def _policy_failure(pool: UserPool, password: str) -> str | None:
    """The first rule ``password`` breaks, in Cognito's order, or None."""
    policy = pool.password_policy
    if len(password) < int(policy.get("MinimumLength", 8)):
        return "Password not long enough"
    # Cognito counts Basic Latin letters and digits only.
    checks = (
        ("RequireUppercase", frozenset(string.ascii_uppercase), "uppercase"),
        ("RequireLowercase", frozenset(string.ascii_lowercase), "lowercase"),
        ("RequireNumbers", frozenset(string.digits), "numeric"),
        ("RequireSymbols", PASSWORD_SYMBOLS, "symbol"),
    )
    for rule, alphabet, kind in checks:
        if policy.get(rule, False) and alphabet.isdisjoint(password):
            return f"Password must have {kind} characters"
    if pool.reject_common_passwords:
        try:
            _common_passwords().validate(password)
        except ValidationError:
            return "Password is too common"
    return None


def validate_password_policy(pool: UserPool, password: str, *, sign_up: bool) -> None:
    """Raise InvalidPasswordException naming the first rule of the pool's PasswordPolicy
    that ``password`` breaks (reference §5: one rule per error).

    SignUp words it "Password did not conform with policy: …"; every other operation
    (AdminCreateUser, AdminSetUserPassword, ChangePassword, ConfirmForgotPassword,
    NEW_PASSWORD_REQUIRED) "Password does not conform to policy: …". Beyond Cognito, a
    pool with ``reject_common_passwords`` also refuses Django's common-password list.
    """
    failure = _policy_failure(pool, password)
    if failure is None:
        return
    prefix = (
        "Password did not conform with policy" if sign_up else "Password does not conform to policy"
    )
    raise InvalidPasswordException(f"{prefix}: {failure}")


def generate_temporary_password(pool: UserPool) -> str:
    """A random password meeting the pool's policy: what AdminCreateUser sends when the
    administrator gives no TemporaryPassword."""
    policy = pool.password_policy
    length = max(int(policy.get("MinimumLength", 8)), _GENERATED_LENGTH)
    classes = [string.ascii_uppercase, string.ascii_lowercase, string.digits, _GENERATED_SYMBOLS]
    chooser = secrets.SystemRandom()
    while True:
        # One character from every class, whatever the policy requires, then fill.
        chars = [secrets.choice(alphabet) for alphabet in classes]
        everything = "".join(classes)
        chars += [secrets.choice(everything) for _ in range(length - len(chars))]
        chooser.shuffle(chars)
        candidate = "".join(chars)
        if _policy_failure(pool, candidate) is None:
            return candidate
