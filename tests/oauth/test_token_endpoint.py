"""/oauth2/token: the code grant's single use and PKCE, client authentication, refresh
with rotation, client_credentials with resource-server scopes, and the claims guard."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import requests

from oauth.models import AppClient
from tests.oauth.browser import CALLBACK, authorize_url, follow, pkce_pair, query_of, redeem
from tests.oauth.conftest import PASSWORD


def _claims(jwt: str) -> dict[str, Any]:
    payload = jwt.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def _code(
    base: str, client: AppClient, browser: requests.Session, challenge: str | None = None
) -> str:
    params = {
        "client_id": client.client_id,
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "openid email profile",
        "nonce": "nonce-1",
    }
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    callback = follow(
        browser, authorize_url(base, **params), credentials=("ada@example.com", PASSWORD)
    )
    return query_of(callback)["code"]


def test_code_is_single_use_and_a_replay_revokes_its_tokens(
    public_url: str, oauth_client: tuple[AppClient, str], make_user: Callable[..., Any]
) -> None:
    client, secret = oauth_client
    make_user("ada@example.com")
    code = _code(public_url, client, requests.Session())
    first = redeem(public_url, client, secret, code)
    assert first.status_code == 200, first.text
    tokens = first.json()
    userinfo = f"{public_url}/oauth2/userInfo"
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert requests.get(userinfo, headers=bearer, timeout=10).status_code == 200

    replay = redeem(public_url, client, secret, code)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert requests.get(userinfo, headers=bearer, timeout=10).status_code == 401
    refreshed = requests.post(
        f"{public_url}/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(client.client_id, secret),
        timeout=10,
    )
    assert refreshed.json()["error"] == "invalid_grant"


def test_pkce_is_enforced_both_ways(
    public_url: str,
    oauth_client: tuple[AppClient, str],
    public_client: AppClient,
    make_user: Callable[..., Any],
) -> None:
    client, secret = oauth_client
    make_user("ada@example.com")
    browser = requests.Session()
    verifier, challenge = pkce_pair()

    # A verifier for a code issued without a challenge is a downgrade attempt.
    downgraded = redeem(
        public_url, client, secret, _code(public_url, client, browser), code_verifier=verifier
    )
    assert downgraded.json()["error"] == "invalid_grant"
    # A challenged code needs the right verifier; the failed attempt burns the code.
    code = _code(public_url, public_client, browser, challenge)
    wrong = redeem(public_url, public_client, None, code, code_verifier=pkce_pair()[0])
    assert wrong.json()["error"] == "invalid_grant"
    assert redeem(public_url, public_client, None, code, code_verifier=verifier).status_code == 400
    good = redeem(
        public_url,
        public_client,
        None,
        _code(public_url, public_client, browser, challenge),
        code_verifier=verifier,
    )
    assert good.status_code == 200, good.text
    # And the redirect_uri must be the one the code was issued for.
    other = redeem(
        public_url, client, secret, _code(public_url, client, browser), redirect_uri=CALLBACK + "x"
    )
    assert other.json()["error"] == "invalid_grant"


def test_client_authentication_methods(
    public_url: str, oauth_client: tuple[AppClient, str], make_user: Callable[..., Any]
) -> None:
    client, secret = oauth_client
    make_user("ada@example.com")
    browser = requests.Session()
    token_url = f"{public_url}/oauth2/token"
    posted = requests.post(
        token_url,
        data={
            "grant_type": "authorization_code",
            "code": _code(public_url, client, browser),
            "redirect_uri": CALLBACK,
            "client_id": client.client_id,
            "client_secret": secret,
        },
        timeout=10,
    )
    assert posted.status_code == 200, posted.text

    code = _code(public_url, client, browser)
    wrong = redeem(public_url, client, secret + "x", code)
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    assert wrong.headers["WWW-Authenticate"].startswith("Basic")
    missing = requests.post(
        token_url,
        data={"grant_type": "authorization_code", "code": code, "client_id": client.client_id},
        timeout=10,
    )
    assert missing.json()["error"] == "invalid_client"
    both = requests.post(
        token_url,
        data={"grant_type": "authorization_code", "code": code, "client_secret": secret},
        auth=(client.client_id, secret),
        timeout=10,
    )
    assert both.json()["error"] == "invalid_request"
    assert (
        requests.post(token_url, data={"grant_type": "password"}, timeout=10).json()["error"]
        == "unsupported_grant_type"
    )
    assert requests.get(token_url, timeout=10).status_code == 405
    as_json = requests.post(token_url, json={"grant_type": "client_credentials"}, timeout=10)
    assert as_json.json()["error"] == "invalid_request"


def test_refresh_grant_rotates_when_the_client_does(
    public_url: str, make_client: Callable[..., AppClient], make_user: Callable[..., Any]
) -> None:
    client = make_client(
        GenerateSecret=True,
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email"],
        CallbackURLs=[CALLBACK],
        RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 0},
    )
    secret = client.get_secret()
    make_user("ada@example.com")
    first = redeem(public_url, client, secret, _code(public_url, client, requests.Session()))
    tokens = first.json()

    def refresh(token: str) -> requests.Response:
        return requests.post(
            f"{public_url}/oauth2/token",
            data={"grant_type": "refresh_token", "refresh_token": token},
            auth=(client.client_id, secret),
            timeout=10,
        )

    rotated = refresh(tokens["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    body = rotated.json()
    assert body["refresh_token"] != tokens["refresh_token"]
    assert _claims(body["id_token"])["auth_time"] == _claims(tokens["id_token"])["auth_time"]
    assert _claims(body["access_token"])["scope"] == "openid email"
    assert refresh(tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert refresh(body["refresh_token"]).status_code == 200


def test_client_credentials_with_resource_server_scopes(
    public_url: str, idp: Any, pool: dict[str, Any], make_client: Callable[..., AppClient]
) -> None:
    idp.create_resource_server(
        UserPoolId=pool["Id"],
        Identifier="https://api.example.com",
        Name="orders",
        Scopes=[
            {"ScopeName": "orders.read", "ScopeDescription": "read"},
            {"ScopeName": "orders.write", "ScopeDescription": "write"},
        ],
    )
    client = make_client(
        GenerateSecret=True,
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthScopes=["https://api.example.com/orders.read"],
    )
    secret = client.get_secret()
    token_url = f"{public_url}/oauth2/token"
    response = requests.post(
        token_url,
        data={"grant_type": "client_credentials"},
        auth=(client.client_id, secret),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access_token", "expires_in", "token_type"}
    claims = _claims(body["access_token"])
    assert claims["sub"] == client.client_id
    assert claims["client_id"] == client.client_id
    assert claims["scope"] == "https://api.example.com/orders.read"
    assert claims["token_use"] == "access"
    assert claims["version"] == 2
    assert claims["iss"] == f"{public_url}/{pool['Id']}"
    not_allowed = requests.post(
        token_url,
        data={"grant_type": "client_credentials", "scope": "https://api.example.com/orders.write"},
        auth=(client.client_id, secret),
        timeout=10,
    )
    assert not_allowed.json()["error"] == "invalid_scope"
    # A client_credentials token is not a user's: the user-pool API refuses it.
    userinfo = requests.get(
        f"{public_url}/oauth2/userInfo",
        headers={"Authorization": f"Bearer {body['access_token']}"},
        timeout=10,
    )
    assert userinfo.status_code in (401, 403)


def test_oauth_and_initiate_auth_tokens_carry_the_same_claim_keys(
    public_url: str,
    oauth_client: tuple[AppClient, str],
    make_user: Callable[..., Any],
    idp_public: Any,
    make_client: Callable[..., AppClient],
) -> None:
    """Guard: one minting path. /oauth2/token adds exactly the OAuth-only claims."""
    client, secret = oauth_client
    make_user("ada@example.com")
    oauth = redeem(public_url, client, secret, _code(public_url, client, requests.Session()))
    oauth_tokens = oauth.json()
    api_client = make_client()
    api = idp_public.initiate_auth(
        ClientId=api_client.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ada@example.com", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    api_id, oauth_id = _claims(api["IdToken"]), _claims(oauth_tokens["id_token"])
    api_access, oauth_access = _claims(api["AccessToken"]), _claims(oauth_tokens["access_token"])
    # The OAuth request asked for openid email profile: profile claims the user lacks are
    # absent in both, so the attribute claims agree too.
    assert set(oauth_id) == set(api_id) | {"nonce", "at_hash"}
    assert set(oauth_access) == set(api_access) | {"version"}
    assert oauth_id["nonce"] == "nonce-1"
    assert oauth_access["scope"] == "openid email profile"
    assert api_access["scope"] == "aws.cognito.signin.user.admin"
