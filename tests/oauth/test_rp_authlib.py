"""A real OIDC relying party: authlib's OAuth2Session runs the code flow with PKCE (S256)
through the hosted-UI sign-in form, and the ID token is validated from discovery and
the JWKS it names (signature, iss, aud, exp, nonce, at_hash)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from oauth.models import AppClient
from tests.oauth.browser import CALLBACK, follow
from tests.oauth.conftest import PASSWORD

with warnings.catch_warnings():
    # authlib.jose still holds authlib's OIDC claim validators (CodeIDToken).
    warnings.simplefilter("ignore")
    from authlib.jose import JsonWebKey, jwt
    from authlib.oidc.core import CodeIDToken


def test_authlib_code_flow_with_pkce_and_id_token_validation(
    public_url: str, oauth_client: tuple[AppClient, str], make_user: Callable[..., Any]
) -> None:
    client, secret = oauth_client
    user = make_user("ada@example.com")
    issuer = f"{public_url}/{client.pool_id}"
    discovery = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
    assert discovery["issuer"] == issuer

    rp = OAuth2Session(
        client_id=client.client_id,
        client_secret=secret,
        scope="openid email profile",
        redirect_uri=CALLBACK,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    verifier = generate_token(48)
    nonce = generate_token(20)
    url, state = rp.create_authorization_url(
        discovery["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    callback = follow(requests.Session(), url, credentials=("ada@example.com", PASSWORD))
    token = rp.fetch_token(
        discovery["token_endpoint"],
        authorization_response=callback,
        code_verifier=verifier,
        state=state,
    )
    assert {"access_token", "id_token", "refresh_token"} <= set(token)

    keys = JsonWebKey.import_key_set(requests.get(discovery["jwks_uri"], timeout=10).json())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        claims = jwt.decode(
            token["id_token"],
            keys,
            claims_cls=CodeIDToken,
            claims_options={"iss": {"essential": True, "value": issuer}},
            claims_params={
                "nonce": nonce,
                "client_id": client.client_id,
                "access_token": token["access_token"],
            },
        )
        claims.validate()
    assert claims["sub"] == str(user.sub)
    assert claims["aud"] == client.client_id
    assert claims["email"] == "ada@example.com"

    userinfo = rp.get(discovery["userinfo_endpoint"]).json()
    assert userinfo["sub"] == claims["sub"]
    refreshed = rp.refresh_token(discovery["token_endpoint"], refresh_token=token["refresh_token"])
    assert refreshed["access_token"] != token["access_token"]
    rp.revoke_token(discovery["revocation_endpoint"], token=token["refresh_token"])
    assert rp.get(discovery["userinfo_endpoint"]).status_code == 401
