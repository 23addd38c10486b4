"""/oauth2/userInfo, /oauth2/revoke and Cognito's /logout, with their refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import requests

from oauth.models import AppClient
from tests.oauth.browser import (
    CALLBACK,
    LOGOUT_URL,
    authorize_url,
    follow,
    query_of,
    redeem,
)
from tests.oauth.conftest import PASSWORD


def _tokens(
    base: str, client: AppClient, secret: str, browser: requests.Session, scope: str
) -> dict[str, Any]:
    callback = follow(
        browser,
        authorize_url(
            base,
            client_id=client.client_id,
            redirect_uri=CALLBACK,
            response_type="code",
            scope=scope,
        ),
        credentials=("ada@example.com", PASSWORD),
    )
    response = redeem(base, client, secret, query_of(callback)["code"])
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_userinfo_releases_claims_by_scope_and_read_attributes(
    public_url: str, oauth_client: tuple[AppClient, str], make_user: Callable[..., Any]
) -> None:
    client, secret = oauth_client
    user = make_user(
        "ada@example.com",
        attributes={"given_name": "Ada", "phone_number": "+15555550100", "custom:team": "42"},
    )
    browser = requests.Session()
    url = f"{public_url}/oauth2/userInfo"

    everything = _tokens(public_url, client, secret, browser, "openid")["access_token"]
    got = requests.get(url, headers={"Authorization": f"Bearer {everything}"}, timeout=10)
    assert got.status_code == 200
    claims = got.json()
    assert claims["sub"] == str(user.sub)
    assert claims["username"] == user.username
    assert claims["email_verified"] is True
    assert claims["custom:team"] == "42"
    assert claims["given_name"] == "Ada"

    email_only = _tokens(public_url, client, secret, browser, "openid email")["access_token"]
    posted = requests.post(url, headers={"Authorization": f"Bearer {email_only}"}, timeout=10)
    assert set(posted.json()) == {"sub", "username", "email", "email_verified"}
    in_body = requests.post(url, data={"access_token": email_only}, timeout=10)
    assert in_body.json()["email"] == "ada@example.com"

    client.read_attributes = ["email"]
    client.save()
    assert (
        "email_verified"
        not in requests.get(
            url, headers={"Authorization": f"Bearer {everything}"}, timeout=10
        ).json()
    )

    missing = requests.get(url, timeout=10)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    forged = requests.get(url, headers={"Authorization": "Bearer e30.e30.AAAA"}, timeout=10)
    assert forged.status_code == 401
    assert 'error="invalid_token"' in forged.headers["WWW-Authenticate"]


def test_revoke_refresh_token_and_the_access_tokens_from_it(
    public_url: str, oauth_client: tuple[AppClient, str], make_user: Callable[..., Any]
) -> None:
    client, secret = oauth_client
    make_user("ada@example.com")
    tokens = _tokens(public_url, client, secret, requests.Session(), "openid email")
    revoke_url = f"{public_url}/oauth2/revoke"
    unknown = requests.post(
        revoke_url, data={"token": "not-a-token"}, auth=(client.client_id, secret), timeout=10
    )
    assert unknown.status_code == 200
    assert unknown.content == b""
    wrong_secret = requests.post(
        revoke_url,
        data={"token": tokens["refresh_token"]},
        auth=(client.client_id, "nope"),
        timeout=10,
    )
    assert wrong_secret.status_code == 401
    access = requests.post(
        revoke_url,
        data={"token": tokens["access_token"]},
        auth=(client.client_id, secret),
        timeout=10,
    )
    assert access.json()["error"] == "unsupported_token_type"

    revoked = requests.post(
        revoke_url,
        data={"token": tokens["refresh_token"]},
        auth=(client.client_id, secret),
        timeout=10,
    )
    assert revoked.status_code == 200
    userinfo = requests.get(
        f"{public_url}/oauth2/userInfo",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    )
    assert userinfo.status_code == 401

    client.enable_token_revocation = False
    client.save()
    disabled = requests.post(
        revoke_url, data={"token": "anything"}, auth=(client.client_id, secret), timeout=10
    )
    assert disabled.status_code == 400
    assert disabled.json()["error"] == "invalid_request"


def test_cognito_logout_semantics_and_no_open_redirect(
    public_url: str, oauth_client: tuple[AppClient, str], make_user: Callable[..., Any]
) -> None:
    client, secret = oauth_client
    make_user("ada@example.com")
    browser = requests.Session()
    _tokens(public_url, client, secret, browser, "openid")
    silent = {
        "client_id": client.client_id,
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "prompt": "none",
    }

    def logout(**params: str) -> requests.Response:
        return browser.get(
            f"{public_url}/logout?{urlencode(params)}", allow_redirects=False, timeout=10
        )

    for attempt in (
        {"client_id": client.client_id, "logout_uri": "https://evil.example.com/"},
        {"client_id": client.client_id, "logout_uri": LOGOUT_URL + "?next=https://evil.example"},
        {
            "client_id": client.client_id,
            "redirect_uri": "https://evil.example.com/cb",
            "response_type": "code",
        },
        {"client_id": "unknown-client", "logout_uri": LOGOUT_URL},
        {"client_id": client.client_id},
    ):
        refused = logout(**attempt)
        assert refused.status_code in (400, 404), attempt
        assert "Location" not in refused.headers
    # None of those signed the browser out.
    assert "code" in query_of(follow(browser, authorize_url(public_url, **silent)))

    signed_out = logout(client_id=client.client_id, logout_uri=LOGOUT_URL)
    assert signed_out.status_code == 303
    assert signed_out.headers["Location"] == LOGOUT_URL
    assert (
        query_of(follow(browser, authorize_url(public_url, **silent)))["error"] == "login_required"
    )

    _tokens(public_url, client, secret, browser, "openid")
    again = logout(
        client_id=client.client_id, redirect_uri=CALLBACK, response_type="code", state="st"
    )
    assert again.status_code == 303
    assert again.headers["Location"].startswith("/login?")
    assert query_of(again.headers["Location"])["state"] == "st"
    assert (
        query_of(follow(browser, authorize_url(public_url, **silent)))["error"] == "login_required"
    )
