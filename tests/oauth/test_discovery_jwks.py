"""Per-pool discovery and JWKS over HTTP, verified the way clients verify: the seed's
python-jose call and PyJWT's PyJWKClient; key rotation keeps old tokens verifiable."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any

import jwt as pyjwt
import pytest
import requests
from django.core.management import CommandError, call_command
from django.utils import timezone
from jose import jwt as jose_jwt

from accounts.models import PoolUser
from oauth.models import AppClient, SigningKey
from oauth.services import keys, tokens

KID = re.compile(r"[A-Za-z0-9+/]{43}=")


def _jwks(public_url: str, pool_id: str) -> dict[str, Any]:
    response = requests.get(f"{public_url}/{pool_id}/.well-known/jwks.json", timeout=10)
    assert response.status_code == 200
    return dict(response.json())


def test_seed_jose_decode_and_pyjwkclient_verify_the_id_token(
    public_url: str, app_client: AppClient, make_user: Callable[..., PoolUser]
) -> None:
    pool_id, client_id = app_client.pool_id, app_client.client_id
    issued = tokens.issue_token_set(client=app_client, user=make_user())
    jwks = _jwks(public_url, pool_id)

    # The seed's verification, verbatim except the issuer's origin.
    claims = jose_jwt.decode(
        issued.id_token,
        jwks,
        algorithms=["RS256"],
        audience=client_id,
        issuer=f"{public_url}/{pool_id}",
    )
    assert claims["email"] == "ada@example.com"
    assert claims["token_use"] == "id"

    jwk_client = pyjwt.PyJWKClient(f"{public_url}/{pool_id}/.well-known/jwks.json")
    for token, audience in ((issued.id_token, client_id), (issued.access_token, None)):
        verified = pyjwt.decode(
            token,
            jwk_client.get_signing_key_from_jwt(token).key,
            algorithms=["RS256"],
            audience=audience,
            issuer=f"{public_url}/{pool_id}",
            options={"verify_aud": audience is not None},
        )
        assert verified["sub"] == claims["sub"]


def test_jwks_publishes_two_stable_rs256_keys_with_cors_and_caching(
    public_url: str, app_client: AppClient
) -> None:
    url = f"{public_url}/{app_client.pool_id}/.well-known/jwks.json"
    response = requests.get(url, headers={"Origin": "https://app.example.com"}, timeout=10)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "max-age" in response.headers["Cache-Control"]
    published = response.json()["keys"]
    assert len(published) == 2
    for jwk in published:
        assert set(jwk) == {"alg", "e", "kid", "kty", "n", "use"}
        assert (jwk["alg"], jwk["kty"], jwk["use"], jwk["e"]) == ("RS256", "RSA", "sig", "AQAB")
        assert KID.fullmatch(jwk["kid"])
        assert "d" not in jwk
    assert requests.get(url, timeout=10).json()["keys"] == published
    # Private keys are encrypted at rest.
    for row in SigningKey.objects.filter(pool_id=app_client.pool_id):
        assert "PRIVATE KEY" not in row.private_key_encrypted

    preflight = requests.options(url, headers={"Origin": "https://app.example.com"}, timeout=10)
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert requests.post(url, timeout=10).status_code == 405


def test_discovery_document_names_the_issuer_and_cognitos_endpoints(
    public_url: str, pool: dict[str, Any]
) -> None:
    pool_id = pool["Id"]
    response = requests.get(f"{public_url}/{pool_id}/.well-known/openid-configuration", timeout=10)

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "max-age" in response.headers["Cache-Control"]
    document = response.json()
    issuer = f"{public_url}/{pool_id}"
    assert document["issuer"] == issuer
    assert document["jwks_uri"] == f"{issuer}/.well-known/jwks.json"
    assert document["authorization_endpoint"] == f"{public_url}/oauth2/authorize"
    assert document["token_endpoint"] == f"{public_url}/oauth2/token"
    assert document["userinfo_endpoint"] == f"{public_url}/oauth2/userInfo"
    assert document["revocation_endpoint"] == f"{public_url}/oauth2/revoke"
    assert document["end_session_endpoint"] == f"{issuer}/logout"
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    assert document["subject_types_supported"] == ["public"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert set(document["response_types_supported"]) == {"code", "token"}
    assert {"openid", "email", "phone", "profile"} <= set(document["scopes_supported"])
    assert set(document["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
    }

    for path in ("openid-configuration", "jwks.json"):
        missing = requests.get(f"{public_url}/us-east-1_NoSuchPl/.well-known/{path}", timeout=10)
        assert missing.status_code == 404
        assert missing.json() == {"message": "User pool us-east-1_NoSuchPl does not exist."}


def test_rotation_keeps_old_tokens_verifiable_until_they_expire(
    public_url: str, app_client: AppClient, make_user: Callable[..., PoolUser]
) -> None:
    pool_id = app_client.pool_id
    user = make_user()
    before = tokens.issue_token_set(client=app_client, user=user)
    old_kids = {jwk["kid"] for jwk in _jwks(public_url, pool_id)["keys"]}

    out = io.StringIO()
    call_command("rotate_signing_keys", "--pool", pool_id, stdout=out)

    after = tokens.issue_token_set(client=app_client, user=user)
    published = [jwk["kid"] for jwk in _jwks(public_url, pool_id)["keys"]]
    new_kids = set(published) - old_kids
    assert len(published) == 4
    assert len(new_kids) == 2
    assert set(published[:2]) == new_kids  # active keys first
    assert jose_jwt.get_unverified_header(after.id_token)["kid"] in new_kids
    assert jose_jwt.get_unverified_header(after.access_token)["kid"] in new_kids
    assert "active" in out.getvalue()
    assert "retired" in out.getvalue()
    jwk_client = pyjwt.PyJWKClient(f"{public_url}/{pool_id}/.well-known/jwks.json")
    for token in (before.id_token, after.id_token):
        assert pyjwt.decode(
            token,
            jwk_client.get_signing_key_from_jwt(token).key,
            algorithms=["RS256"],
            audience=app_client.client_id,
        )
    assert tokens.authenticate_access_token(before.access_token).user == user

    # A day later every token of the old keys has expired: the next rotation drops them.
    SigningKey.objects.filter(kid__in=old_kids).update(
        retired=timezone.now() - keys.MAX_TOKEN_LIFETIME - dt.timedelta(minutes=1)
    )
    assert {jwk["kid"] for jwk in _jwks(public_url, pool_id)["keys"]} == new_kids
    call_command("rotate_signing_keys", "--pool", pool_id, stdout=io.StringIO())
    remaining = {jwk["kid"] for jwk in _jwks(public_url, pool_id)["keys"]}
    assert len(remaining) == 4
    assert new_kids <= remaining
    assert not old_kids & remaining
    assert not SigningKey.objects.filter(kid__in=old_kids).exists()

    with pytest.raises(CommandError):
        call_command("rotate_signing_keys", "--pool", "us-east-1_NoSuchPl", stdout=io.StringIO())
