"""The seed document's AWS CLI commands, copied verbatim, run against the live server.

The only changes to the seed's text are ``--endpoint-url`` appended to each command and the
seed's placeholder pool id ``us-east-1_abc123`` replaced by the pool the first command makes.
The CLI is configured as CLI v2 behaves (``cli_follow_urlparam = false``), so the
``--callback-urls https://…`` value is sent as a string, not fetched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SEED_POOL_ID = "us-east-1_abc123"

SEED_CREATE_USER_POOL = """aws cognito-idp create-user-pool \\
--pool-name my-app-users \\
--policies '{
"PasswordPolicy": {
"MinimumLength": 12,
"RequireUppercase": true,
"RequireLowercase": true,
"RequireNumbers": true,
"RequireSymbols": true
}
}' \\
--auto-verified-attributes email \\
--username-attributes email \\
--mfa-configuration OPTIONAL \\
--user-attribute-update-settings '{
"AttributesRequireVerificationBeforeUpdate": ["email"]
}'"""

SEED_CREATE_USER_POOL_CLIENT = """aws cognito-idp create-user-pool-client \\
--user-pool-id us-east-1_abc123 \\
--client-name my-web-app \\
--generate-secret \\
--explicit-auth-flows ALLOW_USER_SRP_AUTH ALLOW_REFRESH_TOKEN_AUTH \\
--supported-identity-providers COGNITO \\
--callback-urls https://myapp.com/callback \\
--logout-urls https://myapp.com/logout \\
--allowed-o-auth-flows code \\
--allowed-o-auth-scopes openid email profile \\
--allowed-o-auth-flows-user-pool-client \\
--access-token-validity 60 \\
--id-token-validity 60 \\
--refresh-token-validity 30 \\
--token-validity-units '{
"AccessToken": "minutes",
"IdToken": "minutes",
"RefreshToken": "days"
}'"""

SEED_ADMIN_GET_USER = """aws cognito-idp admin-get-user \\
--user-pool-id us-east-1_abc123 \\
--username user@example.com"""

# The seed's troubleshooting command, with the line continuations its copy lost restored.
SEED_DESCRIBE_DOMAIN = (
    "aws cognito-idp describe-user-pool --user-pool-id us-east-1_abc123 --query 'UserPool.Domain'"
)


@pytest.fixture
def aws_cli(endpoint: str, access_key: tuple[str, str], tmp_path: Path) -> Any:
    """Runs a seed command with the installed awscli; returns its parsed JSON output."""
    config = tmp_path / "config"
    config.write_text("[default]\ncli_follow_urlparam = false\noutput = json\n")
    credentials = tmp_path / "credentials"
    credentials.write_text("")
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "AWS_ACCESS_KEY_ID": access_key[0],
        "AWS_SECRET_ACCESS_KEY": access_key[1],
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
    }

    def run(command: str, pool_id: str | None = None) -> Any:
        if pool_id is not None:
            command = command.replace(SEED_POOL_ID, pool_id)
        completed = subprocess.run(
            ["bash", "-c", f"{command} --endpoint-url {endpoint}"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr
        return json.loads(completed.stdout) if completed.stdout.strip() else None

    return run


def test_seed_commands_succeed_verbatim(aws_cli: Any, idp: Any) -> None:
    pool = aws_cli(SEED_CREATE_USER_POOL)["UserPool"]
    pool_id = pool["Id"]
    assert pool["Name"] == "my-app-users"
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["MfaConfiguration"] == "OPTIONAL"
    assert pool["UserAttributeUpdateSettings"] == {
        "AttributesRequireVerificationBeforeUpdate": ["email"]
    }
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Name"] == "my-app-users"

    client = aws_cli(SEED_CREATE_USER_POOL_CLIENT, pool_id)["UserPoolClient"]
    assert client["UserPoolId"] == pool_id
    assert client["ClientName"] == "my-web-app"
    assert len(client["ClientSecret"]) >= 24
    assert client["ExplicitAuthFlows"] == ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    assert client["CallbackURLs"] == ["https://myapp.com/callback"]
    assert client["LogoutURLs"] == ["https://myapp.com/logout"]
    assert client["AllowedOAuthFlows"] == ["code"]
    assert sorted(client["AllowedOAuthScopes"]) == ["email", "openid", "profile"]
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["AccessTokenValidity"] == 60
    assert client["RefreshTokenValidity"] == 30
    assert client["TokenValidityUnits"] == {
        "AccessToken": "minutes",
        "IdToken": "minutes",
        "RefreshToken": "days",
    }

    aws_cli(
        "aws cognito-idp admin-create-user --user-pool-id us-east-1_abc123"
        " --username user@example.com --user-attributes Name=email,Value=user@example.com"
        " --message-action SUPPRESS",
        pool_id,
    )
    user = aws_cli(SEED_ADMIN_GET_USER, pool_id)
    assert {"Name": "email", "Value": "user@example.com"} in user["UserAttributes"]
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert user["Enabled"] is True

    # No domain is configured for the pool, so the query finds nothing.
    assert aws_cli(SEED_DESCRIBE_DOMAIN, pool_id) is None
