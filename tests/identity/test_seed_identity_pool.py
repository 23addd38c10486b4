"""The seed's identity-pool snippets, run against the live server.

The CLI command and the Python code are the seed's text. The only changes: ``--endpoint-url``
(CLI) and ``endpoint_url=`` (boto3) point at the server, and the seed's placeholders
(``us-east-1_abc123``, ``client-id``, ``us-east-1:12345678-…``) are replaced by the user
pool, app client and identity pool the test made. The seed sets no roles, without which
Cognito itself refuses credentials, so the test sets them between the two snippets.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from django.utils import timezone

from tests.identity.conftest import AUTH_ROLE, GUEST_ROLE, UserPoolSetup

SEED_CREATE_IDENTITY_POOL = """aws cognito-identity create-identity-pool \\
--identity-pool-name my-app-identities \\
--allow-unauthenticated-identities \\
--cognito-identity-providers \\
ProviderName=cognito-idp.us-east-1.amazonaws.com/us-east-1_abc123,\\
ClientId=client-id,\\
ServerSideTokenCheck=true"""

SEED_GET_CREDENTIALS = """import boto3
cognito_identity = boto3.client('cognito-identity')
response = cognito_identity.get_id(
IdentityPoolId='us-east-1:12345678-1234-1234-1234-123456789012',
Logins={
'cognito-idp.us-east-1.amazonaws.com/us-east-1_abc123': id_token
}
)
identity_id = response['IdentityId']
response = cognito_identity.get_credentials_for_identity(
IdentityId=identity_id,
Logins={
'cognito-idp.us-east-1.amazonaws.com/us-east-1_abc123': id_token
}
)
credentials = response['Credentials']
"""


def _run_cli(command: str, endpoint: str, access_key: tuple[str, str], home: Path) -> Any:
    config = home / "config"
    config.write_text("[default]\noutput = json\n")
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "AWS_ACCESS_KEY_ID": access_key[0],
        "AWS_SECRET_ACCESS_KEY": access_key[1],
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
    }
    completed = subprocess.run(
        ["bash", "-c", f"{command} --endpoint-url {endpoint}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_seed_identity_pool_exchanges_an_id_token_for_working_credentials(
    user_pool: UserPoolSetup,
    cognito_identity: Any,
    sts_for: Any,
    endpoint: str,
    access_key: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    command = SEED_CREATE_IDENTITY_POOL.replace("us-east-1_abc123", user_pool.pool_id).replace(
        "ClientId=client-id", f"ClientId={user_pool.client_id}"
    )
    created = _run_cli(command, endpoint, access_key, tmp_path)
    identity_pool_id = created["IdentityPoolId"]
    assert identity_pool_id.startswith("us-east-1:")
    assert created["IdentityPoolName"] == "my-app-identities"
    assert created["AllowUnauthenticatedIdentities"] is True
    assert created["CognitoIdentityProviders"] == [
        {
            "ProviderName": user_pool.provider,
            "ClientId": user_pool.client_id,
            "ServerSideTokenCheck": True,
        }
    ]
    cognito_identity.set_identity_pool_roles(
        IdentityPoolId=identity_pool_id,
        Roles={"authenticated": AUTH_ROLE, "unauthenticated": GUEST_ROLE},
    )

    email = user_pool.add_user("user@example.com")
    snippet = (
        SEED_GET_CREDENTIALS.replace("us-east-1_abc123", user_pool.pool_id)
        .replace("us-east-1:12345678-1234-1234-1234-123456789012", identity_pool_id)
        .replace(
            "boto3.client('cognito-identity')",
            f"boto3.client('cognito-identity', endpoint_url={endpoint!r})",
        )
    )
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    namespace: dict[str, Any] = {"id_token": user_pool.id_token(email)}
    exec(snippet, namespace)  # noqa: S102 (the seed's own code)

    identity_id = namespace["identity_id"]
    credentials = namespace["credentials"]
    assert identity_id.startswith("us-east-1:")
    assert credentials["AccessKeyId"].startswith("ASIA")
    assert len(credentials["SecretKey"]) == 40
    assert credentials["SessionToken"]
    remaining = credentials["Expiration"] - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=59) < remaining <= dt.timedelta(hours=1)

    # The credentials are real: STS knows whose they are.
    caller = sts_for(credentials).get_caller_identity()
    assert caller["Arn"] == f"arn:aws:sts::123456789012:assumed-role/identity-auth/{identity_id}"
    assert caller["Account"] == "123456789012"
    assert caller["UserId"].startswith("AROA")
    assert caller["UserId"].endswith(f":{identity_id}")

    # The same login comes back to the same identity.
    again = cognito_identity.get_id(
        IdentityPoolId=identity_pool_id, Logins={user_pool.provider: user_pool.id_token(email)}
    )
    assert again["IdentityId"] == identity_id

    # An hour later they are refused.
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + dt.timedelta(hours=1, seconds=1))
    with pytest.raises(ClientError) as refused:
        sts_for(credentials).get_caller_identity()
    assert refused.value.response["Error"]["Code"] == "ExpiredToken"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
