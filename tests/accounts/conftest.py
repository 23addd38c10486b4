"""Fixtures for sign-in tests: app clients made through the API, users made directly in the
database (so these tests do not lean on the sign-up or admin-user actions)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import PoolUser, UserPool, UserStatus
from accounts.services import passwords

PASSWORD = "Correct-Horse-9-Battery"

MakeClient = Callable[..., dict[str, Any]]
MakeUser = Callable[..., PoolUser]


@pytest.fixture
def make_client(idp: Any, pool: dict[str, Any]) -> MakeClient:
    """``make_client(**CreateUserPoolClient members)`` → UserPoolClient; ``pool`` by default."""

    def make(*, user_pool_id: str | None = None, **settings: Any) -> dict[str, Any]:
        response = idp.create_user_pool_client(
            UserPoolId=user_pool_id or pool["Id"], ClientName="sign-in tests", **settings
        )
        return dict(response["UserPoolClient"])

    return make


@pytest.fixture
def make_user(pool: dict[str, Any]) -> MakeUser:
    """``make_user(sign_in_name, password)`` → PoolUser stored as Cognito stores it: in a pool
    with email as username the internal username is the ``sub`` and the email an alias."""

    def make(
        name: str,
        password: str | None = PASSWORD,
        *,
        user_pool_id: str | None = None,
        status: str = UserStatus.CONFIRMED,
        enabled: bool = True,
        temporary: bool = False,
        attributes: dict[str, str] | None = None,
    ) -> PoolUser:
        user_pool = UserPool.objects.get(pk=user_pool_id or pool["Id"])
        user = PoolUser(pool=user_pool, status=status, enabled=enabled)
        values = dict(attributes or {})
        if "email" in user_pool.username_attributes:
            user.username = str(user.sub)
            values.setdefault("email", name)
            values.setdefault("email_verified", "true")
        else:
            user.username = name
        user.username_key = user_pool.normalize_username(user.username)
        user.set_attributes(values)
        if password is not None:
            passwords.set_password(user, password, temporary=temporary)
        user.save()
        return user

    return make


@pytest.fixture
def username_pool(idp: Any) -> dict[str, Any]:
    """A pool where people sign in with a chosen username (USER_ID_FOR_SRP = the username)."""
    return dict(idp.create_user_pool(PoolName="username-pool")["UserPool"])
