"""Identity-pool management through boto3: create, describe, update, list with pages, tags,
principal-tag maps, delete, and the checks on provider names."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


def _refused(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as refused:
        call(**kwargs)
    error = refused.value.response["Error"]
    return error["Code"], error["Message"]


def test_identity_pool_lifecycle(cognito_identity: Any, public_url: str) -> None:
    own_provider = f"{public_url.split('://', 1)[1]}/us-east-1_Abc123xyz"
    created = cognito_identity.create_identity_pool(
        IdentityPoolName="app identities",
        AllowUnauthenticatedIdentities=False,
        AllowClassicFlow=True,
        SupportedLoginProviders={"accounts.google.com": "google-app-id"},
        DeveloperProviderName="login.example.app",
        CognitoIdentityProviders=[
            {"ProviderName": own_provider, "ClientId": "abc123", "ServerSideTokenCheck": True}
        ],
        IdentityPoolTags={"team": "auth"},
    )
    pool_id = created["IdentityPoolId"]
    assert pool_id.startswith("us-east-1:")
    described = cognito_identity.describe_identity_pool(IdentityPoolId=pool_id)
    described.pop("ResponseMetadata")
    created.pop("ResponseMetadata")
    assert described == created
    assert described["AllowClassicFlow"] is True
    assert described["DeveloperProviderName"] == "login.example.app"
    assert described["IdentityPoolTags"] == {"team": "auth"}

    # UpdateIdentityPool replaces the provider settings; absent ones are emptied.
    updated = cognito_identity.update_identity_pool(
        IdentityPoolId=pool_id,
        IdentityPoolName="renamed",
        AllowUnauthenticatedIdentities=True,
        CognitoIdentityProviders=[
            {
                "ProviderName": "cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc123xyz",
                "ClientId": "abc123",
            }
        ],
    )
    assert updated["IdentityPoolName"] == "renamed"
    assert updated["AllowUnauthenticatedIdentities"] is True
    assert updated["SupportedLoginProviders"] == {}
    assert updated["CognitoIdentityProviders"][0]["ServerSideTokenCheck"] is False
    assert updated["DeveloperProviderName"] == "login.example.app"
    assert (
        _refused(
            cognito_identity.update_identity_pool,
            IdentityPoolId=pool_id,
            IdentityPoolName="renamed",
            AllowUnauthenticatedIdentities=True,
            DeveloperProviderName="login.other.app",
        )[0]
        == "InvalidParameterException"
    )

    # Tags by ARN.
    arn = f"arn:aws:cognito-identity:us-east-1:123456789012:identitypool/{pool_id}"
    cognito_identity.tag_resource(ResourceArn=arn, Tags={"env": "test"})
    cognito_identity.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert cognito_identity.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"env": "test"}
    assert (
        _refused(
            cognito_identity.list_tags_for_resource,
            ResourceArn=arn.replace("us-east-1:", "eu-west-1:", 1),
        )[0]
        == "ResourceNotFoundException"
    )

    # Principal-tag maps, per provider.
    cognito_identity.set_principal_tag_attribute_map(
        IdentityPoolId=pool_id,
        IdentityProviderName="accounts.google.com",
        UseDefaults=False,
        PrincipalTags={"department": "hd"},
    )
    mapped = cognito_identity.get_principal_tag_attribute_map(
        IdentityPoolId=pool_id, IdentityProviderName="accounts.google.com"
    )
    assert (mapped["UseDefaults"], mapped["PrincipalTags"]) == (False, {"department": "hd"})

    cognito_identity.delete_identity_pool(IdentityPoolId=pool_id)
    assert _refused(cognito_identity.describe_identity_pool, IdentityPoolId=pool_id) == (
        "ResourceNotFoundException",
        f"IdentityPool '{pool_id}' not found.",
    )


def test_list_identity_pools_pages_and_provider_names_are_checked(cognito_identity: Any) -> None:
    made = [
        cognito_identity.create_identity_pool(
            IdentityPoolName=f"pool{index}", AllowUnauthenticatedIdentities=True
        )["IdentityPoolId"]
        for index in range(5)
    ]
    seen: list[str] = []
    paginator = cognito_identity.get_paginator("list_identity_pools")
    for page in paginator.paginate(MaxResults=2):
        assert len(page["IdentityPools"]) <= 2
        seen += [item["IdentityPoolId"] for item in page["IdentityPools"]]
    assert seen == made

    code, message = _refused(
        cognito_identity.create_identity_pool,
        IdentityPoolName="bad",
        AllowUnauthenticatedIdentities=False,
        CognitoIdentityProviders=[{"ProviderName": "evil.example/us-east-1_Abc", "ClientId": "x"}],
    )
    assert code == "InvalidParameterException"
    assert "Invalid Cognito Identity Provider name" in message
    code, _ = _refused(
        cognito_identity.create_identity_pool,
        IdentityPoolName="bad",
        AllowUnauthenticatedIdentities=False,
        OpenIdConnectProviderARNs=["arn:aws:iam::123456789012:oidc-provider/unknown.example"],
    )
    assert code == "InvalidParameterException"
