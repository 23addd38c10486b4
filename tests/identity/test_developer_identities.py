"""Developer-authenticated identities: a backend (SigV4) vouches for its own user ids, gets
OpenID tokens for them, looks them up, merges and unlinks them; the app trades the token for
credentials under ``cognito-identity.amazonaws.com``. Also the admin reads and UnlinkIdentity."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.identity.conftest import UserPoolSetup

DEVELOPER = "login.example.app"


def _refused(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as refused:
        call(**kwargs)
    error = refused.value.response["Error"]
    return error["Code"], error["Message"]


def test_developer_identities_round_trip(
    user_pool: UserPoolSetup,
    make_identity_pool: Any,
    cognito_identity: Any,
    identity_public: Any,
    sts_for: Any,
) -> None:
    pool_id = make_identity_pool(user_pool, guests=False, DeveloperProviderName=DEVELOPER)
    alice = cognito_identity.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={DEVELOPER: "alice"}, TokenDuration=60
    )
    again = cognito_identity.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={DEVELOPER: "alice"}
    )
    assert again["IdentityId"] == alice["IdentityId"]

    # The app trades the OpenID token for credentials (enhanced flow).
    logins = {"cognito-identity.amazonaws.com": alice["Token"]}
    issued = identity_public.get_credentials_for_identity(
        IdentityId=alice["IdentityId"], Logins=logins
    )
    assert (
        sts_for(issued["Credentials"])
        .get_caller_identity()["Arn"]
        .endswith(f"/identity-auth/{alice['IdentityId']}")
    )
    bob = cognito_identity.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={DEVELOPER: "bob"}
    )
    assert (
        _refused(
            identity_public.get_credentials_for_identity,
            IdentityId=bob["IdentityId"],
            Logins=logins,
        )[0]
        == "NotAuthorizedException"
    )

    found = cognito_identity.lookup_developer_identity(
        IdentityPoolId=pool_id, DeveloperUserIdentifier="alice", MaxResults=10
    )
    assert (found["IdentityId"], found["DeveloperUserIdentifierList"]) == (
        alice["IdentityId"],
        ["alice"],
    )
    assert (
        _refused(
            cognito_identity.lookup_developer_identity,
            IdentityPoolId=pool_id,
            DeveloperUserIdentifier="nobody",
        )[0]
        == "ResourceNotFoundException"
    )

    # Linking a user-pool login to alice's identity, then merging bob into alice.
    email = user_pool.add_user("alice@example.com")
    user_logins = {user_pool.provider: user_pool.id_token(email)}
    linked = cognito_identity.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id,
        IdentityId=alice["IdentityId"],
        Logins={DEVELOPER: "alice", **user_logins},
    )
    assert linked["IdentityId"] == alice["IdentityId"]
    assert (
        identity_public.get_id(IdentityPoolId=pool_id, Logins=user_logins)["IdentityId"]
        == (alice["IdentityId"])
    )
    assert (
        _refused(
            cognito_identity.get_open_id_token_for_developer_identity,
            IdentityPoolId=pool_id,
            IdentityId=bob["IdentityId"],
            Logins={DEVELOPER: "alice"},
        )[0]
        == "DeveloperUserAlreadyRegisteredException"
    )
    merged = cognito_identity.merge_developer_identities(
        SourceUserIdentifier="bob",
        DestinationUserIdentifier="alice",
        DeveloperProviderName=DEVELOPER,
        IdentityPoolId=pool_id,
    )
    assert merged["IdentityId"] == alice["IdentityId"]
    assert sorted(
        cognito_identity.lookup_developer_identity(
            IdentityPoolId=pool_id, IdentityId=alice["IdentityId"]
        )["DeveloperUserIdentifierList"]
    ) == ["alice", "bob"]

    described = cognito_identity.describe_identity(IdentityId=alice["IdentityId"])
    assert sorted(described["Logins"]) == sorted([DEVELOPER, DEVELOPER, user_pool.provider])
    # bob's former identity stays, disabled by the merge.
    listed = cognito_identity.list_identities(
        IdentityPoolId=pool_id, MaxResults=60, HideDisabled=True
    )
    assert [item["IdentityId"] for item in listed["Identities"]] == [alice["IdentityId"]]

    # UnlinkIdentity: proving the user-pool login removes it; the developer ids stay.
    identity_public.unlink_identity(
        IdentityId=alice["IdentityId"], Logins=user_logins, LoginsToRemove=[user_pool.provider]
    )
    assert (
        user_pool.provider
        not in cognito_identity.describe_identity(IdentityId=alice["IdentityId"])["Logins"]
    )
    cognito_identity.unlink_developer_identity(
        IdentityId=alice["IdentityId"],
        IdentityPoolId=pool_id,
        DeveloperProviderName=DEVELOPER,
        DeveloperUserIdentifier="bob",
    )
    assert cognito_identity.lookup_developer_identity(
        IdentityPoolId=pool_id, IdentityId=alice["IdentityId"]
    )["DeveloperUserIdentifierList"] == ["alice"]
    assert (
        _refused(
            cognito_identity.get_open_id_token_for_developer_identity,
            IdentityPoolId=pool_id,
            Logins={"login.other.app": "alice"},
        )[0]
        == "InvalidParameterException"
    )
