"""Fixtures for identity-pool tests: a user pool with an app client and users made through
the real API, their ID tokens from AdminInitiateAuth, and cognito-identity / sts clients
pointed at the live server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from identity.services import openid

REGION = "us-east-1"
PASSWORD = "Correct-Horse-9!"
AUTH_ROLE = "arn:aws:iam::123456789012:role/identity-auth"
GUEST_ROLE = "arn:aws:iam::123456789012:role/identity-guest"
_CONFIG = Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=30)


@pytest.fixture(autouse=True)
def _fresh_identity_keys() -> Iterator[None]:
    # The identity service caches its signing key in-process; each test has a new database.
    openid.forget_cached_keys()
    yield
    openid.forget_cached_keys()


@pytest.fixture
def public_url(settings: Any, live_server: Any) -> str:
    """Issuers are ``$PUBLIC_URL/<poolId>``: make them name the live server."""
    settings.PUBLIC_URL = str(live_server.url)
    return str(settings.PUBLIC_URL)


@pytest.fixture
def identity_public(endpoint: str) -> Any:
    """An unsigned cognito-identity client, as a browser or mobile app holds."""
    return boto3.client(
        "cognito-identity",
        endpoint_url=endpoint,
        region_name=REGION,
        config=_CONFIG.merge(Config(signature_version=UNSIGNED)),
    )


@pytest.fixture
def sts_for(endpoint: str) -> Callable[[dict[str, Any]], Any]:
    """A boto3 sts client configured with GetCredentialsForIdentity's Credentials."""

    def make(credentials: dict[str, Any]) -> Any:
        return boto3.client(
            "sts",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials.get("SecretKey") or credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            config=_CONFIG,
        )

    return make


@dataclass
class UserPoolSetup:
    """A user pool, one app client allowing ADMIN_USER_PASSWORD_AUTH, and a way to make
    users and sign them in."""

    idp: Any
    pool_id: str
    client_id: str

    @property
    def provider(self) -> str:
        return f"cognito-idp.{REGION}.amazonaws.com/{self.pool_id}"

    def add_client(self) -> str:
        created = self.idp.create_user_pool_client(
            UserPoolId=self.pool_id,
            ClientName="identity-tests",
            ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )
        return str(created["UserPoolClient"]["ClientId"])

    def add_user(self, email: str, groups: tuple[tuple[str, int, str], ...] = ()) -> str:
        self.idp.admin_create_user(
            UserPoolId=self.pool_id,
            Username=email,
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
            ],
            MessageAction="SUPPRESS",
        )
        self.idp.admin_set_user_password(
            UserPoolId=self.pool_id, Username=email, Password=PASSWORD, Permanent=True
        )
        for name, precedence, role_arn in groups:
            existing = self.idp.list_groups(UserPoolId=self.pool_id)["Groups"]
            if name not in {group["GroupName"] for group in existing}:
                role = {"RoleArn": role_arn} if role_arn else {}
                self.idp.create_group(
                    UserPoolId=self.pool_id, GroupName=name, Precedence=precedence, **role
                )
            self.idp.admin_add_user_to_group(
                UserPoolId=self.pool_id, Username=email, GroupName=name
            )
        return email

    def sign_in(self, email: str, client_id: str | None = None) -> dict[str, Any]:
        """AuthenticationResult (IdToken, AccessToken, RefreshToken) of a real sign-in."""
        response = self.idp.admin_initiate_auth(
            UserPoolId=self.pool_id,
            ClientId=client_id or self.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
        )
        return dict(response["AuthenticationResult"])

    def id_token(self, email: str, client_id: str | None = None) -> str:
        return str(self.sign_in(email, client_id)["IdToken"])


@pytest.fixture
def make_user_pool(idp: Any, public_url: str) -> Callable[[], UserPoolSetup]:
    def make() -> UserPoolSetup:
        pool_id = idp.create_user_pool(PoolName="identity-users", UsernameAttributes=["email"])[
            "UserPool"
        ]["Id"]
        setup = UserPoolSetup(idp=idp, pool_id=pool_id, client_id="")
        setup.client_id = setup.add_client()
        return setup

    return make


@pytest.fixture
def user_pool(make_user_pool: Callable[[], UserPoolSetup]) -> UserPoolSetup:
    return make_user_pool()


@pytest.fixture
def make_identity_pool(cognito_identity: Any) -> Callable[..., str]:
    """An identity pool trusting ``setup``'s client, with the auth and guest roles set."""

    def make(
        setup: UserPoolSetup | None = None,
        *,
        guests: bool = True,
        server_side_token_check: bool = False,
        roles: dict[str, str] | None = None,
        **extra: Any,
    ) -> str:
        providers = (
            [
                {
                    "ProviderName": setup.provider,
                    "ClientId": setup.client_id,
                    "ServerSideTokenCheck": server_side_token_check,
                }
            ]
            if setup is not None
            else []
        )
        pool_id = cognito_identity.create_identity_pool(
            IdentityPoolName="identity-tests",
            AllowUnauthenticatedIdentities=guests,
            CognitoIdentityProviders=providers,
            **extra,
        )["IdentityPoolId"]
        cognito_identity.set_identity_pool_roles(
            IdentityPoolId=pool_id,
            Roles=roles
            if roles is not None
            else {
                "authenticated": AUTH_ROLE,
                "unauthenticated": GUEST_ROLE,
            },
        )
        return str(pool_id)

    return make
