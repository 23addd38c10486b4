"""Resource servers and user pool domains through boto3, custom scopes on app clients,
and Host-based routing to a pool's custom domain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from oauth.models import AppClient
from tests.oauth.browser import CALLBACK, authorize_url

CERTIFICATE = {"CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc"}


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def test_resource_server_lifecycle_and_custom_scopes(
    idp: Any, pool: dict[str, Any], make_client: Callable[..., AppClient]
) -> None:
    pool_id = pool["Id"]
    scopes = [{"ScopeName": "read", "ScopeDescription": "Read"}]
    created = idp.create_resource_server(
        UserPoolId=pool_id, Identifier="https://api.example.com", Name="api", Scopes=scopes
    )["ResourceServer"]
    assert created == {
        "UserPoolId": pool_id,
        "Identifier": "https://api.example.com",
        "Name": "api",
        "Scopes": scopes,
    }
    with pytest.raises(ClientError) as duplicate:
        idp.create_resource_server(
            UserPoolId=pool_id, Identifier="https://api.example.com", Name="x"
        )
    assert _error(duplicate)[0] == "InvalidParameterException"
    for index in range(3):
        idp.create_resource_server(UserPoolId=pool_id, Identifier=f"rs{index}", Name=f"rs{index}")
    first = idp.list_resource_servers(UserPoolId=pool_id, MaxResults=2)
    second = idp.list_resource_servers(
        UserPoolId=pool_id, MaxResults=2, NextToken=first["NextToken"]
    )
    listed = [s["Identifier"] for s in first["ResourceServers"] + second["ResourceServers"]]
    assert listed == ["https://api.example.com", "rs0", "rs1", "rs2"]
    assert "NextToken" not in second

    client = make_client(
        GenerateSecret=True,
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthScopes=["https://api.example.com/read"],
    )
    with pytest.raises(ClientError) as unknown:
        make_client(
            GenerateSecret=True,
            AllowedOAuthFlowsUserPoolClient=True,
            AllowedOAuthFlows=["client_credentials"],
            AllowedOAuthScopes=["https://api.example.com/write"],
        )
    assert _error(unknown)[0] == "ScopeDoesNotExistException"

    updated = idp.update_resource_server(
        UserPoolId=pool_id,
        Identifier="https://api.example.com",
        Name="api v2",
        Scopes=[{"ScopeName": "write", "ScopeDescription": "Write"}],
    )["ResourceServer"]
    assert updated["Name"] == "api v2"
    described = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client.client_id)
    assert described["UserPoolClient"].get("AllowedOAuthScopes", []) == []

    idp.delete_resource_server(UserPoolId=pool_id, Identifier="rs0")
    with pytest.raises(ClientError) as missing:
        idp.describe_resource_server(UserPoolId=pool_id, Identifier="rs0")
    assert _error(missing)[0] == "ResourceNotFoundException"


def test_domains_prefix_and_custom(idp: Any, pool: dict[str, Any], settings: Any) -> None:
    pool_id = pool["Id"]
    assert idp.describe_user_pool_domain(Domain="tessera-demo")["DomainDescription"] == {}
    created = idp.create_user_pool_domain(UserPoolId=pool_id, Domain="tessera-demo")
    assert created["ManagedLoginVersion"] == 1
    description = idp.describe_user_pool_domain(Domain="tessera-demo")["DomainDescription"]
    assert description["UserPoolId"] == pool_id
    assert description["Status"] == "ACTIVE"
    assert description["CloudFrontDistribution"] == (
        f"tessera-demo.auth.{settings.AWS_REGION}.amazoncognito.com"
    )

    custom = idp.create_user_pool_domain(
        UserPoolId=pool_id, Domain="auth.example.com", CustomDomainConfig=CERTIFICATE
    )
    assert custom["CloudFrontDomain"]
    described = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert described["Domain"] == "tessera-demo"
    assert described["CustomDomain"] == "auth.example.com"

    for bad in ("has-cognito-in-it", "Upper"):
        with pytest.raises(ClientError) as refused:
            idp.create_user_pool_domain(UserPoolId=pool_id, Domain=bad)
        assert _error(refused)[0] == "InvalidParameterException"
    other = idp.create_user_pool(PoolName="other")["UserPool"]["Id"]
    with pytest.raises(ClientError) as taken:
        idp.create_user_pool_domain(UserPoolId=other, Domain="tessera-demo")
    assert _error(taken) == (
        "InvalidParameterException",
        "Domain already associated with another user pool.",
    )

    updated = idp.update_user_pool_domain(
        UserPoolId=pool_id, Domain="tessera-demo", ManagedLoginVersion=2
    )
    assert updated["ManagedLoginVersion"] == 2
    with pytest.raises(ClientError) as wrong_pool:
        idp.delete_user_pool_domain(UserPoolId=other, Domain="tessera-demo")
    assert _error(wrong_pool)[1] == "No such domain or user pool exists."
    idp.delete_user_pool_domain(UserPoolId=pool_id, Domain="tessera-demo")
    assert "Domain" not in idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]


def test_custom_domain_serves_only_its_pool(
    public_url: str, idp: Any, pool: dict[str, Any], make_client: Callable[..., AppClient]
) -> None:
    client = make_client(
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid"],
        CallbackURLs=[CALLBACK],
    )
    idp.create_user_pool_domain(
        UserPoolId=pool["Id"], Domain="login.example.org", CustomDomainConfig=CERTIFICATE
    )
    other_pool = idp.create_user_pool(PoolName="other")["UserPool"]["Id"]
    other = idp.create_user_pool_client(
        UserPoolId=other_pool,
        ClientName="other",
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid"],
        CallbackURLs=[CALLBACK],
    )["UserPoolClient"]["ClientId"]

    def authorize(client_id: str) -> requests.Response:
        url = authorize_url(
            public_url,
            client_id=client_id,
            redirect_uri=CALLBACK,
            response_type="code",
            code_challenge="a" * 43,
            code_challenge_method="S256",
        )
        return requests.get(
            url, headers={"Host": "login.example.org"}, allow_redirects=False, timeout=10
        )

    assert authorize(client.client_id).headers["Location"].startswith("/login?")
    foreign = authorize(other)
    assert foreign.status_code == 400
    assert "Location" not in foreign.headers


@pytest.mark.parametrize("version", [-1, 0, 3, 2**31 - 1])
def test_out_of_range_managed_login_version_is_invalid_parameter(
    idp: Any, pool: dict[str, Any], version: int
) -> None:
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.create_user_pool_domain(
            UserPoolId=pool["Id"], Domain="versioned-prefix", ManagedLoginVersion=version
        )
    idp.create_user_pool_domain(UserPoolId=pool["Id"], Domain="versioned-prefix")
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.update_user_pool_domain(
            UserPoolId=pool["Id"], Domain="versioned-prefix", ManagedLoginVersion=version
        )
