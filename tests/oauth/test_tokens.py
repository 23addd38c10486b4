"""The token service: Cognito's claims and lifetimes, refresh families, rotation, revocation,
and the rejection of forged, expired, revoked and other-pool access tokens (reference §3)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import jwt as pyjwt
import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils import timezone
from jose import jwt as jose_jwt

from accounts.models import AuditEvent, PoolUser
from core.errors import NotAuthorizedException
from oauth.models import AccessToken, AppClient, RefreshToken
from oauth.services import keys, tokens

ADMIN_ROLE = "arn:aws:iam::123456789012:role/Admins"


def _claims(token: str) -> dict[str, Any]:
    return dict(jose_jwt.get_unverified_claims(token))


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _rejection(access_token: str) -> str:
    with pytest.raises(NotAuthorizedException) as exc:
        tokens.authenticate_access_token(access_token)
    return exc.value.message


def test_tokens_carry_cognitos_claims_with_cognitos_types(
    public_url: str, app_client: AppClient, make_user: Callable[..., PoolUser]
) -> None:
    user = make_user(
        attributes={
            "name": "Ada Lovelace",
            "phone_number": "+15555550100",
            "phone_number_verified": "false",
            "custom:tier": "3",
            "updated_at": "1700000000",
        },
        groups=[("readers", 5, ""), ("zeta", None, ""), ("admins", 1, ADMIN_ROLE)],
    )
    signed_in = timezone.now() - dt.timedelta(minutes=3)

    issued = tokens.issue_token_set(client=app_client, user=user, auth_time=signed_in)

    assert issued.token_type == "Bearer"
    assert issued.expires_in == 3600
    assert issued.refresh_token
    assert "." not in issued.refresh_token
    assert len(issued.refresh_token) >= 43  # ≥ 256 bits, URL-safe base64
    id_header = jose_jwt.get_unverified_header(issued.id_token)
    access_header = jose_jwt.get_unverified_header(issued.access_token)
    assert set(id_header) == {"kid", "alg"}
    assert id_header["alg"] == "RS256"
    assert len(id_header["kid"]) == 44
    assert id_header["kid"] != access_header["kid"]

    id_claims = _claims(issued.id_token)
    issuer = f"{public_url}/{app_client.pool_id}"
    assert id_claims["sub"] == str(user.sub)
    assert id_claims["aud"] == app_client.client_id
    assert id_claims["iss"] == issuer
    assert id_claims["token_use"] == "id"
    assert id_claims["cognito:username"] == user.username
    assert id_claims["auth_time"] == int(signed_in.timestamp())
    assert id_claims["exp"] - id_claims["iat"] == 3600
    assert id_claims["email"] == "ada@example.com"
    assert id_claims["email_verified"] is True
    assert id_claims["phone_number_verified"] is False
    assert id_claims["custom:tier"] == "3"
    assert id_claims["updated_at"] == 1700000000
    assert id_claims["name"] == "Ada Lovelace"
    assert id_claims["cognito:groups"] == ["admins", "readers", "zeta"]
    assert id_claims["cognito:roles"] == [ADMIN_ROLE]
    assert id_claims["cognito:preferred_role"] == ADMIN_ROLE
    assert "client_id" not in id_claims
    assert "scope" not in id_claims

    access_claims = _claims(issued.access_token)
    assert access_claims["client_id"] == app_client.client_id
    assert "aud" not in access_claims
    assert access_claims["token_use"] == "access"
    assert access_claims["scope"] == "aws.cognito.signin.user.admin"
    assert access_claims["username"] == user.username
    assert access_claims["sub"] == str(user.sub)
    assert access_claims["iss"] == issuer
    assert access_claims["cognito:groups"] == ["admins", "readers", "zeta"]
    assert "email" not in access_claims
    assert "cognito:roles" not in access_claims
    assert access_claims["origin_jti"] == id_claims["origin_jti"]
    assert access_claims["jti"] != id_claims["jti"]
    for claims in (id_claims, access_claims):
        assert all(isinstance(claims[name], int) for name in ("auth_time", "iat", "exp"))
        assert all(isinstance(claims[name], str) for name in ("jti", "origin_jti", "event_id"))

    # Only checksums are stored, never the tokens themselves (RFC 9700 §4.14).
    refresh_row = RefreshToken.objects.get(user=user)
    access_row = AccessToken.objects.get(user=user)
    assert refresh_row.token == ""
    assert access_row.token == ""
    assert str(refresh_row.token_family) == access_claims["origin_jti"]
    assert str(access_row.jti) == access_claims["jti"]


def test_read_attributes_filter_the_id_token(
    public_url: str, make_client: Callable[..., AppClient], make_user: Callable[..., PoolUser]
) -> None:
    client = make_client(ReadAttributes=["email", "name"])
    user = make_user(attributes={"name": "Ada", "family_name": "Lovelace", "custom:tier": "3"})

    id_claims = _claims(tokens.issue_token_set(client=client, user=user).id_token)

    assert id_claims["email"] == "ada@example.com"
    assert id_claims["name"] == "Ada"
    for hidden in ("email_verified", "family_name", "custom:tier"):
        assert hidden not in id_claims
    assert id_claims["sub"] == str(user.sub)


def test_lifetimes_follow_the_clients_validities_and_units(
    public_url: str, make_client: Callable[..., AppClient], make_user: Callable[..., PoolUser]
) -> None:
    client = make_client(
        AccessTokenValidity=5,
        IdTokenValidity=2,
        RefreshTokenValidity=180,
        TokenValidityUnits={
            "AccessToken": "minutes",
            "IdToken": "hours",
            "RefreshToken": "minutes",
        },
    )
    user = make_user()

    issued = tokens.issue_token_set(client=client, user=user)

    access_claims, id_claims = _claims(issued.access_token), _claims(issued.id_token)
    assert issued.expires_in == 300
    assert access_claims["exp"] - access_claims["iat"] == 300
    assert id_claims["exp"] - id_claims["iat"] == 7200
    row = RefreshToken.objects.get(user=user)
    assert row.expires is not None
    assert abs((row.expires - row.created).total_seconds() - 10800) < 5


def test_refresh_over_the_wire_keeps_the_family_and_the_sign_in_time(
    public_url: str,
    idp_public: Any,
    app_client: AppClient,
    make_user: Callable[..., PoolUser],
) -> None:
    user = make_user()
    signed_in = timezone.now() - dt.timedelta(minutes=10)
    first = tokens.issue_token_set(client=app_client, user=user, auth_time=signed_in)

    result = idp_public.get_tokens_from_refresh_token(
        ClientId=app_client.client_id, RefreshToken=first.refresh_token
    )["AuthenticationResult"]

    assert "RefreshToken" not in result  # no rotation on this client
    assert result["TokenType"] == "Bearer"
    assert result["ExpiresIn"] == 3600
    before, after = _claims(first.access_token), _claims(result["AccessToken"])
    assert after["origin_jti"] == before["origin_jti"]
    assert after["jti"] != before["jti"]
    assert after["auth_time"] == before["auth_time"] == int(signed_in.timestamp())
    assert _claims(result["IdToken"])["origin_jti"] == before["origin_jti"]
    assert _claims(result["IdToken"])["aud"] == app_client.client_id
    assert tokens.authenticate_access_token(result["AccessToken"]).user == user
    # Both access tokens of the family stay valid, each with its own row.
    assert tokens.authenticate_access_token(first.access_token).client == app_client


def test_refresh_refuses_unknown_foreign_expired_and_disabled(
    public_url: str,
    idp_public: Any,
    make_client: Callable[..., AppClient],
    make_user: Callable[..., PoolUser],
) -> None:
    client, other_client = make_client(), make_client(ClientName="other")
    user = make_user()
    refresh_token = tokens.issue_token_set(client=client, user=user).refresh_token
    assert refresh_token is not None

    def refresh(client_id: str, token: str) -> tuple[str, str]:
        with pytest.raises(ClientError) as exc:
            idp_public.get_tokens_from_refresh_token(ClientId=client_id, RefreshToken=token)
        return _error(exc)

    assert refresh(client.client_id, "not-a-refresh-token") == (
        "NotAuthorizedException",
        "Invalid Refresh Token",
    )
    assert refresh(other_client.client_id, refresh_token) == (
        "NotAuthorizedException",
        "Refresh Token has different Client",
    )
    PoolUser.objects.filter(pk=user.pk).update(enabled=False)
    assert refresh(client.client_id, refresh_token) == (
        "NotAuthorizedException",
        "User is disabled.",
    )
    PoolUser.objects.filter(pk=user.pk).update(enabled=True)
    RefreshToken.objects.filter(user=user).update(expires=timezone.now() - dt.timedelta(seconds=1))
    assert refresh(client.client_id, refresh_token) == (
        "NotAuthorizedException",
        "Refresh Token has expired",
    )
    no_refresh_flow = make_client(
        ClientName="password-only", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )
    assert refresh(no_refresh_flow.client_id, refresh_token)[0] == "InvalidParameterException"


def test_a_client_with_a_secret_must_send_it(
    public_url: str,
    idp: Any,
    idp_public: Any,
    pool: dict[str, Any],
    make_user: Callable[..., PoolUser],
) -> None:
    created = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="confidential", GenerateSecret=True
    )["UserPoolClient"]
    client = AppClient.objects.get(client_id=created["ClientId"])
    refresh_token = tokens.issue_token_set(client=client, user=make_user()).refresh_token
    base = {"ClientId": client.client_id, "RefreshToken": refresh_token}

    for secret in (None, "x" * 40):
        with pytest.raises(ClientError) as exc:
            idp_public.get_tokens_from_refresh_token(
                **base, **({"ClientSecret": secret} if secret else {})
            )
        assert _error(exc)[0] == "NotAuthorizedException"
    result = idp_public.get_tokens_from_refresh_token(**base, ClientSecret=created["ClientSecret"])
    assert _claims(result["AuthenticationResult"]["AccessToken"])["client_id"] == client.client_id

    with pytest.raises(ClientError) as exc:
        idp_public.revoke_token(Token=refresh_token, ClientId=client.client_id)
    assert _error(exc)[0] == "UnauthorizedException"
    idp_public.revoke_token(
        Token=refresh_token, ClientId=client.client_id, ClientSecret=created["ClientSecret"]
    )
    assert RefreshToken.objects.get(user__pool_id=pool["Id"]).revoked is not None


def test_rotation_returns_a_new_refresh_token_and_retires_the_old_one(
    public_url: str,
    idp_public: Any,
    make_client: Callable[..., AppClient],
    make_user: Callable[..., PoolUser],
) -> None:
    strict = make_client(RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 0})
    user = make_user()
    first = tokens.issue_token_set(client=strict, user=user)

    rotated = idp_public.get_tokens_from_refresh_token(
        ClientId=strict.client_id, RefreshToken=first.refresh_token
    )["AuthenticationResult"]

    assert rotated["RefreshToken"]
    assert rotated["RefreshToken"] != first.refresh_token
    assert (
        _claims(rotated["AccessToken"])["origin_jti"] == _claims(first.access_token)["origin_jti"]
    )
    with pytest.raises(ClientError) as exc:
        idp_public.get_tokens_from_refresh_token(
            ClientId=strict.client_id, RefreshToken=first.refresh_token
        )
    assert _error(exc)[0] == "RefreshTokenReuseException"
    again = idp_public.get_tokens_from_refresh_token(
        ClientId=strict.client_id, RefreshToken=rotated["RefreshToken"]
    )["AuthenticationResult"]
    assert again["RefreshToken"] not in (first.refresh_token, rotated["RefreshToken"])
    # Rotation does not extend the session: every token of the family expires together.
    assert len(set(RefreshToken.objects.filter(user=user).values_list("expires", flat=True))) == 1

    lenient = make_client(
        ClientName="lenient",
        RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 60},
    )
    original = tokens.issue_token_set(client=lenient, user=user).refresh_token
    assert original is not None
    retried = [tokens.refresh_tokens(client=lenient, refresh_token=original) for _ in range(2)]
    assert all(token_set.refresh_token for token_set in retried)


def test_revoke_token_ends_the_whole_sign_in_and_nothing_else(
    public_url: str,
    idp_public: Any,
    make_client: Callable[..., AppClient],
    make_user: Callable[..., PoolUser],
) -> None:
    client = make_client()
    user = make_user()
    session = tokens.issue_token_set(client=client, user=user)
    assert session.refresh_token is not None
    refreshed = tokens.refresh_tokens(client=client, refresh_token=session.refresh_token)
    other_session = tokens.issue_token_set(client=client, user=user)

    idp_public.revoke_token(Token=session.refresh_token, ClientId=client.client_id)

    with pytest.raises(ClientError) as exc:
        idp_public.get_tokens_from_refresh_token(
            ClientId=client.client_id, RefreshToken=session.refresh_token
        )
    assert _error(exc) == ("NotAuthorizedException", "Refresh Token has been revoked")
    for revoked in (session.access_token, refreshed.access_token):
        with pytest.raises(ClientError) as exc:
            idp_public.global_sign_out(AccessToken=revoked)
        assert _error(exc) == ("NotAuthorizedException", "Access Token has been revoked")
    assert tokens.authenticate_access_token(other_session.access_token).user == user
    assert AuditEvent.objects.filter(user=user, event="revoke_token").exists()

    # RFC 7009 §2.2: an already revoked or unknown token is not an error.
    idp_public.revoke_token(Token=session.refresh_token, ClientId=client.client_id)
    idp_public.revoke_token(Token="not-a-refresh-token", ClientId=client.client_id)

    def revoke_error(token: str, client_id: str) -> str:
        with pytest.raises(ClientError) as exc:
            idp_public.revoke_token(Token=token, ClientId=client_id)
        return _error(exc)[0]

    assert revoke_error(other_session.access_token, client.client_id) == (
        "UnsupportedTokenTypeException"
    )
    other_client = make_client(ClientName="other")
    assert revoke_error(other_session.refresh_token or "", other_client.client_id) == (
        "UnauthorizedException"
    )
    assert (
        revoke_error(other_session.refresh_token or "", "nosuchclient") == "UnauthorizedException"
    )
    no_revocation = make_client(ClientName="no-revocation", EnableTokenRevocation=False)
    assert revoke_error("any-token", no_revocation.client_id) == "UnsupportedOperationException"
    assert tokens.refresh_tokens(client=client, refresh_token=other_session.refresh_token or "")


def test_global_sign_out_revokes_every_session_of_the_user(
    public_url: str,
    idp: Any,
    idp_public: Any,
    pool: dict[str, Any],
    app_client: AppClient,
    make_user: Callable[..., PoolUser],
) -> None:
    user = make_user()
    bystander = make_user(email="grace@example.com")
    sessions = [tokens.issue_token_set(client=app_client, user=user) for _ in range(2)]
    bystander_session = tokens.issue_token_set(client=app_client, user=bystander)

    idp_public.global_sign_out(AccessToken=sessions[0].access_token)

    for session in sessions:
        assert _rejection(session.access_token) == "Access Token has been revoked"
        with pytest.raises(NotAuthorizedException) as exc:
            tokens.refresh_tokens(client=app_client, refresh_token=session.refresh_token or "")
        assert exc.value.message == "Refresh Token has been revoked"
    assert tokens.authenticate_access_token(bystander_session.access_token).user == bystander
    # Signing in again after signing out works.
    fresh = tokens.issue_token_set(client=app_client, user=user)
    assert tokens.authenticate_access_token(fresh.access_token).user == user

    idp.admin_user_global_sign_out(UserPoolId=pool["Id"], Username="grace@example.com")
    assert _rejection(bystander_session.access_token) == "Access Token has been revoked"
    assert AuditEvent.objects.filter(event="global_sign_out").count() == 2
    with pytest.raises(ClientError) as exc:
        idp.admin_user_global_sign_out(UserPoolId=pool["Id"], Username="nobody@example.com")
    assert _error(exc)[0] == "UserNotFoundException"


def test_disabling_or_deleting_the_user_revokes_the_access_token(
    public_url: str, app_client: AppClient, make_user: Callable[..., PoolUser]
) -> None:
    user = make_user()
    issued = tokens.issue_token_set(client=app_client, user=user)

    PoolUser.objects.filter(pk=user.pk).update(enabled=False)
    assert _rejection(issued.access_token) == "Access Token has been revoked"
    PoolUser.objects.filter(pk=user.pk).update(enabled=True)
    assert tokens.authenticate_access_token(issued.access_token).user == user
    user.delete()
    assert _rejection(issued.access_token) == "Access Token has been revoked"
    with pytest.raises(NotAuthorizedException) as exc:
        tokens.refresh_tokens(client=app_client, refresh_token=issued.refresh_token or "")
    assert exc.value.message == "Invalid Refresh Token"


def test_forged_expired_and_other_pool_access_tokens_are_refused(
    public_url: str,
    idp: Any,
    idp_public: Any,
    app_client: AppClient,
    make_user: Callable[..., PoolUser],
) -> None:
    issued = tokens.issue_token_set(client=app_client, user=make_user())
    header = jose_jwt.get_unverified_header(issued.access_token)
    claims = _claims(issued.access_token)
    head, payload, signature = issued.access_token.split(".")

    impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    impostor_pem = impostor.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    other_key_same_kid = pyjwt.encode(claims, impostor_pem, algorithm="RS256", headers=header)
    alg_none = f"{_b64({'kid': header['kid'], 'alg': 'none'})}.{payload}."
    tampered = f"{head}.{_b64({**claims, 'sub': 'someone-else'})}.{signature}"
    hs256 = pyjwt.encode(
        claims,
        "a-shared-secret-of-at-least-32-bytes",
        algorithm="HS256",
        headers={"kid": header["kid"]},
    )

    for forged in (
        other_key_same_kid,
        alg_none,
        tampered,
        hs256,
        issued.id_token,  # an ID token is not an access token
        "garbage",
        "a.b.c",
    ):
        assert _rejection(forged) == "Invalid Access Token"
    with pytest.raises(ClientError) as exc:
        idp_public.global_sign_out(AccessToken=tampered)
    assert _error(exc) == ("NotAuthorizedException", "Invalid Access Token")

    expired = keys.sign(
        app_client.pool_id, keys.Purpose.ACCESS, {**claims, "exp": claims["iat"] - 1}
    )
    assert _rejection(expired) == "Access Token has expired"
    with pytest.raises(ClientError) as exc:
        idp_public.global_sign_out(AccessToken=expired)
    assert _error(exc) == ("NotAuthorizedException", "Access Token has expired")

    # Signed by another pool's key: a valid signature, but not this issuer's token.
    other_pool = idp.create_user_pool(PoolName="other-pool")["UserPool"]["Id"]
    cross_pool = keys.sign(other_pool, keys.Purpose.ACCESS, claims)
    assert _rejection(cross_pool) == "Invalid Access Token"

    # Tokens without the API scope cannot call the user-pool API.
    openid_only = tokens.issue_token_set(
        client=app_client, user=make_user(email="scoped@example.com"), scopes=["openid"]
    )
    assert _rejection(openid_only.access_token) == "Access Token does not have required scopes"
    assert tokens.authenticate_access_token(openid_only.access_token, required_scope="openid")
