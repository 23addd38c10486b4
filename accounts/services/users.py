"""Admin user management: AdminCreateUser, AdminGetUser, AdminDeleteUser, AdminEnableUser,
AdminDisableUser, AdminSetUserPassword, AdminUpdateUserAttributes,
AdminDeleteUserAttributes, AdminConfirmSignUp and AdminResetUserPassword."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts import selectors
from accounts.models import FILTERABLE_COLUMNS, AuditEvent, PoolUser, UserPool, UserStatus
from accounts.services import attributes as attribute_rules
from accounts.services import codes, messaging, notifications, passwords, pools
from core.errors import (
    InvalidParameterException,
    NotAuthorizedException,
    UnsupportedUserStateException,
    UsernameExistsException,
    UserNotFoundException,
)

# The columns PoolUser.set_attributes writes. Writes save these (and the other fields they
# change) by name, never the whole row: a copy of the user read before a concurrent
# AdminDisableUser or GlobalSignOut committed must not write the old ``enabled`` or
# ``tokens_valid_after`` back.
ATTRIBUTE_FIELDS = ("attributes", *FILTERABLE_COLUMNS, "email_verified", "phone_number_verified")


def get_user(pool: UserPool, username: str) -> PoolUser:
    """The user a Username parameter names: the username, a sign-in alias, or the ``sub``."""
    user = selectors.get_user_by_alias(pool, username)
    if user is None:
        user = _get_user_by_sub(pool, username)
    if user is None:
        raise UserNotFoundException("User does not exist.")
    return user


def admin_get_user(*, pool: UserPool, username: str) -> PoolUser:
    """AdminGetUser."""
    return get_user(pool, username)


def _get_user_by_sub(pool: UserPool, value: str) -> PoolUser | None:
    try:
        sub = uuid.UUID(value)
    except ValueError:
        return None
    return PoolUser.objects.select_related("pool").filter(pool=pool, sub=sub).first()


def _audit(
    user: PoolUser | None, event: str, *, pool: UserPool, actor: str, **details: Any
) -> None:
    AuditEvent.objects.create(pool=pool, user=user, event=event, actor=actor, details=details)


def _touch(user: PoolUser, *fields: str) -> None:
    user.modified = timezone.now()
    user.save(update_fields=[*fields, "modified"])


# --- AdminCreateUser ---------------------------------------------------------------------


def sign_in_attribute(pool: UserPool, username: str) -> str:
    """With UsernameAttributes, the attribute the typed username is (email or phone); an
    InvalidParameterException naming what it should be otherwise. AdminCreateUser and
    SignUp store the typed name as that attribute and the ``sub`` as the username."""
    allowed = pool.username_attributes
    if "email" in allowed and attribute_rules.is_email(username):
        return "email"
    if "phone_number" in allowed and attribute_rules.is_phone_number(username):
        return "phone_number"
    if "email" in allowed and "phone_number" in allowed:
        raise InvalidParameterException("Username should be either an email or a phone number.")
    if "email" in allowed:
        raise InvalidParameterException("Username should be an email.")
    raise InvalidParameterException("Username should be a phone number.")


def check_username_not_alias_shaped(pool: UserPool, username: str) -> None:
    """Without UsernameAttributes the typed name is the username, but with AliasAttributes
    an email- or phone-shaped one would shadow another user's alias: refused."""
    if "email" in pool.alias_attributes and attribute_rules.is_email(username):
        raise InvalidParameterException(
            "Username cannot be of email format, since user pool is configured for email alias."
        )
    if "phone_number" in pool.alias_attributes and attribute_rules.is_phone_number(username):
        raise InvalidParameterException(
            "Username cannot be of phone number format, since user pool is configured for "
            "phone_number alias."
        )


def claim_sign_in_names(pool: UserPool, *candidates: Mapping[str, str]) -> None:
    """Hold, until the surrounding transaction ends, the sign-in names (username
    attributes, verified aliases) that each of ``candidates`` would give a user, so two
    SignUps or AdminCreateUsers with the same email, or two users verifying the same
    email, cannot both pass the uniqueness check before either writes: no database
    constraint can say "unique email" only in pools that sign in with it. PostgreSQL: one
    transaction-level advisory lock per name, all taken in one sorted pass (so two
    requests never wait on each other in opposite orders); SQLite already runs one
    writing transaction at a time (so the check must run inside it)."""
    if connection.vendor != "postgresql":
        return
    claimed = {
        f"{pool.id}:{name}:{attributes[name].lower()}"
        for attributes in candidates
        for name in attribute_rules.alias_attributes_in_use(pool, attributes)
    }
    keys = sorted(_advisory_lock_key(claim) for claim in claimed)
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def check_sign_in_names_free(
    pool: UserPool, *candidates: Mapping[str, str], user: PoolUser
) -> None:
    """Inside the transaction writing ``user``: claim the sign-in names each of
    ``candidates`` (the user's attributes as the write leaves them) gives it, then refuse
    with AliasExistsException any another user holds. Checked before that transaction
    only, two users verifying one email at once both ended up with it as a verified
    alias."""
    claim_sign_in_names(pool, *candidates)
    for attributes in candidates:
        attribute_rules.check_alias_uniqueness(pool, attributes, exclude_user=user)


def reread_for_attribute_write(user: PoolUser, *candidates: Mapping[str, str]) -> None:
    """Inside the transaction writing ``user``'s attributes: lock its row and reload them,
    so the change is merged into what is stored now, not into what the request read when
    it began — two updates of different attributes at once both stay (no lost update).
    The sign-in names the write may touch (the user's as read, and ``candidates``) are
    claimed first, in the order every attribute writer takes them (names, then the row),
    so two writes for one user never wait on each other in opposite orders."""
    claim_sign_in_names(user.pool, dict(user.attributes), *candidates)
    user.refresh_from_db(
        fields=ATTRIBUTE_FIELDS, from_queryset=PoolUser.objects.select_for_update()
    )


def attribute_write_candidates(
    user: PoolUser, attributes: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """The user's attributes as an update may leave them: with the new values, and with a
    new email held back until verified (then a verified alias)."""
    updated = {**user.attributes, **_present(attributes)}
    return updated, {**updated, "email_verified": "true"}


def _advisory_lock_key(name: str) -> int:
    """PostgreSQL advisory locks take a signed 64-bit key."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def _present(values: Mapping[str, str]) -> dict[str, str]:
    """Attributes given with a value (an empty Value sets nothing)."""
    return {name: value for name, value in values.items() if value != ""}


def _send_invitation(
    user: PoolUser, *, sign_in_name: str, password: str, mediums: Iterable[str] | None
) -> None:
    """The welcome mail carrying the temporary password, per the pool's template."""
    wanted = set(mediums) if mediums is not None else {"EMAIL"}
    if "EMAIL" not in wanted or not user.email:
        # SMS has no sender in this deployment; Cognito would text the phone number.
        return
    template = pools.invite_message_template(user.pool)
    body = template["EmailMessage"].replace("{username}", sign_in_name).replace("{####}", password)
    messaging.queue_mail(to=user.email, subject=template["EmailSubject"], body=body, pool=user.pool)


def _resend_invitation(
    *, pool: UserPool, username: str, temporary_password: str | None, mediums: Any, actor: str
) -> PoolUser:
    user = get_user(pool, username)
    if user.status != UserStatus.FORCE_CHANGE_PASSWORD:
        raise UnsupportedUserStateException(
            f"Resend not possible. {username} status is not FORCE_CHANGE_PASSWORD."
        )
    if temporary_password is not None:
        passwords.validate_password_policy(pool, temporary_password, sign_up=False)
    password = temporary_password or passwords.generate_temporary_password(pool)
    passwords.set_password(user, password, temporary=True)
    _touch(user, *passwords.PASSWORD_FIELDS)
    _send_invitation(user, sign_in_name=username, password=password, mediums=mediums)
    _audit(user, "admin_create_user.resend", pool=pool, actor=actor)
    return user


@transaction.atomic
def admin_create_user(
    *,
    pool: UserPool,
    username: str,
    attributes: Mapping[str, str],
    temporary_password: str | None = None,
    message_action: str | None = None,
    desired_delivery_mediums: Iterable[str] | None = None,
    force_alias_creation: bool = False,
    actor: str = "",
) -> PoolUser:
    """AdminCreateUser: a FORCE_CHANGE_PASSWORD user with a temporary password (given, or
    generated per the policy), invited by mail unless MessageAction=SUPPRESS.
    MessageAction=RESEND sends a new temporary password to an existing invited user.

    With UsernameAttributes the typed username must be an email / phone number; it is
    stored as that attribute and the internal username becomes the ``sub``.
    """
    if message_action == "RESEND":
        return _resend_invitation(
            pool=pool,
            username=username,
            temporary_password=temporary_password,
            mediums=desired_delivery_mediums,
            actor=actor,
        )
    values = attribute_rules.canonical_values(pool, _present(attributes))
    sub = uuid.uuid4()
    if pool.username_attributes:
        values[sign_in_attribute(pool, username)] = username
        stored_username = str(sub)
    else:
        check_username_not_alias_shaped(pool, username)
        stored_username = username
        if selectors.get_user_by_username(pool, username) is not None:
            raise UsernameExistsException("User account already exists")
    attribute_rules.validate_attributes(pool, values, for_create=True)
    claim_sign_in_names(pool, values)
    if force_alias_creation:
        attribute_rules.release_aliases(pool, values)
    attribute_rules.check_alias_uniqueness(pool, values)
    if temporary_password is not None:
        passwords.validate_password_policy(pool, temporary_password, sign_up=False)
    password = temporary_password or passwords.generate_temporary_password(pool)

    now = timezone.now()
    user = PoolUser(
        pool=pool,
        username=stored_username,
        username_key=pool.normalize_username(stored_username),
        sub=sub,
        status=UserStatus.FORCE_CHANGE_PASSWORD,
        created=now,
        modified=now,
    )
    user.set_attributes(values)
    passwords.set_password(user, password, temporary=True)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        # A concurrent AdminCreateUser took the username between the check and the insert.
        raise UsernameExistsException("User account already exists") from exc
    if message_action != "SUPPRESS":
        _send_invitation(
            user, sign_in_name=username, password=password, mediums=desired_delivery_mediums
        )
    _audit(user, "admin_create_user", pool=pool, actor=actor)
    return user


# --- lifecycle ---------------------------------------------------------------------------


@transaction.atomic
def admin_delete_user(*, user: PoolUser, actor: str = "") -> None:
    """AdminDeleteUser."""
    _audit(
        None,
        "admin_delete_user",
        pool=user.pool,
        actor=actor,
        username=user.username,
        sub=str(user.sub),
    )
    user.delete()


@transaction.atomic
def admin_enable_user(*, user: PoolUser, actor: str = "") -> None:
    """AdminEnableUser."""
    user.enabled = True
    _touch(user, "enabled")
    _audit(user, "admin_enable_user", pool=user.pool, actor=actor)


@transaction.atomic
def admin_disable_user(*, user: PoolUser, actor: str = "") -> None:
    """AdminDisableUser: the user can no longer sign in, and every token issued so far is
    revoked (Cognito revokes refresh tokens and their access tokens on disable)."""
    # Imported here: oauth builds on accounts, so accounts must not import it at load time.
    from oauth.services import tokens

    user.enabled = False
    _touch(user, "enabled")
    tokens.global_sign_out(user, actor=actor)
    _audit(user, "admin_disable_user", pool=user.pool, actor=actor)


@transaction.atomic
def admin_set_user_password(
    *, user: PoolUser, password: str, permanent: bool, actor: str = ""
) -> None:
    """AdminSetUserPassword: Permanent → CONFIRMED; otherwise a temporary password and
    FORCE_CHANGE_PASSWORD, expiring per TemporaryPasswordValidityDays."""
    passwords.validate_password_policy(user.pool, password, sign_up=False)
    passwords.set_password(user, password, temporary=not permanent)
    user.status = UserStatus.CONFIRMED if permanent else UserStatus.FORCE_CHANGE_PASSWORD
    _touch(user, *passwords.PASSWORD_FIELDS, "status")
    _audit(user, "admin_set_user_password", pool=user.pool, actor=actor, permanent=permanent)


@transaction.atomic
def admin_confirm_sign_up(*, user: PoolUser, actor: str = "") -> None:
    """AdminConfirmSignUp: only an UNCONFIRMED user can be confirmed."""
    if user.status != UserStatus.UNCONFIRMED:
        raise NotAuthorizedException(f"User cannot be confirmed. Current status is {user.status}")
    user.status = UserStatus.CONFIRMED
    _touch(user, "status")
    _audit(user, "admin_confirm_sign_up", pool=user.pool, actor=actor)


@transaction.atomic
def admin_reset_user_password(*, user: PoolUser, actor: str = "") -> None:
    """AdminResetUserPassword: RESET_REQUIRED, and a reset code sent to the verified email
    (the user finishes with ConfirmForgotPassword)."""
    if not user.enabled:
        raise NotAuthorizedException("User is disabled.")
    if user.status in (UserStatus.UNCONFIRMED, UserStatus.FORCE_CHANGE_PASSWORD):
        raise NotAuthorizedException("User password cannot be reset in the current state.")
    has_email = bool(user.email and user.email_verified)
    if not has_email and not (user.phone_number and user.phone_number_verified):
        raise InvalidParameterException(
            "Cannot reset password for the user as there is no registered/verified email or "
            "phone_number"
        )
    user.status = UserStatus.RESET_REQUIRED
    _touch(user, "status")
    if has_email:
        # No SMS sender is configured, so a phone-only user gets the code from an operator.
        code = codes.issue_code(user, codes.Purpose.FORGOT_PASSWORD)
        notifications.deliver_code(user, codes.Purpose.FORGOT_PASSWORD, code)
    _audit(user, "admin_reset_user_password", pool=user.pool, actor=actor)


# --- attributes --------------------------------------------------------------------------


def _held_back(pool: UserPool) -> set[str]:
    settings = pool.user_attribute_update_settings or {}
    return set(settings.get("AttributesRequireVerificationBeforeUpdate") or [])


@transaction.atomic
def admin_update_user_attributes(
    *, user: PoolUser, attributes: Mapping[str, str], actor: str = ""
) -> None:
    """AdminUpdateUserAttributes. An empty value deletes the attribute; immutable
    attributes are refused.

    A new email or phone number is unverified unless the same call sets
    ``email_verified`` / ``phone_number_verified``. A new email gets a verification code
    when the pool auto-verifies email; with AttributesRequireVerificationBeforeUpdate a
    verified email stays in place until that code is confirmed (VerifyUserAttribute).
    """
    pool = user.pool
    attributes = attribute_rules.canonical_values(pool, attributes)
    attribute_rules.validate_attributes(pool, _present(attributes), for_create=False)
    reread_for_attribute_write(user, *attribute_write_candidates(user, attributes))
    deleted = [name for name, value in attributes.items() if value == ""]
    if deleted:
        attribute_rules.validate_deletable(pool, deleted)
    changes: dict[str, str | None] = {name: value or None for name, value in attributes.items()}
    pending: dict[str, str] = {}
    to_verify: list[str] = []
    for name, flag in attribute_rules.VERIFIED_FLAGS.items():
        value = changes.get(name)
        if name not in changes or flag in changes:
            continue
        if value is None:
            changes[flag] = None
            continue
        if value == user.attributes.get(name):
            continue
        if name != "email":
            # No SMS sender: a new phone number is simply unverified.
            changes[flag] = "false"
        elif name in _held_back(pool) and user.attributes.get(flag) == "true":
            pending[name] = value
            changes.pop(name)
            to_verify.append(name)
        else:
            changes[flag] = "false"
            if name in pool.auto_verified_attributes:
                to_verify.append(name)
    merged = {name: value for name, value in {**user.attributes, **changes}.items() if value}
    # The held-back value becomes a verified alias later: it must be free now too.
    held_back = [
        {**merged, name: value, attribute_rules.VERIFIED_FLAGS[name]: "true"}
        for name, value in pending.items()
    ]
    check_sign_in_names_free(pool, merged, *held_back, user=user)
    user.set_attributes(changes)
    _touch(user, *ATTRIBUTE_FIELDS)
    for name in to_verify:
        code = codes.issue_code(
            user, codes.Purpose.VERIFY_ATTRIBUTE, name, pending_value=pending.get(name, "")
        )
        notifications.deliver_code(
            user,
            codes.Purpose.VERIFY_ATTRIBUTE,
            code,
            attribute=name,
            address=pending.get(name) or user.attributes[name],
        )
    _audit(
        user,
        "admin_update_user_attributes",
        pool=pool,
        actor=actor,
        names=sorted(attributes),
        pending=sorted(pending),
    )


@transaction.atomic
def admin_delete_user_attributes(*, user: PoolUser, names: Iterable[str], actor: str = "") -> None:
    """AdminDeleteUserAttributes: required and immutable attributes cannot be deleted;
    deleting an email or phone number also drops its verified flag."""
    names = list(names)
    attribute_rules.validate_deletable(user.pool, names)
    reread_for_attribute_write(user)
    changes: dict[str, str | None] = dict.fromkeys(names)
    for name, flag in attribute_rules.VERIFIED_FLAGS.items():
        if name in changes:
            changes[flag] = None
    user.set_attributes(changes)
    _touch(user, *ATTRIBUTE_FIELDS)
    _audit(user, "admin_delete_user_attributes", pool=user.pool, actor=actor, names=names)
