"""What the token hot paths' shortcuts must not change: the back-channel endpoints served
ahead of the browser middleware keep the host check and the security headers and set no
cookie; signatures are plain RS256 under 2048-bit keys; memoized app-client rows see every
change at once and share no mutable value; a refresh still carries the user's groups."""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt
import pytest
from django.test import Client
from django.urls import resolve

from accounts.models import Group, GroupMembership, PoolUser, UserPool, UserStatus
from accounts.services import pools
from oauth import views, views_oauth
from oauth.models import AppClient
from oauth.services import clients, keys, resource_servers, rows, tokens

pytestmark = pytest.mark.django_db


def _basic(client: AppClient) -> str:
    credentials = f"{client.client_id}:{client.get_secret()}".encode()
    return "Basic " + base64.b64encode(credentials).decode()


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


@pytest.fixture
def user_pool() -> UserPool:
    return pools.create_user_pool(name="hot-paths", settings={})


@pytest.fixture
def machine(user_pool: UserPool) -> AppClient:
    resource_servers.create_resource_server(
        pool=user_pool,
        identifier="https://api.example.com",
        name="api",
        scopes=[{"ScopeName": "read", "ScopeDescription": "read"}],
    )
    return clients.create_user_pool_client(
        pool=user_pool,
        name="machine",
        settings={
            "GenerateSecret": True,
            "AllowedOAuthFlowsUserPoolClient": True,
            "AllowedOAuthFlows": ["client_credentials"],
            "AllowedOAuthScopes": ["https://api.example.com/read"],
        },
    )


def _user(user_pool: UserPool, name: str, groups: list[tuple[str, int]]) -> PoolUser:
    user = PoolUser(pool=user_pool, username=name, username_key=name)
    user.status = UserStatus.CONFIRMED
    user.set_attributes({"email": f"{name}@example.com", "email_verified": "true"})
    user.save()
    for group_name, precedence in groups:
        group, _ = Group.objects.get_or_create(
            pool=user_pool, name=group_name, defaults={"precedence": precedence}
        )
        GroupMembership.objects.create(group=group, user=user)
    return user


def test_back_channel_paths_resolve_to_the_views_the_middleware_calls() -> None:
    # The middleware's fixed routes must be what the URLconf would have chosen.
    assert resolve("/oauth2/token").func is views_oauth.token
    assert resolve("/oauth2/revoke").func is views_oauth.revoke
    assert resolve("/oauth2/userInfo").func is views_oauth.userinfo
    assert resolve("/us-east-1_x/.well-known/jwks.json").func is views.jwks


def test_back_channel_answers_keep_the_host_check_and_security_headers(
    settings: Any, user_pool: UserPool, machine: AppClient
) -> None:
    http = Client()
    answer = http.post(
        "/oauth2/token",
        data="grant_type=client_credentials",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=_basic(machine),
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["token_type"] == "Bearer"
    assert answer["Content-Length"] == str(len(answer.content))
    assert answer["X-Frame-Options"] == "DENY"
    assert answer["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware still ran
    assert answer["Referrer-Policy"] == "no-referrer"
    assert answer["Cache-Control"] == "no-store"
    assert "Content-Language" not in answer
    assert "Cookie" not in answer.get("Vary", "")
    assert not answer.cookies

    jwks = http.get(f"/{user_pool.id}/.well-known/jwks.json")
    assert jwks.status_code == 200
    assert [key["kid"] for key in jwks.json()["keys"]]
    assert jwks["Access-Control-Allow-Origin"] == "*"
    # The identity app's document under the same suffix is still the identity app's.
    identity_discovery = http.get("/cognito-identity/.well-known/openid-configuration")
    assert identity_discovery.status_code == 200
    assert identity_discovery.json()["issuer"].endswith("cognito-identity")

    settings.ALLOWED_HOSTS = ["tessera.example"]
    refused = http.post(
        "/oauth2/token",
        data="grant_type=client_credentials",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=_basic(machine),
        HTTP_HOST="evil.example",
    )
    assert refused.status_code == 400


def test_tokens_are_rs256_under_2048_bit_keys_with_cognitos_header(user_pool: UserPool) -> None:
    token = keys.sign(user_pool.id, keys.Purpose.ACCESS, {"sub": "abc", "token_use": "access"})
    header = jwt.get_unverified_header(token)
    assert set(header) == {"kid", "alg"}
    assert header["alg"] == "RS256"
    published = {key["kid"]: key for key in keys.jwks(user_pool.id)["keys"]}
    public_key = jwt.PyJWK(published[header["kid"]]).key
    assert public_key.key_size == 2048
    assert jwt.decode(token, public_key, algorithms=["RS256"]) == {
        "sub": "abc",
        "token_use": "access",
    }
    assert keys.verify(token).claims["sub"] == "abc"
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(keys.InvalidTokenError):
        keys.verify(forged)


def test_memoized_app_client_rows_see_changes_and_share_nothing(user_pool: UserPool) -> None:
    created = clients.create_user_pool_client(
        pool=user_pool, name="memo", settings={"CallbackURLs": ["https://a.example/cb"]}
    )
    first = rows.find_app_client(created.client_id)
    second = rows.find_app_client(created.client_id)
    assert first is not None
    assert second is not None
    assert first is not second
    assert first.pool.id == user_pool.id
    first.callback_urls.append("https://attacker.example/cb")
    first.pool.policies["PasswordPolicy"] = {}
    third = rows.find_app_client(created.client_id)
    assert third is not None
    assert second.callback_urls == third.callback_urls == ["https://a.example/cb"]
    stored_policies = UserPool.objects.get(pk=user_pool.id).policies
    assert third.pool.policies == stored_policies != first.pool.policies

    # A write that bypasses save() (no auto_now) is still seen on the next lookup.
    AppClient.objects.filter(pk=created.pk).update(callback_urls=["https://b.example/cb"])
    changed = rows.find_app_client(created.client_id)
    assert changed is not None
    assert changed.callback_urls == ["https://b.example/cb"]
    AppClient.objects.filter(pk=created.pk).delete()
    assert rows.find_app_client(created.client_id) is None


def test_refresh_carries_the_users_groups_and_loads_other_columns_on_demand(
    user_pool: UserPool,
) -> None:
    client = clients.create_user_pool_client(
        pool=user_pool, name="api", settings={"ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"]}
    )
    grouped = _user(user_pool, "grouped", [("writers", 5), ("readers", 1)])
    loner = _user(user_pool, "loner", [])
    for user, expected in ((grouped, ["readers", "writers"]), (loner, None)):
        issued = tokens.issue_token_set(client=client, user=user)
        refreshed = tokens.refresh_tokens(client=client, refresh_token=issued.refresh_token or "")
        for token in (refreshed.access_token, refreshed.id_token):
            assert _claims(token).get("cognito:groups") == expected
        assert _claims(refreshed.id_token)["email"] == f"{user.username}@example.com"
        found = tokens._refresh_token_row(issued.refresh_token or "")
        assert found is not None
        # Deferred on the refresh path, loaded from the database when asked for.
        assert found.row.user.username_key == user.username_key
        assert found.row.user.status == UserStatus.CONFIRMED
