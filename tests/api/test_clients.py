"""App clients over the wire: Create/Describe/Update/Delete/ListUserPoolClients with boto3
(and the seed's AWS CLI command) against a live server."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from django.db import connection

from oauth.models import AppClient

SEED_CLIENT: dict[str, Any] = {
    "ClientName": "my-web-app",
    "GenerateSecret": True,
    "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    "SupportedIdentityProviders": ["COGNITO"],
    "CallbackURLs": ["https://myapp.com/callback"],
    "LogoutURLs": ["https://myapp.com/logout"],
    "AllowedOAuthFlows": ["code"],
    "AllowedOAuthScopes": ["openid", "email", "profile"],
    "AllowedOAuthFlowsUserPoolClient": True,
    "AccessTokenValidity": 60,
    "IdTokenValidity": 60,
    "RefreshTokenValidity": 30,
    "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
}


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


def test_seed_client_is_created_and_described_with_its_secret(
    idp: Any, pool: dict[str, Any]
) -> None:
    created = idp.create_user_pool_client(UserPoolId=pool["Id"], **SEED_CLIENT)["UserPoolClient"]
    client_id = created["ClientId"]
    assert re.fullmatch(r"[a-z0-9]{26}", client_id)
    assert re.fullmatch(r"[\w+]{24,64}", created["ClientSecret"])
    assert created["UserPoolId"] == pool["Id"]
    for member in (
        "ClientName",
        "ExplicitAuthFlows",
        "SupportedIdentityProviders",
        "CallbackURLs",
        "LogoutURLs",
        "AllowedOAuthFlows",
        "AllowedOAuthScopes",
        "AllowedOAuthFlowsUserPoolClient",
        "AccessTokenValidity",
        "IdTokenValidity",
        "RefreshTokenValidity",
        "TokenValidityUnits",
    ):
        assert created[member] == SEED_CLIENT[member], member
    assert created["EnableTokenRevocation"] is True
    assert created["AuthSessionValidity"] == 3
    assert created["CreationDate"] == created["LastModifiedDate"]

    described = idp.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=client_id)
    assert described["UserPoolClient"] == created

    # django-oauth-toolkit's view of the same client, for the /oauth2/* endpoints.
    stored = AppClient.objects.get(client_id=client_id)
    assert stored.redirect_uris == "https://myapp.com/callback"
    assert stored.post_logout_redirect_uris == "https://myapp.com/logout"
    assert stored.client_type == AppClient.CLIENT_CONFIDENTIAL
    assert stored.authorization_grant_type == AppClient.GRANT_AUTHORIZATION_CODE
    assert stored.algorithm == AppClient.RS256_ALGORITHM
    assert stored.secret_matches(created["ClientSecret"])


def test_client_secret_is_not_stored_in_clear(idp: Any, pool: dict[str, Any]) -> None:
    created = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="confidential", GenerateSecret=True
    )["UserPoolClient"]
    secret = created["ClientSecret"]
    table = AppClient._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE client_id = %s", [created["ClientId"]])
        row = cursor.fetchone()
    assert row is not None
    assert not any(secret in str(value) for value in row)
    described = idp.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=created["ClientId"])
    assert described["UserPoolClient"]["ClientSecret"] == secret


def test_minimal_client_gets_cognito_api_defaults(idp: Any, pool: dict[str, Any]) -> None:
    created = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="spa")["UserPoolClient"]
    assert created["ExplicitAuthFlows"] == [
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_CUSTOM_AUTH",
    ]
    assert created["RefreshTokenValidity"] == 30
    assert created["PreventUserExistenceErrors"] == "LEGACY"
    assert created["EnableTokenRevocation"] is True
    assert created["EnablePropagateAdditionalUserContextData"] is False
    assert created["AllowedOAuthFlowsUserPoolClient"] is False
    assert created["AuthSessionValidity"] == 3
    for absent in ("ClientSecret", "TokenValidityUnits", "AccessTokenValidity", "CallbackURLs"):
        assert absent not in created, absent
    stored = AppClient.objects.get(client_id=created["ClientId"])
    assert stored.client_type == AppClient.CLIENT_PUBLIC
    assert stored.effective_auth_flows == created["ExplicitAuthFlows"]


def test_client_settings_are_stored_as_given(idp: Any, pool: dict[str, Any]) -> None:
    created = idp.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="legacy-backend",
        ExplicitAuthFlows=["ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH"],
        CallbackURLs=["http://localhost:3000/cb", "myapp://callback", "https://app.example/cb"],
        DefaultRedirectURI="https://app.example/cb",
        AllowedOAuthFlows=["code", "implicit"],
        AllowedOAuthScopes=["openid", "phone", "aws.cognito.signin.user.admin"],
        AllowedOAuthFlowsUserPoolClient=True,
        RefreshTokenValidity=10,
        TokenValidityUnits={"RefreshToken": "hours"},
        ReadAttributes=["email", "name"],
        WriteAttributes=["email", "name"],
        PreventUserExistenceErrors="ENABLED",
        EnableTokenRevocation=False,
        AuthSessionValidity=15,
        AnalyticsConfiguration={"ApplicationId": "abc123", "UserDataShared": True},
        RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 10},
    )["UserPoolClient"]
    assert created["ExplicitAuthFlows"] == ["ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH"]
    assert created["DefaultRedirectURI"] == "https://app.example/cb"
    assert created["TokenValidityUnits"] == {
        "AccessToken": "hours",
        "IdToken": "hours",
        "RefreshToken": "hours",
    }
    assert created["RefreshTokenValidity"] == 10
    assert created["ReadAttributes"] == ["email", "name"]
    assert created["WriteAttributes"] == ["email", "name"]
    assert created["PreventUserExistenceErrors"] == "ENABLED"
    assert created["EnableTokenRevocation"] is False
    assert created["AuthSessionValidity"] == 15
    assert created["AnalyticsConfiguration"] == {"ApplicationId": "abc123", "UserDataShared": True}
    assert created["RefreshTokenRotation"] == {"Feature": "ENABLED", "RetryGracePeriodSeconds": 10}


def test_update_resets_omitted_settings_and_keeps_name_and_secret(
    idp: Any, pool: dict[str, Any]
) -> None:
    created = idp.create_user_pool_client(UserPoolId=pool["Id"], **SEED_CLIENT)["UserPoolClient"]
    updated = idp.update_user_pool_client(
        UserPoolId=pool["Id"],
        ClientId=created["ClientId"],
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
        AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthScopes=[],
        PreventUserExistenceErrors="ENABLED",
    )["UserPoolClient"]
    assert updated["ClientName"] == "my-web-app"
    assert updated["ClientSecret"] == created["ClientSecret"]
    assert updated["ExplicitAuthFlows"] == ["ALLOW_USER_PASSWORD_AUTH"]
    assert updated["AllowedOAuthFlows"] == ["client_credentials"]
    assert updated["PreventUserExistenceErrors"] == "ENABLED"
    assert updated["AllowedOAuthFlowsUserPoolClient"] is False
    assert updated["RefreshTokenValidity"] == 30
    for reset in ("CallbackURLs", "LogoutURLs", "AccessTokenValidity", "TokenValidityUnits"):
        assert reset not in updated, reset
    assert updated["LastModifiedDate"] >= created["LastModifiedDate"]
    assert updated["CreationDate"] == created["CreationDate"]
    stored = AppClient.objects.get(client_id=created["ClientId"])
    assert stored.redirect_uris == ""
    assert stored.authorization_grant_type == AppClient.GRANT_CLIENT_CREDENTIALS

    renamed = idp.update_user_pool_client(
        UserPoolId=pool["Id"], ClientId=created["ClientId"], ClientName="renamed"
    )["UserPoolClient"]
    assert renamed["ClientName"] == "renamed"
    assert renamed["ExplicitAuthFlows"] == [
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_CUSTOM_AUTH",
    ]
    described = idp.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=created["ClientId"])
    assert described["UserPoolClient"] == renamed


def test_list_pages_through_clients_and_delete_removes_one(idp: Any, pool: dict[str, Any]) -> None:
    made = [
        idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName=f"app-{n}")["UserPoolClient"][
            "ClientId"
        ]
        for n in range(3)
    ]
    first = idp.list_user_pool_clients(UserPoolId=pool["Id"], MaxResults=2)
    assert [c["ClientId"] for c in first["UserPoolClients"]] == made[:2]
    assert first["UserPoolClients"][0] == {
        "ClientId": made[0],
        "UserPoolId": pool["Id"],
        "ClientName": "app-0",
    }
    second = idp.list_user_pool_clients(
        UserPoolId=pool["Id"], MaxResults=2, NextToken=first["NextToken"]
    )
    assert [c["ClientId"] for c in second["UserPoolClients"]] == made[2:]
    assert "NextToken" not in second
    paged = idp.get_paginator("list_user_pool_clients").paginate(
        UserPoolId=pool["Id"], PaginationConfig={"PageSize": 1}
    )
    assert [c["ClientId"] for page in paged for c in page["UserPoolClients"]] == made
    assert (
        idp.list_user_pool_clients(UserPoolId=pool["Id"], ClientType="DCR")["UserPoolClients"] == []
    )

    other_pool = idp.create_user_pool(PoolName="other")["UserPool"]["Id"]
    with pytest.raises(ClientError) as foreign_token:
        idp.list_user_pool_clients(UserPoolId=other_pool, NextToken=first["NextToken"])
    assert _error(foreign_token)[0] == "InvalidParameterException"

    idp.delete_user_pool_client(UserPoolId=pool["Id"], ClientId=made[1])
    remaining = idp.list_user_pool_clients(UserPoolId=pool["Id"])["UserPoolClients"]
    assert [c["ClientId"] for c in remaining] == [made[0], made[2]]
    with pytest.raises(ClientError) as gone:
        idp.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=made[1])
    assert _error(gone) == (
        "ResourceNotFoundException",
        f"User pool client {made[1]} does not exist.",
    )


def test_unknown_pool_or_client_is_resource_not_found(idp: Any, pool: dict[str, Any]) -> None:
    client_id = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="mine")[
        "UserPoolClient"
    ]["ClientId"]
    other_pool = idp.create_user_pool(PoolName="other")["UserPool"]["Id"]
    missing_pool = "us-east-1_NoSuchPoo"
    calls = [
        (idp.create_user_pool_client, {"UserPoolId": missing_pool, "ClientName": "x"}),
        (idp.list_user_pool_clients, {"UserPoolId": missing_pool}),
        (idp.describe_user_pool_client, {"UserPoolId": missing_pool, "ClientId": client_id}),
        (idp.update_user_pool_client, {"UserPoolId": missing_pool, "ClientId": client_id}),
        (idp.delete_user_pool_client, {"UserPoolId": missing_pool, "ClientId": client_id}),
    ]
    for call, kwargs in calls:
        with pytest.raises(ClientError) as exc:
            call(**kwargs)
        assert _error(exc) == (
            "ResourceNotFoundException",
            f"User pool {missing_pool} does not exist.",
        ), call
    # A client id belongs to exactly one pool.
    for call in (
        idp.describe_user_pool_client,
        idp.update_user_pool_client,
        idp.delete_user_pool_client,
    ):
        for pool_id, wanted in ((other_pool, client_id), (pool["Id"], "a" * 26)):
            with pytest.raises(ClientError) as exc:
                call(UserPoolId=pool_id, ClientId=wanted)
            assert _error(exc) == (
                "ResourceNotFoundException",
                f"User pool client {wanted} does not exist.",
            ), call
    assert AppClient.objects.filter(client_id=client_id).exists()


INVALID_SETTINGS: list[tuple[dict[str, Any], str, str]] = [
    (
        {"ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ADMIN_NO_SRP_AUTH"]},
        "InvalidParameterException",
        "ADMIN_NO_SRP_AUTH",
    ),
    ({"ExplicitAuthFlows": ["ALLOW_SOMETHING"]}, "InvalidParameterException", "enum"),
    (
        {"SupportedIdentityProviders": ["COGNITO", "Google"]},
        "InvalidParameterException",
        "The provider Google does not exist for User Pool",
    ),
    (
        {"CallbackURLs": ["http://myapp.com/callback"]},
        "InvalidParameterException",
        "HTTPS",
    ),
    (
        {"CallbackURLs": ["https://myapp.com/callback#fragment"]},
        "InvalidParameterException",
        "fragment",
    ),
    ({"LogoutURLs": ["/relative/logout"]}, "InvalidParameterException", "absolute"),
    (
        {"CallbackURLs": ["http://evil.example\\@127.0.0.1/callback"]},
        "InvalidParameterException",
        "backslashes",
    ),
    (
        {"CallbackURLs": ["http://evil.example@127.0.0.1/callback"]},
        "InvalidParameterException",
        "user info",
    ),
    (
        {"LogoutURLs": ["https://myapp.com/log out"]},
        "InvalidParameterException",
        "regular expression pattern",
    ),
    (
        {"CallbackURLs": ["https://a.example/cb"], "DefaultRedirectURI": "https://b.example/cb"},
        "InvalidParameterException",
        "DefaultRedirectURI",
    ),
    (
        {"AllowedOAuthFlowsUserPoolClient": True, "CallbackURLs": ["https://a.example/cb"]},
        "InvalidParameterException",
        "AllowedOAuthFlows and AllowedOAuthScopes are required",
    ),
    (
        {"AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid"]},
        "InvalidOAuthFlowException",
        "CallbackUrls can not be empty when code flow or implicit flow is selected",
    ),
    (
        {
            "GenerateSecret": True,
            "AllowedOAuthFlows": ["code", "client_credentials"],
            "CallbackURLs": ["https://a.example/cb"],
        },
        "InvalidOAuthFlowException",
        "client_credentials flow can not be selected along with code flow or implicit flow.",
    ),
    (
        {"AllowedOAuthFlows": ["client_credentials"]},
        "InvalidOAuthFlowException",
        "client_credentials flow can not be selected if client does not have a client secret.",
    ),
    (
        {
            "GenerateSecret": True,
            "AllowedOAuthFlows": ["client_credentials"],
            "AllowedOAuthScopes": ["openid"],
        },
        "InvalidOAuthFlowException",
        "openid is not supported with client_credentials flow",
    ),
    (
        {
            "AllowedOAuthFlows": ["code"],
            "AllowedOAuthScopes": ["openid", "orders/read"],
            "CallbackURLs": ["https://a.example/cb"],
        },
        "ScopeDoesNotExistException",
        "orders/read",
    ),
    (
        {"AccessTokenValidity": 4, "TokenValidityUnits": {"AccessToken": "minutes"}},
        "InvalidParameterException",
        "Invalid range for token validity.",
    ),
    ({"IdTokenValidity": 25}, "InvalidParameterException", "Invalid range for token validity."),
    ({"RefreshTokenValidity": 3651}, "InvalidParameterException", "Invalid range"),
    (
        {"RefreshTokenValidity": 59, "TokenValidityUnits": {"RefreshToken": "minutes"}},
        "InvalidParameterException",
        "Invalid range for token validity.",
    ),
    (
        {
            "AccessTokenValidity": 1,
            "RefreshTokenValidity": 2,
            "TokenValidityUnits": {"AccessToken": "days", "RefreshToken": "hours"},
        },
        "InvalidParameterException",
        "Invalid range for token validity.",
    ),
    ({"AuthSessionValidity": 16}, "InvalidParameterException", "authSessionValidity"),
    (
        {"ReadAttributes": ["email", "custom:nope"]},
        "InvalidParameterException",
        "Invalid read attributes specified while creating a client",
    ),
    (
        {"WriteAttributes": ["email", "email_verified"]},
        "InvalidParameterException",
        "Invalid write attributes specified while creating a client",
    ),
    (
        {"WriteAttributes": ["sub"]},
        "InvalidParameterException",
        "Invalid write attributes specified while creating a client",
    ),
    (
        {"GenerateSecret": True, "ClientSecret": "a" * 40},
        "InvalidParameterException",
        "GenerateSecret",
    ),
    (
        {"EnablePropagateAdditionalUserContextData": True},
        "InvalidParameterException",
        "client secret",
    ),
]


def test_invalid_settings_are_refused_like_cognito(idp: Any, pool: dict[str, Any]) -> None:
    for settings, code, message_part in INVALID_SETTINGS:
        with pytest.raises(ClientError) as exc:
            idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="bad", **settings)
        assert _error(exc)[0] == code, settings
        assert message_part in _error(exc)[1], (settings, _error(exc)[1])
    assert not AppClient.objects.filter(pool_id=pool["Id"]).exists()

    # Update checks the same rules, naming the operation in attribute errors.
    client_id = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="good")[
        "UserPoolClient"
    ]["ClientId"]
    with pytest.raises(ClientError) as exc:
        idp.update_user_pool_client(
            UserPoolId=pool["Id"], ClientId=client_id, WriteAttributes=["sub"]
        )
    assert _error(exc) == (
        "InvalidParameterException",
        "Invalid write attributes specified while updating a client",
    )
    with pytest.raises(ClientError) as exc:
        idp.update_user_pool_client(
            UserPoolId=pool["Id"], ClientId=client_id, AllowedOAuthFlows=["client_credentials"]
        )
    assert _error(exc)[0] == "InvalidOAuthFlowException"
    described = idp.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=client_id)
    assert "AllowedOAuthFlows" not in described["UserPoolClient"]


def test_attributes_follow_the_pool_schema(idp: Any) -> None:
    pool_id = idp.create_user_pool(
        PoolName="required-name",
        Schema=[
            {"Name": "name", "AttributeDataType": "String", "Required": True},
            {"Name": "tier", "AttributeDataType": "String", "Mutable": False},
            {"Name": "team", "AttributeDataType": "String", "Mutable": True},
        ],
    )["UserPool"]["Id"]
    with pytest.raises(ClientError) as exc:
        idp.create_user_pool_client(
            UserPoolId=pool_id, ClientName="immutable", WriteAttributes=["name", "custom:tier"]
        )
    assert _error(exc) == (
        "InvalidParameterException",
        "Invalid write attributes specified while creating a client",
    )
    custom = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="custom",
        ReadAttributes=["name", "custom:tier", "custom:team", "email_verified"],
        WriteAttributes=["name", "custom:team"],
    )["UserPoolClient"]
    assert custom["ReadAttributes"] == ["name", "custom:tier", "custom:team", "email_verified"]
    assert custom["WriteAttributes"] == ["name", "custom:team"]
    with pytest.raises(ClientError) as exc:
        idp.create_user_pool_client(
            UserPoolId=pool_id, ClientName="narrow", WriteAttributes=["email"]
        )
    assert _error(exc) == (
        "InvalidParameterException",
        "Invalid write attributes specified while creating a client",
    )
    created = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="wide", WriteAttributes=["email", "name"]
    )["UserPoolClient"]
    assert created["WriteAttributes"] == ["email", "name"]


def test_custom_client_secret_is_kept(idp: Any, pool: dict[str, Any]) -> None:
    secret = "custom+secret_value_0123456789"
    created = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="own-secret", ClientSecret=secret
    )["UserPoolClient"]
    assert created["ClientSecret"] == secret
    assert AppClient.objects.get(client_id=created["ClientId"]).secret_matches(secret)


def test_seed_cli_command_creates_the_client(
    endpoint: str, access_key: tuple[str, str], idp: Any, pool: dict[str, Any], tmp_path: Path
) -> None:
    """The seed's ``aws cognito-idp create-user-pool-client`` verbatim, plus --endpoint-url."""
    config = tmp_path / "config"
    # CLI v2's default; v1 would otherwise fetch https://myapp.com/callback as a parameter.
    config.write_text("[default]\ncli_follow_urlparam = false\n")
    env = {
        **os.environ,
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_ACCESS_KEY_ID": access_key[0],
        "AWS_SECRET_ACCESS_KEY": access_key[1],
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    aws = Path(sys.executable).with_name("aws")
    command = [
        str(aws), "cognito-idp", "create-user-pool-client",
        "--user-pool-id", pool["Id"],
        "--client-name", "my-web-app",
        "--generate-secret",
        "--explicit-auth-flows", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH",
        "--supported-identity-providers", "COGNITO",
        "--callback-urls", "https://myapp.com/callback",
        "--logout-urls", "https://myapp.com/logout",
        "--allowed-o-auth-flows", "code",
        "--allowed-o-auth-scopes", "openid", "email", "profile",
        "--allowed-o-auth-flows-user-pool-client",
        "--access-token-validity", "60",
        "--id-token-validity", "60",
        "--refresh-token-validity", "30",
        "--token-validity-units",
        '{\n"AccessToken": "minutes",\n"IdToken": "minutes",\n"RefreshToken": "days"\n}',
        "--endpoint-url", endpoint,
    ]  # fmt: skip
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)["UserPoolClient"]
    assert created["CallbackURLs"] == ["https://myapp.com/callback"]
    assert created["TokenValidityUnits"]["AccessToken"] == "minutes"
    described = idp.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=created["ClientId"])
    assert described["UserPoolClient"]["ClientSecret"] == created["ClientSecret"]
