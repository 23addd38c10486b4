"""Which logins an identity pool accepts: user-pool ID tokens checked for signature, issuer,
audience, expiry and (with ServerSideTokenCheck) the user's standing; guests; and how logins
map to identities."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from oauth.services import keys
from tests.identity.conftest import UserPoolSetup


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def _refused(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as refused:
        call(**kwargs)
    error = refused.value.response["Error"]
    return error["Code"], error["Message"]


def test_bad_id_tokens_are_refused_with_cognito_messages(
    user_pool: UserPoolSetup,
    make_user_pool: Any,
    make_identity_pool: Any,
    identity_public: Any,
) -> None:
    pool_id = make_identity_pool(user_pool)
    email = user_pool.add_user("ada@example.com")
    signed_in = user_pool.sign_in(email)
    id_token = signed_in["IdToken"]

    def get_id(token: str, key: str | None = None) -> tuple[str, str]:
        return _refused(
            identity_public.get_id,
            IdentityPoolId=pool_id,
            Logins={key or user_pool.provider: token},
        )

    header, _, signature = id_token.split(".")
    forged_claims = {**_claims(id_token), "sub": "00000000-0000-0000-0000-000000000000"}
    forged_payload = base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).rstrip(b"=")
    forged = f"{header}.{forged_payload.decode()}.{signature}"
    assert get_id(forged) == (
        "NotAuthorizedException",
        "Invalid login token. Couldn't verify signed token.",
    )

    expired = keys.sign(
        user_pool.pool_id,
        keys.Purpose.ID,
        {**_claims(id_token), "exp": int(time.time()) - 1},
    )
    assert get_id(expired) == ("NotAuthorizedException", "Invalid login token. Token is expired.")

    other_client = user_pool.add_client()
    wrong_audience = user_pool.id_token(email, client_id=other_client)
    assert get_id(wrong_audience) == (
        "NotAuthorizedException",
        "Token is not from a supported provider of this identity pool.",
    )

    other_pool = make_user_pool()
    other_pool.add_user("ada@example.com")
    other_pool_token = other_pool.id_token("ada@example.com")
    assert get_id(other_pool_token) == (
        "NotAuthorizedException",
        "Invalid login token. Issuer doesn't match providerName",
    )
    # Under its own key the other pool is simply not a provider of this identity pool.
    assert get_id(other_pool_token, other_pool.provider) == (
        "NotAuthorizedException",
        "Token is not from a supported provider of this identity pool.",
    )

    assert get_id(signed_in["AccessToken"]) == (
        "NotAuthorizedException",
        "Invalid login token. Missing a required claim: aud",
    )
    assert get_id(id_token, "accounts.google.com") == (
        "NotAuthorizedException",
        "Token is not from a supported provider of this identity pool.",
    )
    assert _refused(
        identity_public.get_id,
        IdentityPoolId="us-east-1:00000000-0000-0000-0000-000000000000",
        Logins={user_pool.provider: id_token},
    ) == (
        "ResourceNotFoundException",
        "IdentityPool 'us-east-1:00000000-0000-0000-0000-000000000000' not found.",
    )
    # The genuine token still works after all that.
    assert identity_public.get_id(IdentityPoolId=pool_id, Logins={user_pool.provider: id_token})


def test_server_side_token_check_refuses_signed_out_disabled_and_deleted_users(
    user_pool: UserPoolSetup, make_identity_pool: Any, identity_public: Any
) -> None:
    checked = make_identity_pool(user_pool, server_side_token_check=True)
    unchecked = make_identity_pool(user_pool, server_side_token_check=False)
    idp = user_pool.idp
    for email in ("out@example.com", "off@example.com", "gone@example.com"):
        user_pool.add_user(email)
    tokens = {
        email: user_pool.id_token(email)
        for email in ("out@example.com", "off@example.com", "gone@example.com")
    }
    for token in tokens.values():
        identity_public.get_id(IdentityPoolId=checked, Logins={user_pool.provider: token})

    idp.admin_user_global_sign_out(UserPoolId=user_pool.pool_id, Username="out@example.com")
    idp.admin_disable_user(UserPoolId=user_pool.pool_id, Username="off@example.com")
    idp.admin_delete_user(UserPoolId=user_pool.pool_id, Username="gone@example.com")

    expected = {
        "out@example.com": "Invalid login token. Token has been revoked.",
        "off@example.com": "Invalid login token. User is disabled.",
        "gone@example.com": "Invalid login token. User does not exist.",
    }
    for email, message in expected.items():
        logins = {user_pool.provider: tokens[email]}
        assert _refused(identity_public.get_id, IdentityPoolId=checked, Logins=logins) == (
            "NotAuthorizedException",
            message,
        )
        # Without the server-side check the token is judged on its own, as Cognito does.
        assert identity_public.get_id(IdentityPoolId=unchecked, Logins=logins)["IdentityId"]

    # Signing in again after a global sign-out works again.
    fresh = user_pool.id_token("out@example.com")
    assert identity_public.get_id(IdentityPoolId=checked, Logins={user_pool.provider: fresh})


def test_guests_and_logins_map_to_identities(
    user_pool: UserPoolSetup,
    make_identity_pool: Any,
    identity_public: Any,
    cognito_identity: Any,
    public_url: str,
) -> None:
    closed = make_identity_pool(user_pool, guests=False)
    assert _refused(identity_public.get_id, IdentityPoolId=closed) == (
        "NotAuthorizedException",
        "Unauthenticated access is not supported for this identity pool.",
    )

    pool_id = make_identity_pool(user_pool)
    email = user_pool.add_user("grace@example.com")
    token = user_pool.id_token(email)
    first = identity_public.get_id(IdentityPoolId=pool_id, Logins={user_pool.provider: token})
    # This server's issuer (without scheme) names the same user pool, so the same identity.
    own_key = f"{public_url.split('://', 1)[1]}/{user_pool.pool_id}"
    second = identity_public.get_id(IdentityPoolId=pool_id, Logins={own_key: token})
    assert first["IdentityId"] == second["IdentityId"]

    # A guest can get (guest) credentials, but a signed-in identity needs its login.
    guest = identity_public.get_id(IdentityPoolId=pool_id)["IdentityId"]
    assert identity_public.get_credentials_for_identity(IdentityId=guest)["IdentityId"] == guest
    assert _refused(
        identity_public.get_credentials_for_identity, IdentityId=first["IdentityId"]
    ) == ("NotAuthorizedException", f"Access to Identity '{first['IdentityId']}' is forbidden.")
    other = user_pool.add_user("other@example.com")
    assert _refused(
        identity_public.get_credentials_for_identity,
        IdentityId=first["IdentityId"],
        Logins={user_pool.provider: user_pool.id_token(other)},
    ) == (
        "NotAuthorizedException",
        "Logins don't match. Please include at least one valid login for this identity or "
        "identity pool.",
    )

    # Classic merge: a guest logging in with a login that already has an identity is merged
    # into it; a guest logging in with a new login becomes that login's identity.
    merged = identity_public.get_credentials_for_identity(
        IdentityId=guest, Logins={user_pool.provider: token}
    )
    assert merged["IdentityId"] == first["IdentityId"]
    # The merged-away guest stays, disabled (tests/identity/test_semantics_review.py).
    assert cognito_identity.describe_identity(IdentityId=guest)["Logins"] == []
    upgraded_guest = identity_public.get_id(IdentityPoolId=pool_id)["IdentityId"]
    upgraded = identity_public.get_credentials_for_identity(
        IdentityId=upgraded_guest, Logins={user_pool.provider: user_pool.id_token(other)}
    )
    assert upgraded["IdentityId"] == upgraded_guest
    described = cognito_identity.describe_identity(IdentityId=upgraded_guest)
    assert described["Logins"] == [user_pool.provider]

    assert _refused(
        identity_public.get_credentials_for_identity,
        IdentityId="us-east-1:00000000-0000-0000-0000-000000000000",
    ) == (
        "ResourceNotFoundException",
        "Identity 'us-east-1:00000000-0000-0000-0000-000000000000' not found.",
    )


def test_garbage_logins_get_not_authorized_never_a_server_error(
    user_pool: UserPoolSetup, make_identity_pool: Any, identity_public: Any
) -> None:
    pool_id = make_identity_pool(user_pool)
    for token in ("x", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "..", "é.é.é"):
        code, _ = _refused(
            identity_public.get_id, IdentityPoolId=pool_id, Logins={user_pool.provider: token}
        )
        assert code == "NotAuthorizedException"
        code, _ = _refused(
            identity_public.get_id,
            IdentityPoolId=pool_id,
            Logins={"cognito-identity.amazonaws.com": token},
        )
        assert code == "NotAuthorizedException"


def test_a_login_linked_by_a_concurrent_first_request_maps_to_that_identity(
    user_pool: UserPoolSetup, make_identity_pool: Any, identity_public: Any
) -> None:
    """Two first GetId calls for one login race; the loser's insert hits the unique
    (pool, provider, subject) constraint, and it must answer with the winner's identity
    instead of failing."""
    from unittest import mock

    from django.db import IntegrityError

    from identity.services import identities

    pool_id = make_identity_pool(user_pool)
    id_token = user_pool.sign_in(user_pool.add_user("race@example.com"))["IdToken"]
    logins = {user_pool.provider: id_token}
    winner = identity_public.get_id(IdentityPoolId=pool_id, Logins=logins)["IdentityId"]
    real_link = identities._link_logins
    attempts: list[str] = []

    def lose_the_race_once(*args: Any) -> Any:
        attempts.append("try")
        if len(attempts) == 1:
            raise IntegrityError("duplicate key value violates identitylogin_one_identity")
        return real_link(*args)

    with mock.patch.object(identities, "_link_logins", side_effect=lose_the_race_once):
        answer = identity_public.get_id(IdentityPoolId=pool_id, Logins=logins)
    assert attempts == ["try", "try"]
    assert answer["IdentityId"] == winner
