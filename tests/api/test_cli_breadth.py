"""The AWS CLI (awscli v1, as installed in .venv) as a real client of every kind of call.

The developers' guide promises that code written for Cognito, the AWS CLI included, runs
unchanged with ``--endpoint-url``. The CLI is botocore underneath, but it adds its own layer:
shorthand and ``--cli-input-json`` parsing, ``--query`` with text and table output (which walk
the response shape: timestamps, lists, nested structures), automatic pagination with
``--max-items``/``--starting-token``, ``fileb://`` blobs, ``--no-sign-request`` and its exit
codes on errors (254 for a service error, 252/255 for client-side ones). Calls are grouped
into a few tests: each CLI invocation costs about half a second.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp
import pytest


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        assert self.returncode == 0, self.stderr
        return json.loads(self.stdout) if self.stdout.strip() else None


class Cli:
    """Runs ``aws`` with the test's access key against the live server."""

    def __init__(self, endpoint: str, access_key: tuple[str, str], home: Path) -> None:
        self.endpoint = endpoint
        self.home = home
        config = home / "config"
        config.write_text("[default]\ncli_follow_urlparam = false\noutput = json\n")
        (home / "credentials").write_text("")
        self.env = {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "AWS_ACCESS_KEY_ID": access_key[0],
            "AWS_SECRET_ACCESS_KEY": access_key[1],
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": str(config),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
            "AWS_MAX_ATTEMPTS": "1",
        }

    def run(self, *args: str) -> CliResult:
        completed = subprocess.run(
            [str(Path(sys.executable).parent / "aws"), *args, "--endpoint-url", self.endpoint],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=self.home,
        )
        return CliResult(completed.returncode, completed.stdout, completed.stderr)

    def __call__(self, *args: str) -> Any:
        return self.run(*args).json()


@pytest.fixture
def cli(endpoint: str, access_key: tuple[str, str], tmp_path: Path) -> Cli:
    return Cli(endpoint, access_key, tmp_path)


PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
PASSWORD = "Cli-Passw0rd!one"


def lines(text: str) -> list[list[str]]:
    """``--output text`` as rows of tab-separated fields."""
    return [line.split("\t") for line in text.strip().splitlines()]


def test_cli_administers_a_user_pool(cli: Cli, settings: Any, live_server: Any) -> None:
    settings.PUBLIC_URL = str(live_server.url)
    # --cli-input-json for the pool, with a v2-style ISO timestamp format for the output.
    (cli.home / "config").write_text(
        "[default]\ncli_follow_urlparam = false\noutput = json\ncli_timestamp_format = iso8601\n"
    )
    pool = cli(
        "cognito-idp",
        "create-user-pool",
        "--cli-input-json",
        json.dumps(
            {
                "PoolName": "cli-pool",
                "UsernameAttributes": ["email"],
                "AutoVerifiedAttributes": ["email"],
                "Policies": {"PasswordPolicy": {"MinimumLength": 10}},
                "UserPoolTags": {"team": "identity"},
            }
        ),
    )["UserPool"]
    pool_id = pool["Id"]
    created, modified = cli(
        "cognito-idp",
        "describe-user-pool",
        "--user-pool-id",
        pool_id,
        "--query",
        "UserPool.[CreationDate,LastModifiedDate]",
    )
    assert dt.datetime.fromisoformat(created) == dt.datetime.fromisoformat(modified)
    assert dt.datetime.fromisoformat(created).tzinfo is not None
    table = cli.run(
        "cognito-idp", "describe-user-pool", "--user-pool-id", pool_id, "--output", "table"
    )
    assert table.returncode == 0
    assert "PasswordPolicy" in table.stdout
    assert pool_id in table.stdout

    # Users with shorthand attribute lists; the CLI's automatic pagination over PaginationToken.
    emails = [f"user{number}@example.com" for number in range(5)]
    for email in emails:
        cli(
            "cognito-idp",
            "admin-create-user",
            "--user-pool-id",
            pool_id,
            "--username",
            email,
            "--user-attributes",
            f"Name=email,Value={email}",
            "Name=email_verified,Value=true",
            "--message-action",
            "SUPPRESS",
        )
    every_page = cli.run(
        "cognito-idp",
        "list-users",
        "--user-pool-id",
        pool_id,
        "--page-size",
        "2",
        "--query",
        "Users[].Attributes[?Name=='email'].Value[]",
        "--output",
        "text",
    )
    assert every_page.returncode == 0, every_page.stderr
    # Text output prints each page's list on its own line: three pages of 2, 2 and 1.
    assert lines(every_page.stdout) == [emails[0:2], emails[2:4], emails[4:5]]
    first = cli(
        "cognito-idp",
        "list-users",
        "--user-pool-id",
        pool_id,
        "--page-size",
        "2",
        "--max-items",
        "3",
    )
    rest = cli(
        "cognito-idp",
        "list-users",
        "--user-pool-id",
        pool_id,
        "--page-size",
        "2",
        # --opt=value: a token may start with "-", which argparse would read as an option.
        f"--starting-token={first['NextToken']}",
    )
    assert len(first["Users"]) == 3
    assert len(rest["Users"]) == 2
    assert "NextToken" not in rest
    listed = {
        attribute["Value"]
        for user in first["Users"] + rest["Users"]
        for attribute in user["Attributes"]
        if attribute["Name"] == "email"
    }
    assert listed == set(emails)
    filtered = cli.run(
        "cognito-idp",
        "list-users",
        "--user-pool-id",
        pool_id,
        "--filter",
        'email ^= "user3"',
        "--query",
        "Users[].UserStatus",
        "--output",
        "text",
    )
    assert filtered.stdout.split() == ["FORCE_CHANGE_PASSWORD"]

    # Groups: ListGroups, ListUsersInGroup and AdminListGroupsForUser paginate over NextToken.
    for name, precedence in (("admins", "1"), ("staff", "2"), ("guests", "3")):
        cli(
            "cognito-idp",
            "create-group",
            "--user-pool-id",
            pool_id,
            "--group-name",
            name,
            "--precedence",
            precedence,
        )
        cli(
            "cognito-idp",
            "admin-add-user-to-group",
            "--user-pool-id",
            pool_id,
            "--username",
            emails[0],
            "--group-name",
            name,
        )
    cli(
        "cognito-idp",
        "admin-add-user-to-group",
        "--user-pool-id",
        pool_id,
        "--username",
        emails[1],
        "--group-name",
        "staff",
    )
    groups = cli.run(
        "cognito-idp",
        "list-groups",
        "--user-pool-id",
        pool_id,
        "--page-size",
        "1",
        "--query",
        "Groups[].[GroupName,Precedence]",
        "--output",
        "text",
    )
    assert sorted(lines(groups.stdout)) == [["admins", "1"], ["guests", "3"], ["staff", "2"]]
    memberships = cli(
        "cognito-idp",
        "admin-list-groups-for-user",
        "--user-pool-id",
        pool_id,
        "--username",
        emails[0],
        "--page-size",
        "2",
        "--query",
        "Groups[].GroupName",
    )
    assert sorted(memberships) == ["admins", "guests", "staff"]
    staff = cli(
        "cognito-idp",
        "list-users-in-group",
        "--user-pool-id",
        pool_id,
        "--group-name",
        "staff",
        "--page-size",
        "1",
        "--query",
        "Users[].Attributes[?Name=='email'].Value[]",
    )
    assert sorted(staff) == emails[0:2]

    # App clients (ListUserPoolClients paginates), a resource server with shorthand scopes.
    for name in ("web", "mobile"):
        cli(
            "cognito-idp",
            "create-user-pool-client",
            "--user-pool-id",
            pool_id,
            "--client-name",
            name,
            "--explicit-auth-flows",
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
            "--token-validity-units",
            "AccessToken=hours,IdToken=hours,RefreshToken=days",
            "--access-token-validity",
            "2",
        )
    clients = cli(
        "cognito-idp",
        "list-user-pool-clients",
        "--user-pool-id",
        pool_id,
        "--page-size",
        "1",
        "--query",
        "UserPoolClients[].ClientName",
    )
    assert sorted(clients) == ["mobile", "web"]
    scopes = cli(
        "cognito-idp",
        "create-resource-server",
        "--user-pool-id",
        pool_id,
        "--identifier",
        "https://api.example.com",
        "--name",
        "api",
        "--scopes",
        "ScopeName=read,ScopeDescription=Read",
        "ScopeName=write,ScopeDescription=Write",
        "--query",
        "ResourceServer.Scopes[].ScopeName",
    )
    assert scopes == ["read", "write"]

    # A logo from fileb:// (a blob the CLI sends base64-encoded) is served back byte for byte.
    (cli.home / "logo.png").write_bytes(PNG_1X1)
    customization = cli(
        "cognito-idp",
        "set-ui-customization",
        "--user-pool-id",
        pool_id,
        "--css",
        ".banner-customizable {background-color: black;}",
        "--image-file",
        "fileb://logo.png",
    )["UICustomization"]
    with urllib.request.urlopen(customization["ImageUrl"], timeout=30) as response:  # noqa: S310
        assert response.read() == PNG_1X1
    assert dt.datetime.fromisoformat(customization["CreationDate"]).tzinfo is not None

    cli("cognito-idp", "tag-resource", "--resource-arn", pool["Arn"], "--tags", "env=dev")
    tags = cli("cognito-idp", "list-tags-for-resource", "--resource-arn", pool["Arn"])
    assert tags == {"Tags": {"team": "identity", "env": "dev"}}

    # ListUserPools needs --max-results, which turns the CLI's paging off: --next-token by hand.
    cli("cognito-idp", "create-user-pool", "--pool-name", "second-pool")
    page = cli("cognito-idp", "list-user-pools", "--max-results", "1")
    following = cli(
        "cognito-idp", "list-user-pools", "--max-results", "1", f"--next-token={page['NextToken']}"
    )
    assert [page["UserPools"][0]["Name"], following["UserPools"][0]["Name"]] == [
        "cli-pool",
        "second-pool",
    ]


def test_cli_reports_errors_with_their_names(
    cli: Cli, pool: dict[str, Any], access_key: tuple[str, str]
) -> None:
    missing = cli.run(
        "cognito-idp",
        "admin-get-user",
        "--user-pool-id",
        pool["Id"],
        "--username",
        "nobody@example.com",
    )
    # awscli v1 exits 255 on a service error (v2: 254); the message is the server's.
    assert missing.returncode in (254, 255)
    assert (
        "An error occurred (UserNotFoundException) when calling the AdminGetUser operation:"
        " User does not exist." in missing.stderr
    )
    unsigned = cli.run(
        "cognito-idp", "list-users", "--user-pool-id", pool["Id"], "--no-sign-request"
    )
    assert unsigned.returncode in (254, 255)
    assert "(MissingAuthenticationTokenException)" in unsigned.stderr
    invalid = cli.run(
        "cognito-idp", "list-users", "--user-pool-id", pool["Id"], "--filter", "bogus"
    )
    assert "(InvalidParameterException)" in invalid.stderr
    assert "Error while parsing filter" in invalid.stderr
    bad_token = cli.run(
        "cognito-idp", "list-users", "--user-pool-id", pool["Id"], "--starting-token", "garbage"
    )
    assert "(InvalidParameterException)" in bad_token.stderr
    assert "Invalid pagination token." in bad_token.stderr
    cli.env["AWS_SECRET_ACCESS_KEY"] = "x" + access_key[1][1:]
    forged = cli.run("cognito-idp", "describe-user-pool", "--user-pool-id", pool["Id"])
    assert forged.returncode in (254, 255)
    assert "(InvalidSignatureException)" in forged.stderr


def test_cli_signs_a_user_up_and_in(cli: Cli, pool: dict[str, Any], mailbox: Any) -> None:
    pool_id = pool["Id"]
    client_id = cli.run(
        "cognito-idp",
        "create-user-pool-client",
        "--user-pool-id",
        pool_id,
        "--client-name",
        "cli",
        "--explicit-auth-flows",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
        "--query",
        "UserPoolClient.ClientId",
        "--output",
        "text",
    ).stdout.strip()
    email = "signer@example.com"
    signed_up = cli(
        "cognito-idp",
        "sign-up",
        "--client-id",
        client_id,
        "--username",
        email,
        "--password",
        "Sign-Up-Passw0rd!",
        "--user-attributes",
        f"Name=email,Value={email}",
    )
    assert signed_up["UserConfirmed"] is False
    cli(
        "cognito-idp",
        "confirm-sign-up",
        "--client-id",
        client_id,
        "--username",
        email,
        "--confirmation-code",
        mailbox.code_for(email),
    )
    delivery = cli.run(
        "cognito-idp",
        "forgot-password",
        "--client-id",
        client_id,
        "--username",
        email,
        "--output",
        "text",
    )
    assert lines(delivery.stdout) == [["CODEDELIVERYDETAILS", "email", "EMAIL", "s***@e***"]]
    cli(
        "cognito-idp",
        "confirm-forgot-password",
        "--client-id",
        client_id,
        "--username",
        email,
        "--confirmation-code",
        mailbox.code_for(email),
        "--password",
        PASSWORD,
    )
    # --auth-parameters as JSON (a password with shorthand's special characters is safe there).
    tokens = cli(
        "cognito-idp",
        "initiate-auth",
        "--no-sign-request",
        "--client-id",
        client_id,
        "--auth-flow",
        "USER_PASSWORD_AUTH",
        "--auth-parameters",
        json.dumps({"USERNAME": email, "PASSWORD": PASSWORD}),
    )["AuthenticationResult"]
    access_token = tokens["AccessToken"]
    cli(
        "cognito-idp",
        "update-user-attributes",
        "--access-token",
        access_token,
        "--user-attributes",
        "Name=name,Value=Ann Signer",
    )
    profile = cli.run("cognito-idp", "get-user", "--access-token", access_token, "--output", "text")
    assert ["USERATTRIBUTES", "name", "Ann Signer"] in lines(profile.stdout)

    secret = cli("cognito-idp", "associate-software-token", "--access-token", access_token)[
        "SecretCode"
    ]
    verified = cli(
        "cognito-idp",
        "verify-software-token",
        "--access-token",
        access_token,
        "--user-code",
        pyotp.TOTP(secret).now(),
        "--friendly-device-name",
        "phone",
    )
    assert verified["Status"] == "SUCCESS"
    cli(
        "cognito-idp",
        "admin-set-user-mfa-preference",
        "--user-pool-id",
        pool_id,
        "--username",
        email,
        "--software-token-mfa-settings",
        "Enabled=true,PreferredMfa=true",
    )
    # Shorthand --auth-parameters; the password has no comma or equals sign.
    challenge = cli(
        "cognito-idp",
        "admin-initiate-auth",
        "--user-pool-id",
        pool_id,
        "--client-id",
        client_id,
        "--auth-flow",
        "ADMIN_USER_PASSWORD_AUTH",
        "--auth-parameters",
        f"USERNAME={email},PASSWORD={PASSWORD}",
    )
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    # The code of the next 30-second step: the one VerifySoftwareToken used is spent, and one
    # step of drift is accepted (accounts/services/totp.py).
    next_code = pyotp.TOTP(secret).at(time.time() + 30)
    answered = cli.run(
        "cognito-idp",
        "admin-respond-to-auth-challenge",
        "--user-pool-id",
        pool_id,
        "--client-id",
        client_id,
        "--challenge-name",
        "SOFTWARE_TOKEN_MFA",
        # --opt=value: a Session may start with "-", which argparse would read as an option.
        f"--session={challenge['Session']}",
        "--challenge-responses",
        f"USERNAME={email},SOFTWARE_TOKEN_MFA_CODE={next_code}",
        "--query",
        "AuthenticationResult.[TokenType,ExpiresIn]",
        "--output",
        "text",
    )
    assert lines(answered.stdout) == [["Bearer", "3600"]], answered.stderr
    refreshed = cli(
        "cognito-idp",
        "get-tokens-from-refresh-token",
        "--client-id",
        client_id,
        f"--refresh-token={tokens['RefreshToken']}",
        "--query",
        "AuthenticationResult.TokenType",
    )
    assert refreshed == "Bearer"
    cli("cognito-idp", "global-sign-out", "--access-token", access_token)
    revoked = cli.run("cognito-idp", "get-user", "--access-token", access_token)
    assert "(NotAuthorizedException)" in revoked.stderr
    assert "Access Token has been revoked" in revoked.stderr


def test_cli_runs_identity_pools(cli: Cli, pool: dict[str, Any]) -> None:
    provider = f"cognito-idp.us-east-1.amazonaws.com/{pool['Id']}"
    created = cli(
        "cognito-identity",
        "create-identity-pool",
        "--identity-pool-name",
        "cli_identities",
        "--allow-unauthenticated-identities",
        "--developer-provider-name",
        "login.example",
        "--cognito-identity-providers",
        f"ProviderName={provider},ClientId=someclient,ServerSideTokenCheck=false",
        "--identity-pool-tags",
        "team=identity",
    )
    identity_pool_id = created["IdentityPoolId"]
    assert created["CognitoIdentityProviders"][0]["ProviderName"] == provider
    cli(
        "cognito-identity",
        "set-identity-pool-roles",
        "--identity-pool-id",
        identity_pool_id,
        "--roles",
        "authenticated=arn:aws:iam::123456789012:role/auth,unauthenticated=arn:aws:iam::123456789012:role/guest",
    )
    roles = cli.run(
        "cognito-identity",
        "get-identity-pool-roles",
        "--identity-pool-id",
        identity_pool_id,
        "--output",
        "text",
    )
    assert lines(roles.stdout) == [
        [identity_pool_id],
        ["ROLES", "arn:aws:iam::123456789012:role/auth", "arn:aws:iam::123456789012:role/guest"],
    ]
    pools = cli.run(
        "cognito-identity", "list-identity-pools", "--max-results", "10", "--output", "table"
    )
    assert "cli_identities" in pools.stdout

    guest = cli(
        "cognito-identity", "get-id", "--no-sign-request", "--identity-pool-id", identity_pool_id
    )["IdentityId"]
    credentials = cli.run(
        "cognito-identity",
        "get-credentials-for-identity",
        "--no-sign-request",
        "--identity-id",
        guest,
        "--query",
        "Credentials.[AccessKeyId,Expiration]",
        "--output",
        "text",
    )
    access_key_id, expiration = lines(credentials.stdout)[0]
    assert access_key_id.startswith("ASIA")
    assert float(expiration) > time.time()
    developer = cli(
        "cognito-identity",
        "get-open-id-token-for-developer-identity",
        "--identity-pool-id",
        identity_pool_id,
        "--logins",
        "login.example=dev-user-1",
    )
    looked_up = cli(
        "cognito-identity",
        "lookup-developer-identity",
        "--identity-pool-id",
        identity_pool_id,
        "--developer-user-identifier",
        "dev-user-1",
        "--max-results",
        "5",
    )
    assert looked_up["IdentityId"] == developer["IdentityId"]

    # ListIdentities has no paginator in the model: --next-token by hand.
    first = cli(
        "cognito-identity",
        "list-identities",
        "--identity-pool-id",
        identity_pool_id,
        "--max-results",
        "1",
    )
    second = cli(
        "cognito-identity",
        "list-identities",
        "--identity-pool-id",
        identity_pool_id,
        "--max-results",
        "1",
        f"--next-token={first['NextToken']}",
    )
    listed = {first["Identities"][0]["IdentityId"], second["Identities"][0]["IdentityId"]}
    assert listed == {guest, developer["IdentityId"]}
    assert second["Identities"][0]["Logins"] in ([], ["login.example"])

    tags = cli(
        "cognito-identity",
        "list-tags-for-resource",
        "--resource-arn",
        f"arn:aws:cognito-identity:us-east-1:123456789012:identitypool/{identity_pool_id}",
    )
    assert tags == {"Tags": {"team": "identity"}}
    tag_map = cli(
        "cognito-identity",
        "set-principal-tag-attribute-map",
        "--identity-pool-id",
        identity_pool_id,
        "--identity-provider-name",
        provider,
        "--principal-tags",
        "dept=custom:dept",
        "--no-use-defaults",
    )
    assert tag_map["PrincipalTags"] == {"dept": "custom:dept"}
    assert tag_map["UseDefaults"] is False
    deleted = cli("cognito-identity", "delete-identities", "--identity-ids-to-delete", guest)
    assert deleted == {"UnprocessedIdentityIds": []}
    gone = cli.run("cognito-identity", "describe-identity", "--identity-id", guest)
    assert gone.returncode in (254, 255)
    assert "(ResourceNotFoundException)" in gone.stderr
