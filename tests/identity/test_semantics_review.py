"""Identity-pool semantics as Cognito Identity has them, found missing in review: disabled
identities (UnlinkIdentity / UnlinkDeveloperIdentity of the last login, the source of a
merge) and ListIdentities' HideDisabled."""

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


def _forbidden(identity_id: str) -> tuple[str, str]:
    return ("NotAuthorizedException", f"Access to Identity '{identity_id}' is forbidden.")


def _listed(cognito_identity: Any, pool_id: str, **extra: Any) -> set[str]:
    page = cognito_identity.list_identities(IdentityPoolId=pool_id, MaxResults=60, **extra)
    return {item["IdentityId"] for item in page["Identities"]}


def test_unlinking_the_last_login_disables_the_identity_instead_of_making_it_a_guest(
    user_pool: UserPoolSetup,
    make_identity_pool: Any,
    identity_public: Any,
    cognito_identity: Any,
) -> None:
    """UnlinkIdentity: "Removing the last linked login will make this identity
    inaccessible" (API reference); an identity never goes back to unauthenticated
    (aws-sdk-unity#114, AWS). Before, it answered guest credentials to anyone holding its
    id, and relinked the login to it."""
    pool_id = make_identity_pool(user_pool, guests=True)
    logins = {user_pool.provider: user_pool.id_token(user_pool.add_user("ada@example.com"))}
    identity_id = identity_public.get_id(IdentityPoolId=pool_id, Logins=logins)["IdentityId"]
    guest = identity_public.get_id(IdentityPoolId=pool_id)["IdentityId"]
    identity_public.unlink_identity(
        IdentityId=identity_id, Logins=logins, LoginsToRemove=[user_pool.provider]
    )

    assert _refused(identity_public.get_credentials_for_identity, IdentityId=identity_id) == (
        _forbidden(identity_id)
    )
    assert _refused(
        identity_public.get_credentials_for_identity, IdentityId=identity_id, Logins=logins
    ) == _forbidden(identity_id)
    assert _refused(identity_public.get_open_id_token, IdentityId=identity_id) == _forbidden(
        identity_id
    )
    # The unlinked login is a new identity the next time it is seen.
    fresh = identity_public.get_id(IdentityPoolId=pool_id, Logins=logins)["IdentityId"]
    assert fresh != identity_id
    assert cognito_identity.describe_identity(IdentityId=identity_id)["Logins"] == []
    assert _listed(cognito_identity, pool_id) == {identity_id, guest, fresh}
    assert _listed(cognito_identity, pool_id, HideDisabled=True) == {guest, fresh}
    assert _listed(cognito_identity, pool_id, HideDisabled=False) == {identity_id, guest, fresh}
    # A guest that never signed in is not disabled: it still gets guest credentials.
    assert identity_public.get_credentials_for_identity(IdentityId=guest)["IdentityId"] == guest


def test_merged_away_identities_are_disabled_and_still_described(
    user_pool: UserPoolSetup,
    make_identity_pool: Any,
    identity_public: Any,
    cognito_identity: Any,
) -> None:
    """The guest merged into the identity its login already has stays, disabled: Cognito
    answers it "Access to Identity ... is forbidden" afterwards (amplify-js#6616) and shows
    it in ListIdentities unless HideDisabled."""
    pool_id = make_identity_pool(user_pool, guests=True)
    logins = {user_pool.provider: user_pool.id_token(user_pool.add_user("bo@example.com"))}
    signed_in = identity_public.get_id(IdentityPoolId=pool_id, Logins=logins)["IdentityId"]
    guest = identity_public.get_id(IdentityPoolId=pool_id)["IdentityId"]
    merged = identity_public.get_credentials_for_identity(IdentityId=guest, Logins=logins)
    assert merged["IdentityId"] == signed_in

    assert _refused(identity_public.get_credentials_for_identity, IdentityId=guest) == (
        _forbidden(guest)
    )
    described = cognito_identity.describe_identity(IdentityId=guest)
    assert (described["IdentityId"], described["Logins"]) == (guest, [])
    assert _listed(cognito_identity, pool_id) == {signed_in, guest}
    assert _listed(cognito_identity, pool_id, HideDisabled=True) == {signed_in}


def test_unlinking_the_last_developer_identifier_disables_the_identity(
    make_identity_pool: Any, cognito_identity: Any, identity_public: Any
) -> None:
    """UnlinkDeveloperIdentity: "If, for a given Cognito identity, you remove all federated
    identities as well as the developer user identifier, the Cognito identity becomes
    inaccessible." The backend's identifier then starts a new identity."""
    pool_id = make_identity_pool(None, guests=True, DeveloperProviderName=DEVELOPER)
    issued = cognito_identity.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={DEVELOPER: "carol"}
    )
    identity_id = issued["IdentityId"]
    cognito_identity.unlink_developer_identity(
        IdentityId=identity_id,
        IdentityPoolId=pool_id,
        DeveloperProviderName=DEVELOPER,
        DeveloperUserIdentifier="carol",
    )
    assert _refused(identity_public.get_credentials_for_identity, IdentityId=identity_id) == (
        _forbidden(identity_id)
    )
    # The OpenID token issued before the unlink no longer opens the identity either.
    assert _refused(
        identity_public.get_credentials_for_identity,
        IdentityId=identity_id,
        Logins={"cognito-identity.amazonaws.com": issued["Token"]},
    ) == _forbidden(identity_id)
    assert _refused(
        cognito_identity.get_open_id_token_for_developer_identity,
        IdentityPoolId=pool_id,
        IdentityId=identity_id,
        Logins={DEVELOPER: "carol"},
    ) == _forbidden(identity_id)
    again = cognito_identity.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={DEVELOPER: "carol"}
    )
    assert again["IdentityId"] != identity_id
    assert _listed(cognito_identity, pool_id, HideDisabled=True) == {again["IdentityId"]}


def test_unlink_identity_needs_a_login_of_that_identity_and_links_nothing(
    user_pool: UserPoolSetup,
    make_identity_pool: Any,
    identity_public: Any,
    cognito_identity: Any,
) -> None:
    """UnlinkIdentity proves the caller holds the identity with one of its logins. Before,
    its Logins went through the linking of GetCredentialsForIdentity: a guest id presented
    with someone else's login was merged into that identity (and so disabled), and a new
    login was linked to the identity, by a call meant to remove logins."""
    pool_id = make_identity_pool(user_pool, guests=True)
    owner_logins = {user_pool.provider: user_pool.id_token(user_pool.add_user("o@example.com"))}
    owner = identity_public.get_id(IdentityPoolId=pool_id, Logins=owner_logins)["IdentityId"]
    guest = identity_public.get_id(IdentityPoolId=pool_id)["IdentityId"]
    dont_match = (
        "NotAuthorizedException",
        "Logins don't match. Please include at least one valid login for this identity or "
        "identity pool.",
    )
    assert (
        _refused(
            identity_public.unlink_identity,
            IdentityId=guest,
            Logins=owner_logins,
            LoginsToRemove=[user_pool.provider],
        )
        == dont_match
    )
    new_logins = {user_pool.provider: user_pool.id_token(user_pool.add_user("n@example.com"))}
    assert (
        _refused(
            identity_public.unlink_identity,
            IdentityId=guest,
            Logins=new_logins,
            LoginsToRemove=["accounts.google.com"],
        )
        == dont_match
    )
    # Nothing was merged or linked: the guest is still a guest, the owner keeps its login.
    assert identity_public.get_credentials_for_identity(IdentityId=guest)["IdentityId"] == guest
    assert cognito_identity.describe_identity(IdentityId=guest)["Logins"] == []
    assert cognito_identity.describe_identity(IdentityId=owner)["Logins"] == [user_pool.provider]
    assert _listed(cognito_identity, pool_id, HideDisabled=True) == {owner, guest}
