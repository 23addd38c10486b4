"""Reads of pool users: lookups by username or alias, and ListUsers' filter and pages."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass

from django.db.models import Q

from accounts.models import FILTERABLE_COLUMNS, PoolUser, UserPool
from core.errors import InvalidParameterException
from core.pagination import Page, make_token, read_token

# The flag that makes an email / phone number alias count for sign-in.
_VERIFIED_FLAGS = {"email": "email_verified", "phone_number": "phone_number_verified"}


def _first_user(pool: UserPool, condition: Q) -> PoolUser | None:
    user = PoolUser.objects.filter(condition, pool=pool).first()
    if user is not None:
        user.pool = pool  # the caller's pool: no join, no second query
    return user


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def get_user_by_username(pool: UserPool, username: str) -> PoolUser | None:
    """The user whose stored username is ``username`` (case per the pool's setting)."""
    return _first_user(pool, Q(username_key=pool.normalize_username(username)))


def get_user_by_alias(pool: UserPool, username: str) -> PoolUser | None:
    """What Cognito resolves a sign-in name to: the username itself, or the email /
    phone_number when the pool uses them as username attributes or (verified) aliases."""
    # With UsernameAttributes every stored username is a sub (a UUID): anything else can
    # only be an alias, so the username lookup is skipped.
    if not pool.username_attributes or _is_uuid(username):
        user = get_user_by_username(pool, username)
        if user is not None:
            return user
    for attribute in ("email", "phone_number", "preferred_username"):
        if attribute in pool.username_attributes:
            condition = Q(**{attribute: username})
        elif attribute in pool.alias_attributes:
            condition = Q(**{attribute: username})
            if attribute in _VERIFIED_FLAGS:
                condition &= Q(**{_VERIFIED_FLAGS[attribute]: True})
        else:
            continue
        user = _first_user(pool, condition)
        if user is not None:
            return user
    return None


# --- ListUsers ----------------------------------------------------------------------------

# `AttributeName Filter-Type "AttributeValue"`; a backslash escapes the next character.
_FILTER = re.compile(r'\s*([\w:]+)\s*(\^?=)\s*"((?:[^"\\]|\\.)*)"\s*', re.DOTALL)
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)
# What Cognito lets ListUsers search; custom attributes are not searchable.
SEARCHABLE_ATTRIBUTES = (
    "username",
    *FILTERABLE_COLUMNS,
    "sub",
    "cognito:user_status",
    "status",
)
DEFAULT_LIST_USERS_LIMIT = 60


@dataclass(frozen=True)
class UserFilter:
    attribute: str
    prefix: bool
    value: str


def parse_user_filter(expression: str | None) -> UserFilter | None:
    """Parse ListUsers' Filter; None (everyone) for an empty one."""
    if expression is None or not expression.strip():
        return None
    match = _FILTER.fullmatch(expression)
    if match is None:
        raise InvalidParameterException("Error while parsing filter")
    attribute, operator, raw_value = match.groups()
    if attribute not in SEARCHABLE_ATTRIBUTES:
        raise InvalidParameterException(f"Invalid search attribute: {attribute}")
    return UserFilter(attribute, operator == "^=", _UNESCAPE.sub(r"\1", raw_value))


def _match(column: str, user_filter: UserFilter) -> Q:
    lookup = "startswith" if user_filter.prefix else "exact"
    return Q(**{f"{column}__{lookup}": user_filter.value})


def _filter_condition(pool: UserPool, user_filter: UserFilter) -> Q:
    """The filter as a condition on indexed columns (never on the attributes JSON)."""
    nothing = Q(pk__in=[])
    attribute, value = user_filter.attribute, user_filter.value
    if attribute == "username":
        normalized = UserFilter(attribute, user_filter.prefix, pool.normalize_username(value))
        return _match("username_key", normalized)
    if attribute == "cognito:user_status":
        return _match("status", UserFilter(attribute, user_filter.prefix, value.upper()))
    if attribute == "status":
        states = {"ENABLED": True, "DISABLED": False}
        wanted = [
            enabled
            for name, enabled in states.items()
            if (name.startswith(value.upper()) if user_filter.prefix else name == value.upper())
        ]
        return Q(enabled__in=wanted)
    if attribute == "sub":
        if user_filter.prefix:
            return _match("sub", user_filter) if value else Q()
        try:
            return Q(sub=uuid.UUID(value))
        except ValueError:
            return nothing
    # A standard attribute stored in its own column, "" when the user has none.
    if value == "":
        return ~Q(**{attribute: ""}) if user_filter.prefix else nothing
    return _match(attribute, user_filter)


def list_users(
    pool: UserPool,
    *,
    filter_expression: str | None = None,
    limit: int | None = None,
    pagination_token: str | None = None,
) -> Page[PoolUser]:
    """ListUsers: users matching Cognito's Filter grammar, keyset-paginated on the primary
    key so a token stays valid while users come and go, and no page repeats or skips one.

    ``Limit`` 0 or absent means Cognito's default, 60.
    """
    user_filter = parse_user_filter(filter_expression)
    # The token is only good for the same pool and the same filter.
    scope = (
        "ListUsers:"
        + hashlib.sha256(f"{pool.id}\n{filter_expression or ''}".encode()).hexdigest()[:16]
    )
    after = read_token(scope, pagination_token)
    size = limit or DEFAULT_LIST_USERS_LIMIT
    query = PoolUser.objects.filter(pool=pool)
    if user_filter is not None:
        query = query.filter(_filter_condition(pool, user_filter))
    if after is not None:
        if not isinstance(after, int):
            raise InvalidParameterException("Invalid pagination token.")
        query = query.filter(pk__gt=after)
    items = list(query.order_by("pk")[: size + 1])
    if len(items) <= size:
        return Page(items, None)
    items = items[:size]
    return Page(items, make_token(scope, items[-1].pk))
