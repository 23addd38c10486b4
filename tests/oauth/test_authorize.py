"""/oauth2/authorize through the real hosted-UI sign-in form: code flow with PKCE, the
signed-in browser, prompt and max_age, implicit, and every way a request is refused."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import requests

from oauth.models import AppClient, Grant
from tests.oauth.browser import (
    CALLBACK,
    LOOPBACK_CALLBACK,
    authorize_url,
    follow,
    pkce_pair,
    query_of,
    redeem,
)
from tests.oauth.conftest import PASSWORD


def test_code_flow_signs_in_through_the_form_then_reuses_the_sign_in(
    public_url: str, oauth_client: tuple[AppClient, str], make_user: Callable[..., Any]
) -> None:
    client, secret = oauth_client
    make_user("ada@example.com")
    browser = requests.Session()
    verifier, challenge = pkce_pair()
    start = authorize_url(
        public_url,
        client_id=client.client_id,
        redirect_uri=CALLBACK,
        response_type="code",
        scope="openid email",
        state="s-1",
        nonce="n-1",
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    first = requests.get(start, allow_redirects=False, timeout=10)
    assert first.status_code == 303
    assert first.headers["Location"].startswith("/login?")
    assert "Access-Control-Allow-Origin" not in first.headers

    callback = follow(browser, start, credentials=("ada@example.com", PASSWORD))
    answer = query_of(callback)
    assert answer["state"] == "s-1"
    assert answer["iss"] == f"{public_url}/{client.pool_id}"
    grant = Grant.objects.get()
    assert grant.code != answer["code"]  # only the code's SHA-256 is stored
    assert 290 <= (grant.expires - grant.created).total_seconds() <= 300

    tokens = redeem(public_url, client, secret, answer["code"], code_verifier=verifier)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert set(body) == {"access_token", "id_token", "refresh_token", "expires_in", "token_type"}
    assert body["token_type"] == "Bearer"
    assert tokens.headers["Cache-Control"] == "no-store"

    # Signed in now: the next authorization needs no form (and no credentials).
    again = follow(
        browser,
        authorize_url(
            public_url,
            client_id=client.client_id,
            redirect_uri=LOOPBACK_CALLBACK.replace("127.0.0.1", "127.0.0.1:51234"),
            response_type="code",
        ),
        stop_at="http://127.0.0.1:51234/",
    )
    assert "code" in query_of(again)


def test_prompt_none_and_prompt_login_and_max_age(
    public_url: str, oauth_client: tuple[AppClient, str], make_user: Callable[..., Any]
) -> None:
    client, _ = oauth_client
    make_user("ada@example.com")
    browser = requests.Session()
    base = {"client_id": client.client_id, "redirect_uri": CALLBACK, "response_type": "code"}

    silent = follow(browser, authorize_url(public_url, prompt="none", state="x", **base))
    assert query_of(silent)["error"] == "login_required"
    assert query_of(silent)["state"] == "x"

    follow(browser, authorize_url(public_url, **base), credentials=("ada@example.com", PASSWORD))
    assert "code" in query_of(follow(browser, authorize_url(public_url, prompt="none", **base)))

    forced = browser.get(authorize_url(public_url, prompt="login", **base), allow_redirects=False)
    assert forced.headers["Location"].startswith("/login?")
    time.sleep(1.1)
    stale = browser.get(authorize_url(public_url, max_age="0", **base), allow_redirects=False)
    assert stale.headers["Location"].startswith("/login?")
    fresh = browser.get(authorize_url(public_url, max_age="3600", **base), allow_redirects=False)
    assert fresh.headers["Location"].startswith(CALLBACK)


def test_refusals_never_redirect_to_an_unchecked_uri(
    public_url: str, oauth_client: tuple[AppClient, str]
) -> None:
    client, _ = oauth_client
    base = {"client_id": client.client_id, "response_type": "code"}
    for params in (
        {**base, "redirect_uri": "https://attacker.example.com/callback"},
        {**base, "redirect_uri": CALLBACK + "/../evil"},
        {**base, "redirect_uri": "http://127.0.0.2:8080/oauth/callback"},
        {**base, "redirect_uri": "https://127.0.0.1:9999/oauth/callback"},
        {**base},
        {"client_id": "no-such-client", "redirect_uri": CALLBACK, "response_type": "code"},
    ):
        response = requests.get(
            authorize_url(public_url, **params), allow_redirects=False, timeout=10
        )
        assert response.status_code == 400, params
        assert "Location" not in response.headers
        assert response.headers["X-Frame-Options"] == "DENY"


def _error_of(base: str, **params: str) -> dict[str, str]:
    response = requests.get(authorize_url(base, **params), allow_redirects=False, timeout=10)
    assert response.status_code == 303, response.text[:300]
    assert response.headers["Location"].startswith(CALLBACK)
    return query_of(response.headers["Location"])


def test_redirected_errors(
    public_url: str,
    oauth_client: tuple[AppClient, str],
    public_client: AppClient,
) -> None:
    client, _ = oauth_client
    confidential = {"client_id": client.client_id, "redirect_uri": CALLBACK, "state": "st"}
    public = {"client_id": public_client.client_id, "redirect_uri": CALLBACK}
    _, challenge = pkce_pair()

    missing = _error_of(public_url, **confidential)
    assert (missing["error"], missing["state"]) == ("invalid_request", "st")
    assert _error_of(public_url, response_type="id_token", **confidential)["error"] == (
        "unsupported_response_type"
    )
    # Implicit only where the client allows it.
    assert _error_of(public_url, response_type="token", **confidential)["error"] == (
        "unauthorized_client"
    )
    # Public clients must send S256 PKCE; plain is refused for everyone.
    assert _error_of(public_url, response_type="code", **public)["error"] == "invalid_request"
    plain = _error_of(
        public_url,
        response_type="code",
        code_challenge=challenge,
        code_challenge_method="plain",
        **confidential,
    )
    assert plain["error"] == "invalid_request"
    # Scopes: unknown ones are ignored, email without openid is dropped, nothing left fails.
    assert (
        _error_of(public_url, response_type="code", scope="email admin", **confidential)["error"]
        == "invalid_scope"
    )
    federated = _error_of(
        public_url, response_type="code", identity_provider="Google", **confidential
    )
    assert federated["error"] == "invalid_request"


def test_scopes_and_implicit_grant(
    public_url: str, public_client: AppClient, make_user: Callable[..., Any]
) -> None:
    make_user("ada@example.com")
    browser = requests.Session()
    callback = follow(
        browser,
        authorize_url(
            public_url,
            client_id=public_client.client_id,
            redirect_uri=CALLBACK,
            response_type="token",
            scope="openid email unknown/scope",
            state="imp",
        ),
        credentials=("ada@example.com", PASSWORD),
    )
    assert "?" not in callback  # the tokens travel in the fragment only
    answer = query_of(callback)
    assert answer["state"] == "imp"
    assert answer["token_type"] == "Bearer"
    assert {"access_token", "id_token", "expires_in"} <= set(answer)
    assert "refresh_token" not in answer
    info = requests.get(
        f"{public_url}/oauth2/userInfo",
        headers={"Authorization": f"Bearer {answer['access_token']}"},
        timeout=10,
    ).json()
    assert set(info) == {"sub", "username", "email", "email_verified"}
