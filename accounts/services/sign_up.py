"""Self-registration and account recovery through an app client: SignUp, ConfirmSignUp,
ResendConfirmationCode, ForgotPassword and ConfirmForgotPassword (reference §2.4, §5).

Every call checks the client's SECRET_HASH against the username as the user typed it. With
the client's PreventUserExistenceErrors=ENABLED an unknown user gets the answer a real one
would (a simulated code delivery, or a code error), never UserNotFoundException.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import AuditEvent, PoolUser, UserPool, UserStatus
from accounts.selectors import get_user_by_alias
from accounts.services import attributes as attribute_rules
from accounts.services import codes, notifications, passwords, users
from accounts.services.notifications import CodeDelivery
from accounts.services.self_service import check_writable
from core.errors import (
    CodeMismatchException,
    ExpiredCodeException,
    InvalidParameterException,
    NotAuthorizedException,
    UsernameExistsException,
    UserNotFoundException,
)
from oauth.models import AppClient
from oauth.services.clients import verify_secret_hash
from oauth.services.tokens import global_sign_out

# ForgotPassword / ConfirmForgotPassword / ResendConfirmationCode / ConfirmSignUp name an
# unknown user this way (LEGACY error mode).
UNKNOWN_USER_MESSAGE = "Username/client id combination not found."
NO_RECOVERY_CHANNEL_MESSAGE = (
    "Cannot reset password for the user as there is no registered/verified email or phone_number"
)
# The model lets SignUp omit Password (for passwordless pools); these pools need one.
MISSING_PASSWORD_MESSAGE = (
    "1 validation error detected: Value null at 'password' failed to satisfy constraint: "
    "Member must not be null"
)


@dataclass(frozen=True)
class SignUpResult:
    user: PoolUser
    confirmed: bool
    delivery: CodeDelivery | None


def _prevents_user_existence_errors(client: AppClient) -> bool:
    return client.prevent_user_existence_errors == "ENABLED"


def _find_user(client: AppClient, username: str) -> PoolUser | None:
    try:
        return users.get_user(client.pool, username)
    except UserNotFoundException:
        return None


def _verification_attribute(pool: UserPool, attributes: Mapping[str, str]) -> str | None:
    """Which attribute a sign-up code goes to: email when the pool auto-verifies it and
    the user gave one, else phone_number likewise, else none."""
    for name in ("email", "phone_number"):
        if name in pool.auto_verified_attributes and attributes.get(name):
            return name
    return None


def confirmation_channel(pool: UserPool, username: str) -> str | None:
    """The attribute a confirmation code for ``username`` would go to (ResendConfirmationCode),
    or None when the pool verifies nothing the user has: then only AdminConfirmSignUp can
    confirm them."""
    user = get_user_by_alias(pool, username)
    return _verification_attribute(pool, user.attributes) if user is not None else None


@transaction.atomic
def sign_up(
    *,
    client: AppClient,
    username: str,
    password: str | None,
    attributes: Mapping[str, str],
    secret_hash: str | None = None,
) -> SignUpResult:
    """SignUp. The user starts UNCONFIRMED (UserConfirmed false) whatever the pool verifies:
    pools that auto-verify email or phone mail a code to it for ConfirmSignUp; pools that
    verify nothing send nothing and leave confirmation to AdminConfirmSignUp, as Cognito
    does without a PreSignUp trigger (moto's AWS-verified test_sign_up; awsdocs
    signing-up-users-in-your-app.md). ValidationData only feeds Lambda triggers, which
    Tessera does not run, so it is accepted and not used."""
    verify_secret_hash(client, username, secret_hash)
    pool = client.pool
    if password is None:
        raise InvalidParameterException(MISSING_PASSWORD_MESSAGE)
    check_writable(client, attributes.keys())
    values = attribute_rules.canonical_values(
        pool, {name: value for name, value in attributes.items() if name != "sub"}
    )
    sub = uuid.uuid4()
    if pool.username_attributes:
        # The typed name is the email / phone number; the stored username is the sub.
        values[users.sign_in_attribute(pool, username)] = username
        stored_username = str(sub)
    else:
        users.check_username_not_alias_shaped(pool, username)
        stored_username = username
    passwords.validate_password_policy(pool, password, sign_up=True)
    attribute_rules.validate_attributes(pool, values, for_create=True)
    username_key = pool.normalize_username(stored_username)
    users.claim_sign_in_names(pool, values)
    if PoolUser.objects.filter(pool=pool, username_key=username_key).exists():
        raise UsernameExistsException("User already exists")
    attribute_rules.check_alias_uniqueness(pool, values)

    for name, flag in attribute_rules.VERIFIED_FLAGS.items():
        if values.get(name):
            # Proven only by a code (or an administrator), never by the user's say-so.
            values[flag] = "false"
    verify_via = _verification_attribute(pool, values)
    now = timezone.now()
    user = PoolUser(
        pool=pool,
        username=stored_username,
        username_key=username_key,
        sub=sub,
        status=UserStatus.UNCONFIRMED,
        created=now,
        modified=now,
    )
    user.set_attributes(values)
    passwords.set_password(user, password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        # A concurrent SignUp took the name between the check and the insert.
        raise UsernameExistsException("User already exists") from exc
    AuditEvent.objects.create(
        pool=pool, user=user, event="sign_up", actor=f"client:{client.client_id}"
    )
    delivery = None
    if verify_via is not None:
        code = codes.issue_code(user, codes.Purpose.SIGN_UP)
        delivery = notifications.deliver_code(
            user, codes.Purpose.SIGN_UP, code, attribute=verify_via, client_id=client.client_id
        )
    # Only a PreSignUp trigger's autoConfirmUser confirms at sign-up, and Tessera runs none.
    return SignUpResult(user=user, confirmed=False, delivery=delivery)


def confirm_sign_up(
    *,
    client: AppClient,
    username: str,
    code: str,
    secret_hash: str | None = None,
    force_alias_creation: bool = False,
) -> PoolUser:
    """ConfirmSignUp: a right code confirms the user and marks the attribute the code was
    sent to as verified. A verified email/phone alias another user already holds gives
    AliasExistsException unless ForceAliasCreation moves it to this user."""
    verify_secret_hash(client, username, secret_hash)
    user = _find_user(client, username)
    if user is None:
        if _prevents_user_existence_errors(client):
            raise ExpiredCodeException()
        raise UserNotFoundException(UNKNOWN_USER_MESSAGE)
    if user.status != UserStatus.UNCONFIRMED:
        raise NotAuthorizedException(f"User cannot be confirmed. Current status is {user.status}")
    verified = _verified_after_confirmation(user)
    if not force_alias_creation:
        attribute_rules.check_alias_uniqueness(user.pool, verified, exclude_user=user)
    codes.verify_code(user, codes.Purpose.SIGN_UP, code)
    return _confirm(user, verified, force_alias_creation=force_alias_creation)


def _verified_after_confirmation(user: PoolUser) -> dict[str, str]:
    """The user's attributes as they will be once the code's channel counts as verified."""
    values = dict(user.attributes)
    channel = _verification_attribute(user.pool, values)
    if channel is not None:
        values[attribute_rules.VERIFIED_FLAGS[channel]] = "true"
    return values


@transaction.atomic
def _confirm(user: PoolUser, verified: dict[str, str], *, force_alias_creation: bool) -> PoolUser:
    # Checked again under the claim: another user may have verified the same address
    # since confirm_sign_up's first check (which spares the code in the common case).
    users.claim_sign_in_names(user.pool, verified)
    if force_alias_creation:
        attribute_rules.release_aliases(user.pool, verified, exclude_user=user)
    else:
        attribute_rules.check_alias_uniqueness(user.pool, verified, exclude_user=user)
    user.set_attributes(verified)
    user.status = UserStatus.CONFIRMED
    user.modified = timezone.now()
    user.save(update_fields=[*users.ATTRIBUTE_FIELDS, "status", "modified"])
    AuditEvent.objects.create(pool=user.pool, user=user, event="confirm_sign_up")
    return user


@transaction.atomic
def resend_confirmation_code(
    *, client: AppClient, username: str, secret_hash: str | None = None
) -> CodeDelivery:
    """ResendConfirmationCode: a fresh sign-up code (the previous one stops working)."""
    verify_secret_hash(client, username, secret_hash)
    user = _find_user(client, username)
    if user is None:
        if _prevents_user_existence_errors(client):
            return notifications.simulated_delivery(username)
        raise UserNotFoundException(UNKNOWN_USER_MESSAGE)
    if user.status != UserStatus.UNCONFIRMED:
        raise InvalidParameterException("User is already confirmed.")
    channel = _verification_attribute(user.pool, user.attributes)
    if channel is None:
        raise InvalidParameterException(
            "Cannot send a confirmation code: the user pool verifies no attribute the user has."
        )
    code = codes.issue_code(user, codes.Purpose.SIGN_UP)
    return notifications.deliver_code(
        user, codes.Purpose.SIGN_UP, code, attribute=channel, client_id=client.client_id
    )


def _recovery_attribute(user: PoolUser) -> str | None:
    """The verified channel a reset code goes to, in the pool's AccountRecoverySetting
    priority (email first when the pool has none: the only channel Tessera can send)."""
    mechanisms = (user.pool.account_recovery_setting or {}).get("RecoveryMechanisms") or [
        {"Name": "verified_email", "Priority": 1},
        {"Name": "verified_phone_number", "Priority": 2},
    ]
    for mechanism in sorted(mechanisms, key=lambda item: item.get("Priority", 0)):
        name = mechanism.get("Name")
        if name == "verified_email" and user.email and user.email_verified:
            return "email"
        if name == "verified_phone_number" and user.phone_number and user.phone_number_verified:
            return "phone_number"
    return None


@transaction.atomic
def forgot_password(
    *, client: AppClient, username: str, secret_hash: str | None = None
) -> CodeDelivery:
    """ForgotPassword: mail a one-hour reset code to the user's verified email. The
    password keeps working until ConfirmForgotPassword sets a new one."""
    verify_secret_hash(client, username, secret_hash)
    user = _find_user(client, username)
    if user is None:
        if _prevents_user_existence_errors(client):
            return notifications.simulated_delivery(username)
        raise UserNotFoundException(UNKNOWN_USER_MESSAGE)
    if not user.enabled:
        raise NotAuthorizedException("User is disabled.")
    channel = _recovery_attribute(user)
    if channel is None:
        raise InvalidParameterException(NO_RECOVERY_CHANNEL_MESSAGE)
    code = codes.issue_code(user, codes.Purpose.FORGOT_PASSWORD)
    AuditEvent.objects.create(pool=user.pool, user=user, event="forgot_password")
    return notifications.deliver_code(user, codes.Purpose.FORGOT_PASSWORD, code, attribute=channel)


def confirm_forgot_password(
    *,
    client: AppClient,
    username: str,
    code: str,
    password: str,
    secret_hash: str | None = None,
) -> PoolUser:
    """ConfirmForgotPassword: a right reset code sets the new password (policy-checked
    first, so a refused password does not use the code up), confirms the user and signs
    them out everywhere."""
    verify_secret_hash(client, username, secret_hash)
    user = _find_user(client, username)
    if user is None:
        if _prevents_user_existence_errors(client):
            raise CodeMismatchException()
        raise UserNotFoundException(UNKNOWN_USER_MESSAGE)
    if not user.enabled:
        raise NotAuthorizedException("User is disabled.")
    passwords.validate_password_policy(user.pool, password, sign_up=False)
    codes.verify_code(user, codes.Purpose.FORGOT_PASSWORD, code)
    return _reset_password(user, password)


@transaction.atomic
def _reset_password(user: PoolUser, password: str) -> PoolUser:
    passwords.set_password(user, password)
    user.status = UserStatus.CONFIRMED
    user.modified = timezone.now()
    user.save(update_fields=[*passwords.PASSWORD_FIELDS, "status", "modified"])
    global_sign_out(user)
    AuditEvent.objects.create(pool=user.pool, user=user, event="confirm_forgot_password")
    return user
