"""Fixtures for token tests: the issuer on the live server, app clients made through the API,
and pool users made through the ORM with a real password."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from accounts.models import Group, GroupMembership, PoolUser, UserPool
from accounts.services.passwords import set_password
from oauth.models import AppClient

PASSWORD = "Correct-Horse-9!"


@pytest.fixture
def public_url(settings: Any, live_server: Any) -> str:
    """Issuers are ``$PUBLIC_URL/<poolId>``: make them name the live server."""
    settings.PUBLIC_URL = str(live_server.url)
    return str(settings.PUBLIC_URL)


@pytest.fixture
def make_client(idp: Any, pool: dict[str, Any]) -> Callable[..., AppClient]:
    """An app client created with boto3 (``overrides`` are CreateUserPoolClient members)."""

    def make(**overrides: Any) -> AppClient:
        request: dict[str, Any] = {
            "UserPoolId": pool["Id"],
            "ClientName": "token-tests",
            "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            **overrides,
        }
        created = idp.create_user_pool_client(**request)["UserPoolClient"]
        return AppClient.objects.select_related("pool").get(client_id=created["ClientId"])

    return make


@pytest.fixture
def app_client(make_client: Callable[..., AppClient]) -> AppClient:
    return make_client()


@pytest.fixture
def make_user(pool: dict[str, Any]) -> Callable[..., PoolUser]:
    """A confirmed user of the seed-shaped pool (email is the username attribute, so the
    stored username is the ``sub``), optionally in groups given as (name, precedence, role)."""

    def make(
        email: str = "ada@example.com",
        attributes: dict[str, str] | None = None,
        groups: Sequence[tuple[str, int | None, str]] = (),
    ) -> PoolUser:
        user_pool = UserPool.objects.get(pk=pool["Id"])
        user = PoolUser(pool=user_pool, status="CONFIRMED")
        user.username = str(user.sub)
        user.username_key = user_pool.normalize_username(user.username)
        user.set_attributes({"email": email, "email_verified": "true", **(attributes or {})})
        set_password(user, PASSWORD)
        user.save()
        for name, precedence, role_arn in groups:
            group, _ = Group.objects.get_or_create(
                pool=user_pool, name=name, defaults={"precedence": precedence, "role_arn": role_arn}
            )
            GroupMembership.objects.create(group=group, user=user)
        return user

    return make


# --- OAuth endpoint tests (test_authorize, test_token_endpoint, test_conformance_*, …) -----
OAUTH_SCOPES = ["openid", "email", "phone", "profile"]


@pytest.fixture
def oauth_client(make_client: Callable[..., AppClient]) -> tuple[AppClient, str]:
    """A confidential code-flow client like the seed's web app: its secret is returned."""
    from tests.oauth.browser import CALLBACK, LOGOUT_URL, LOOPBACK_CALLBACK

    client = make_client(
        ClientName="web",
        GenerateSecret=True,
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=OAUTH_SCOPES,
        CallbackURLs=[CALLBACK, LOOPBACK_CALLBACK],
        LogoutURLs=[LOGOUT_URL],
        SupportedIdentityProviders=["COGNITO"],
    )
    return client, client.get_secret()


@pytest.fixture
def public_client(make_client: Callable[..., AppClient]) -> AppClient:
    """A public (no secret) code-flow client, as a single-page or mobile app has."""
    from tests.oauth.browser import CALLBACK, LOGOUT_URL

    return make_client(
        ClientName="spa",
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code", "implicit"],
        AllowedOAuthScopes=OAUTH_SCOPES,
        CallbackURLs=[CALLBACK],
        LogoutURLs=[LOGOUT_URL],
    )
