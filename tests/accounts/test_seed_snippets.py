"""The seed's Python snippets (seed/000_*.txt, "Sign Up User" through "Validate JWT"), run
as written against the live server. Only what cannot stay literal changes: the client gets
``endpoint_url``/``region_name``, and the placeholder ids, secret, code and password become
the real ones. Credentials for the signed AdminInitiateAuth come from the environment, as
boto3 reads them in the seed's setting."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def seed_app_client(idp: Any, pool: dict[str, Any]) -> dict[str, Any]:
    """The seed's `aws cognito-idp create-user-pool-client` call."""
    created = idp.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="my-web-app",
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        SupportedIdentityProviders=["COGNITO"],
        CallbackURLs=["https://myapp.com/callback"],
        LogoutURLs=["https://myapp.com/logout"],
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email", "profile"],
        AllowedOAuthFlowsUserPoolClient=True,
        AccessTokenValidity=60,
        IdTokenValidity=60,
        RefreshTokenValidity=30,
        TokenValidityUnits={"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
    )
    return dict(created["UserPoolClient"])


def test_seed_python_snippets_run_against_tessera(
    endpoint: str,
    access_key: tuple[str, str],
    idp: Any,
    pool: dict[str, Any],
    seed_app_client: dict[str, Any],
    mailbox: Any,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
) -> None:
    settings.PUBLIC_URL = endpoint  # issuers are $PUBLIC_URL/<poolId>
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", access_key[0])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", access_key[1])
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    pool_id = pool["Id"]
    client_id = seed_app_client["ClientId"]
    client_secret = seed_app_client["ClientSecret"]
    password = "SecurePassword123!"

    # --- Sign Up User ------------------------------------------------------------------
    import base64
    import hashlib
    import hmac

    import boto3

    cognito = boto3.client("cognito-idp", endpoint_url=endpoint, region_name="us-east-1")

    def get_secret_hash(username, client_id, client_secret):  # type: ignore[no-untyped-def]
        message = username + client_id
        dig = hmac.new(
            client_secret.encode("utf-8"), message.encode("utf-8"), digestmod=hashlib.sha256
        ).digest()
        return base64.b64encode(dig).decode()

    response = cognito.sign_up(
        ClientId=client_id,
        SecretHash=get_secret_hash("user@example.com", client_id, client_secret),
        Username="user@example.com",
        Password="SecurePassword123!",
        UserAttributes=[
            {"Name": "email", "Value": "user@example.com"},
            {"Name": "name", "Value": "John Doe"},
        ],
    )
    assert response["UserConfirmed"] is False
    assert response["CodeDeliveryDetails"]["Destination"] == "u***@e***"

    # --- Confirm Sign Up, with the code from the mail actually sent --------------------
    code = mailbox.code_for("user@example.com")
    cognito.confirm_sign_up(
        ClientId=client_id,
        SecretHash=get_secret_hash("user@example.com", client_id, client_secret),
        Username="user@example.com",
        ConfirmationCode=code,
    )

    # --- Authenticate User: ADMIN_USER_PASSWORD_AUTH, once the client allows it --------
    idp.update_user_pool_client(
        UserPoolId=pool_id,
        ClientId=client_id,
        ClientName="my-web-app",
        ExplicitAuthFlows=[
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
            "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        ],
        SupportedIdentityProviders=["COGNITO"],
        CallbackURLs=["https://myapp.com/callback"],
        LogoutURLs=["https://myapp.com/logout"],
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email", "profile"],
        AllowedOAuthFlowsUserPoolClient=True,
        AccessTokenValidity=60,
        IdTokenValidity=60,
        RefreshTokenValidity=30,
        TokenValidityUnits={"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
    )
    response = cognito.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={
            "USERNAME": "user@example.com",
            "PASSWORD": password,
            "SECRET_HASH": get_secret_hash("user@example.com", client_id, client_secret),
        },
    )

    tokens = response["AuthenticationResult"]
    id_token = tokens["IdToken"]
    access_token = tokens["AccessToken"]
    refresh_token = tokens["RefreshToken"]
    assert access_token
    assert "ChallengeName" not in response

    # --- Refresh Tokens ----------------------------------------------------------------
    response = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={
            "REFRESH_TOKEN": refresh_token,
            "SECRET_HASH": get_secret_hash("user@example.com", client_id, client_secret),
        },
    )
    refreshed = response["AuthenticationResult"]
    assert refreshed["AccessToken"] != access_token
    assert refreshed["ExpiresIn"] == 3600

    # --- Validate JWT --------------------------------------------------------------------
    import requests

    token = id_token
    jwks_url = f"{endpoint}/{pool_id}/.well-known/jwks.json"
    jwks = requests.get(jwks_url, timeout=10).json()

    from jose import jwt

    claims = jwt.decode(
        token,
        jwks,
        algorithms=["RS256"],
        audience=client_id,
        issuer=f"{endpoint}/{pool_id}",
    )
    assert claims["token_use"] == "id"
    assert claims["email"] == "user@example.com"
    assert claims["email_verified"] is True
    assert claims["name"] == "John Doe"
    assert claims["cognito:username"] == claims["sub"]

    # PyJWT's JWKS client verifies the same token.
    import jwt as pyjwt

    signing_key = pyjwt.PyJWKClient(jwks_url).get_signing_key_from_jwt(token)
    assert (
        pyjwt.decode(
            token,
            signing_key.key,
            algorithms=["RS256"],
            audience=client_id,
            issuer=f"{endpoint}/{pool_id}",
        )["sub"]
        == claims["sub"]
    )
