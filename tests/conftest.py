"""Shared fixtures: real boto3 clients pointed at pytest-django's live_server."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from api.models import AccessKey

REGION = "us-east-1"
_CONFIG = Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=30)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    # Argon2id at OWASP parameters costs ~15 ms a hash; tests/test_settings.py checks it is
    # what production uses.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def access_key(transactional_db: None) -> tuple[str, str]:
    key, secret = AccessKey.issue(description="tests")
    return key.access_key_id, secret


@pytest.fixture
def endpoint(live_server: Any) -> str:
    return str(live_server.url)


@pytest.fixture
def idp(endpoint: str, access_key: tuple[str, str]) -> Any:
    """A signed cognito-idp client, as an admin backend would hold."""
    return boto3.client(
        "cognito-idp",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=access_key[0],
        aws_secret_access_key=access_key[1],
        config=_CONFIG,
    )


@pytest.fixture
def idp_public(endpoint: str) -> Any:
    """An unsigned cognito-idp client, as a browser or mobile app holds."""
    return boto3.client(
        "cognito-idp",
        endpoint_url=endpoint,
        region_name=REGION,
        config=_CONFIG.merge(Config(signature_version=UNSIGNED)),
    )


@pytest.fixture
def cognito_identity(endpoint: str, access_key: tuple[str, str]) -> Any:
    return boto3.client(
        "cognito-identity",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=access_key[0],
        aws_secret_access_key=access_key[1],
        config=_CONFIG,
    )


@pytest.fixture
def pool(idp: Any) -> dict[str, Any]:
    """A pool shaped like the seed's: email as username, strong policy, MFA optional."""
    response = idp.create_user_pool(
        PoolName="seed-pool",
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 12,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": True,
            }
        },
        AutoVerifiedAttributes=["email"],
        UsernameAttributes=["email"],
        MfaConfiguration="OPTIONAL",
        UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]},
    )
    return dict(response["UserPool"])
