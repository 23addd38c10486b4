"""User attributes against the pool schema: names, required and immutable attributes,
value formats, and alias uniqueness (Cognito's AttributeType rules)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q
from django.utils import timezone

from accounts.models import FILTERABLE_COLUMNS, PoolUser, UserPool
from accounts.services import pools
from core.errors import AliasExistsException, InvalidParameterException, UsernameExistsException

# The standard attributes every pool has; the pools service owns their definitions.
STANDARD_ATTRIBUTES = pools.STANDARD_ATTRIBUTES

# Attributes that identify a user, and the flag that makes them a sign-in alias.
VERIFIED_FLAGS = {"email": "email_verified", "phone_number": "phone_number_verified"}

# Cognito accepts E.164 numbers: "+" then up to 15 digits, no leading zero.
_PHONE = re.compile(r"\+[1-9]\d{1,14}")
# Plain decimal notation: no "NaN", "Infinity" or digit-group underscores.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# One "@", no whitespace, a dot-less or dotted domain: what Cognito's check lets through.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


def schema_by_name(pool: UserPool) -> dict[str, dict[str, Any]]:
    return {attribute["Name"]: attribute for attribute in pools.pool_schema(pool)}


def is_email(value: str) -> bool:
    return _EMAIL.fullmatch(value) is not None


def is_phone_number(value: str) -> bool:
    return _PHONE.fullmatch(value) is not None


def _value_problem(name: str, definition: Mapping[str, Any], value: str) -> str | None:
    """Why ``value`` does not fit the attribute's definition, or None."""
    data_type = definition.get("AttributeDataType", "String")
    if data_type == "Boolean":
        if value.lower() not in ("true", "false"):
            return "Attribute value must be true or false"
    elif data_type == "Number":
        if _NUMBER.fullmatch(value) is None:
            return "Number could not be parsed"
        try:
            number = Decimal(value)
        except InvalidOperation:  # an exponent beyond what Decimal represents
            return "Number could not be parsed"
        constraints = definition.get("NumberAttributeConstraints") or {}
        if "MinValue" in constraints and number < Decimal(str(constraints["MinValue"])):
            return f"Number must be greater than or equal to {constraints['MinValue']}"
        if "MaxValue" in constraints and number > Decimal(str(constraints["MaxValue"])):
            return f"Number must be less than or equal to {constraints['MaxValue']}"
    elif data_type == "String":
        constraints = definition.get("StringAttributeConstraints") or {}
        if "MaxLength" in constraints and len(value) > int(constraints["MaxLength"]):
            return f"String must be no longer than {constraints['MaxLength']} characters"
        if "MinLength" in constraints and len(value) < int(constraints["MinLength"]):
            return f"String must be no shorter than {constraints['MinLength']} characters"
    elif len(value) > 2048:
        return "String must be no longer than 2048 characters"
    return None


def _raise_schema_errors(problems: list[tuple[str, str]], *, for_create: bool) -> None:
    # Cognito lists every problem, one line each, e.g. "Attributes did not conform to the
    # schema: email: The attribute is required\n" (create) or "Invalid user attributes:
    # user.custom:foo: Attribute does not exist in the schema.\n" (update, delete).
    if not problems:
        return
    if for_create:
        lines = "".join(
            # An undefined custom attribute reads "Type for attribute {custom:x} could not
            # be determined", without the name in front.
            f"{problem}\n" if problem.startswith("Type for attribute") else f"{name}: {problem}\n"
            for name, problem in problems
        )
        raise InvalidParameterException(f"Attributes did not conform to the schema: {lines}")
    lines = "".join(f"user.{name}: {problem}\n" for name, problem in problems)
    raise InvalidParameterException(f"Invalid user attributes: {lines}")


def _unknown(name: str, *, for_create: bool) -> str:
    if for_create and name.startswith("custom:"):
        return f"Type for attribute {{{name}}} could not be determined"
    return "Attribute does not exist in the schema."


def canonical_values(pool: UserPool, attributes: Mapping[str, str]) -> dict[str, str]:
    """``attributes`` with Boolean ones as stored: ``"true"`` / ``"false"``. Cognito takes
    them in any case (moto's AWS-verified test_forgot_password_with_email_delivery_details
    sets email_verified "True" and the email then counts as verified)."""
    schema = schema_by_name(pool)
    return {
        name: value.lower()
        if schema.get(name, {}).get("AttributeDataType") == "Boolean"
        and value.lower() in ("true", "false")
        else value
        for name, value in attributes.items()
    }


def validate_attributes(pool: UserPool, attributes: Mapping[str, str], *, for_create: bool) -> None:
    """Check attribute names and values against the pool schema.

    ``for_create``: the full set a new user starts with (AdminCreateUser, SignUp), so
    required attributes must be present and immutable ones may be set. Otherwise the
    attributes an update changes (AdminUpdateUserAttributes, UpdateUserAttributes), where
    immutable attributes are refused even when unset, as Cognito does.
    """
    schema = schema_by_name(pool)
    problems: list[tuple[str, str]] = []
    for name, value in attributes.items():
        definition = schema.get(name)
        if definition is None:
            problems.append((name, _unknown(name, for_create=for_create)))
        elif name == "sub" or (not for_create and not definition.get("Mutable", True)):
            problems.append((name, "Attribute cannot be updated."))
        else:
            problem = _value_problem(name, definition, value)
            if problem is not None:
                problems.append((name, problem))
    if for_create:
        for name, definition in schema.items():
            if definition.get("Required") and name != "sub" and not attributes.get(name):
                problems.append((name, "The attribute is required"))
    _raise_schema_errors(problems, for_create=for_create)
    # Cognito checks formats after the schema, with messages of their own.
    if attributes.get("email") and not is_email(attributes["email"]):
        raise InvalidParameterException("Invalid email address format.")
    if attributes.get("phone_number") and not is_phone_number(attributes["phone_number"]):
        raise InvalidParameterException("Invalid phone number format.")


def validate_deletable(pool: UserPool, names: Iterable[str]) -> None:
    """AdminDeleteUserAttributes / DeleteUserAttributes: names must exist in the schema and
    be neither required nor immutable."""
    schema = schema_by_name(pool)
    problems: list[tuple[str, str]] = []
    for name in names:
        definition = schema.get(name)
        if definition is None:
            problems.append((name, "Attribute does not exist in the schema."))
        elif definition.get("Required"):
            problems.append((name, "The attribute is required"))
        elif not definition.get("Mutable", True):
            problems.append((name, "Attribute cannot be updated."))
    _raise_schema_errors(problems, for_create=False)


def _alias_holders(pool: UserPool, column: str, value: str, *, verified_only: bool) -> Q:
    condition = Q(pool=pool, **{column: value})
    if verified_only and column in VERIFIED_FLAGS:
        condition &= Q(**{VERIFIED_FLAGS[column]: True})
    return condition


def alias_attributes_in_use(pool: UserPool, attributes: Mapping[str, str]) -> list[str]:
    """The attributes of ``attributes`` that act as sign-in names in this pool: username
    attributes always, alias attributes once verified (preferred_username always)."""
    names = []
    for name in ("email", "phone_number", "preferred_username"):
        if not attributes.get(name):
            continue
        if name in pool.username_attributes:
            names.append(name)
        elif name in pool.alias_attributes:
            flag = VERIFIED_FLAGS.get(name)
            if flag is None or attributes.get(flag) == "true":
                names.append(name)
    return names


def check_alias_uniqueness(
    pool: UserPool, attributes: Mapping[str, str], exclude_user: PoolUser | None = None
) -> None:
    """Refuse attributes that would give two users the same sign-in name.

    A new user (``exclude_user`` None) colliding on a username attribute gets
    UsernameExistsException; any other collision is AliasExistsException (Cognito's
    "An account with the given email already exists.").
    """
    for name in alias_attributes_in_use(pool, attributes):
        is_username = name in pool.username_attributes
        holders = PoolUser.objects.filter(
            _alias_holders(pool, name, attributes[name], verified_only=not is_username)
        )
        if exclude_user is not None:
            holders = holders.exclude(pk=exclude_user.pk)
        if holders.exists():
            message = f"An account with the given {name} already exists."
            if is_username and exclude_user is None:
                raise UsernameExistsException(message)
            raise AliasExistsException(message)


# What set_attributes changes on a holder (accounts.services.users.ATTRIBUTE_FIELDS, which
# this module cannot import: users imports it).
_HOLDER_COLUMNS = (*FILTERABLE_COLUMNS, "email_verified", "phone_number_verified")


def release_aliases(
    pool: UserPool, attributes: Mapping[str, str], exclude_user: PoolUser | None = None
) -> None:
    """ForceAliasCreation: the verified email / phone number stops being another user's
    sign-in alias (that user keeps the value, unverified), so this user can take it."""
    for name in alias_attributes_in_use(pool, attributes):
        flag = VERIFIED_FLAGS.get(name)
        if flag is None or name in pool.username_attributes:
            continue
        holders = PoolUser.objects.filter(
            _alias_holders(pool, name, attributes[name], verified_only=True)
        )
        if exclude_user is not None:
            holders = holders.exclude(pk=exclude_user.pk)
        for holder in holders:
            holder.set_attributes({flag: "false"})
            holder.modified = timezone.now()
            # By name: the holder's ``enabled`` / ``tokens_valid_after`` as read here must
            # not overwrite an AdminDisableUser or GlobalSignOut committed since.
            holder.save(update_fields=["attributes", *_HOLDER_COLUMNS, "modified"])
