"""What a signed-in user does with their own access token: GetUser, ChangePassword,
UpdateUserAttributes, GetUserAttributeVerificationCode, VerifyUserAttribute,
DeleteUserAttributes and DeleteUser.

Every call authenticates the access token through oauth.services.tokens (expired, revoked,
forged and other-pool tokens fail with NotAuthorizedException there). Writes honour the
issuing client's WriteAttributes, and reads its ReadAttributes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import AuditEvent, PoolUser
from accounts.services import attributes as attribute_rules
from accounts.services import codes, notifications, passwords, users
from accounts.services.notifications import CodeDelivery
from core.errors import InvalidParameterException, NotAuthorizedException
from oauth.models import AppClient
from oauth.services import tokens

UNAUTHORIZED_WRITE_MESSAGE = "A client attempted to write unauthorized attribute"
VERIFIABLE_ATTRIBUTES = ("email", "phone_number")


@dataclass(frozen=True)
class SignedInUser:
    user: PoolUser
    client: AppClient


def authenticate(access_token: str) -> SignedInUser:
    context = tokens.authenticate_access_token(access_token)
    return SignedInUser(user=context.user, client=context.client)


def _readable(client: AppClient, values: Mapping[str, str]) -> dict[str, str]:
    allowed = set(client.read_attributes or [])
    if not allowed:
        return dict(values)
    return {name: value for name, value in values.items() if name == "sub" or name in allowed}


def check_writable(client: AppClient, names: Iterable[str]) -> None:
    """A client without WriteAttributes may write every mutable attribute except the
    ``*_verified`` flags, which only an administrator (or the verification flow) sets."""
    allowed = set(client.write_attributes or [])
    for name in names:
        if allowed:
            permitted = name in allowed
        else:
            permitted = name not in attribute_rules.VERIFIED_FLAGS.values()
        if not permitted:
            raise NotAuthorizedException(UNAUTHORIZED_WRITE_MESSAGE)


def get_user(*, access_token: str) -> tuple[PoolUser, dict[str, str]]:
    """GetUser: the user and the attributes the token's client may read."""
    signed_in = authenticate(access_token)
    return signed_in.user, _readable(signed_in.client, signed_in.user.all_attributes())


def change_password(
    *, access_token: str, previous_password: str | None, proposed_password: str
) -> None:
    """ChangePassword: the previous password must be right ("Incorrect username or
    password." otherwise); the new one must meet the pool's policy. Sessions stay."""
    user = authenticate(access_token).user
    if not passwords.check_user_password(user, previous_password or ""):
        raise NotAuthorizedException("Incorrect username or password.")
    passwords.validate_password_policy(user.pool, proposed_password, sign_up=False)
    with transaction.atomic():
        passwords.set_password(user, proposed_password)
        user.modified = timezone.now()
        user.save(update_fields=[*passwords.PASSWORD_FIELDS, "modified"])
        AuditEvent.objects.create(pool=user.pool, user=user, event="change_password")


def _held_back(user: PoolUser) -> set[str]:
    settings = user.pool.user_attribute_update_settings or {}
    return set(settings.get("AttributesRequireVerificationBeforeUpdate") or [])


def _plan_attribute_changes(
    user: PoolUser, attributes: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """What UpdateUserAttributes writes now, what waits for verification (held back), and
    which attributes get a code."""
    pool = user.pool
    changes = dict(attributes)
    pending: dict[str, str] = {}
    to_verify: list[str] = []
    for name, flag in attribute_rules.VERIFIED_FLAGS.items():
        if name not in changes:
            continue
        if changes[name] == user.attributes.get(name):
            changes.pop(name)
            continue
        # Only an email address can be proven here: Tessera sends no SMS.
        provable = name == "email" and bool(changes[name])
        currently_verified = user.attributes.get(flag) == "true"
        if provable and name in _held_back(user) and currently_verified:
            pending[name] = changes.pop(name)
            to_verify.append(name)
            continue
        changes.setdefault(flag, "false")
        if provable and name in pool.auto_verified_attributes:
            to_verify.append(name)
    return changes, pending, to_verify


def update_user_attributes(
    *, access_token: str, attributes: Mapping[str, str]
) -> list[CodeDelivery]:
    """UpdateUserAttributes. A changed email becomes unverified and, when the pool
    auto-verifies email, gets a code. With AttributesRequireVerificationBeforeUpdate the
    verified email stays in place and the new one waits beside the code until
    VerifyUserAttribute confirms it (the sign-in alias never points at an unproven
    address). Phone numbers change at once, unverified: Tessera sends no SMS."""
    signed_in = authenticate(access_token)
    user, pool = signed_in.user, signed_in.user.pool
    check_writable(signed_in.client, attributes.keys())
    attributes = attribute_rules.canonical_values(pool, attributes)
    attribute_rules.validate_attributes(pool, attributes, for_create=False)

    with transaction.atomic():
        # Merged into the row as it is now, under its lock: an update of other attributes
        # that committed since this request read the user stays (no lost update).
        users.reread_for_attribute_write(user, *users.attribute_write_candidates(user, attributes))
        changes, pending, to_verify = _plan_attribute_changes(user, attributes)
        merged = {**user.attributes, **changes}
        # In the writing transaction, under the names' claim: two users taking one email
        # at once must not both pass.
        held_back = [
            {**merged, name: value, attribute_rules.VERIFIED_FLAGS[name]: "true"}
            for name, value in pending.items()
        ]
        users.check_sign_in_names_free(pool, merged, *held_back, user=user)
        user.set_attributes(changes)
        user.modified = timezone.now()
        user.save(update_fields=[*users.ATTRIBUTE_FIELDS, "modified"])
        deliveries = []
        for name in to_verify:
            code = codes.issue_code(
                user,
                codes.Purpose.VERIFY_ATTRIBUTE,
                name,
                pending_value=pending.get(name, ""),
            )
            deliveries.append(
                notifications.deliver_code(
                    user,
                    codes.Purpose.VERIFY_ATTRIBUTE,
                    code,
                    attribute=name,
                    address=pending.get(name) or user.attributes[name],
                )
            )
        AuditEvent.objects.create(
            pool=pool,
            user=user,
            event="update_user_attributes",
            details={"changed": sorted(changes), "pending": sorted(pending)},
        )
    return deliveries


def _verifiable(name: str) -> str:
    if name not in VERIFIABLE_ATTRIBUTES:
        raise InvalidParameterException(f"Invalid attribute name: {name} cannot be verified.")
    return name


@transaction.atomic
def get_user_attribute_verification_code(*, access_token: str, attribute_name: str) -> CodeDelivery:
    """GetUserAttributeVerificationCode: a fresh code to the pending new value if one is
    waiting, else to the current value."""
    user = authenticate(access_token).user
    name = _verifiable(attribute_name)
    address = codes.pending_value(user, name) or user.attributes.get(name, "")
    if not address:
        raise InvalidParameterException(f"The user has no {name} to verify.")
    code = codes.issue_code(user, codes.Purpose.VERIFY_ATTRIBUTE, name)
    return notifications.deliver_code(
        user, codes.Purpose.VERIFY_ATTRIBUTE, code, attribute=name, address=address
    )


def verify_user_attribute(*, access_token: str, attribute_name: str, code: str) -> None:
    """VerifyUserAttribute: a right code marks the attribute verified, first moving a
    held-back new value into place. A value another user holds as a verified alias gives
    AliasExistsException."""
    user = authenticate(access_token).user
    name = _verifiable(attribute_name)
    flag = attribute_rules.VERIFIED_FLAGS[name]
    value = codes.pending_value(user, name) or user.attributes.get(name, "")
    attribute_rules.check_alias_uniqueness(
        user.pool, {**user.attributes, name: value, flag: "true"}, exclude_user=user
    )
    consumed = codes.verify_code(user, codes.Purpose.VERIFY_ATTRIBUTE, code, attribute=name)
    with transaction.atomic():
        values = {flag: "true"}
        if consumed.pending_value:
            values[name] = consumed.pending_value
        # Again under the claim: another user may have verified the address since the
        # check above (which spares the code in the common case).
        users.check_sign_in_names_free(user.pool, {**user.attributes, **values}, user=user)
        user.set_attributes(values)
        user.modified = timezone.now()
        user.save(update_fields=[*users.ATTRIBUTE_FIELDS, "modified"])
        AuditEvent.objects.create(
            pool=user.pool, user=user, event="verify_user_attribute", details={"attribute": name}
        )


def delete_user_attributes(*, access_token: str, names: list[str]) -> None:
    """DeleteUserAttributes, within the client's WriteAttributes."""
    signed_in = authenticate(access_token)
    check_writable(signed_in.client, names)
    users.admin_delete_user_attributes(user=signed_in.user, names=names)


def delete_user(*, access_token: str) -> None:
    """DeleteUser: the user removes their own account (tokens go with it)."""
    users.admin_delete_user(user=authenticate(access_token).user)
