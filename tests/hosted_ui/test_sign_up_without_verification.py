"""Hosted sign-up in a pool that verifies nothing (no AutoVerifiedAttributes): SignUp sends no
code and leaves the user UNCONFIRMED, so /signup says an administrator must confirm the account
(in English and Chinese) instead of asking for a code; after AdminConfirmSignUp the user signs
in through /login and goes back to /oauth2/authorize with the OAuth query."""

from __future__ import annotations

import urllib.parse
from html import unescape
from typing import Any

import pytest

from accounts.models import OutboxMessage, PoolUser, UserStatus
from tests.hosted_ui.conftest import CALLBACK_URL, PASSWORD, Browser, query

AWAITING = {
    "en": (
        "Your account has been created",
        "An administrator must confirm it before you can sign in.",
        "Back to sign in",
    ),
    "zh-hans": ("您的账户已创建", "管理员确认后您才能登录。", "返回登录"),
}


@pytest.fixture
def unverified_pool(idp: Any) -> dict[str, Any]:
    """Email as username, strong policy, and no attribute verified automatically."""
    response = idp.create_user_pool(
        PoolName="verifies-nothing",
        Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireSymbols": True}},
        UsernameAttributes=["email"],
    )
    return dict(response["UserPool"])


@pytest.fixture
def unverified_app_client(idp: Any, unverified_pool: dict[str, Any]) -> dict[str, Any]:
    response = idp.create_user_pool_client(
        UserPoolId=unverified_pool["Id"],
        ClientName="No verification app",
        CallbackURLs=[CALLBACK_URL],
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email"],
        AllowedOAuthFlowsUserPoolClient=True,
        SupportedIdentityProviders=["COGNITO"],
    )
    return dict(response["UserPoolClient"])


def _params(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_sign_up_awaits_the_administrator_then_signs_in_after_admin_confirm_sign_up(
    browser: Browser,
    idp: Any,
    unverified_pool: dict[str, Any],
    unverified_app_client: dict[str, Any],
    mailbox: Any,
    language: str,
) -> None:
    client_id = unverified_app_client["ClientId"]
    email = f"grace-{language}@example.com"
    signup_url = f"/signup?{query(client_id, lang=language, nonce='n-7')}"

    signed_up = browser.submit(signup_url, {"email": email, "password": PASSWORD})
    assert signed_up.status_code == 303
    assert urllib.parse.urlsplit(signed_up["Location"]).path == "/signup"
    user = PoolUser.objects.get(pool_id=unverified_pool["Id"], email=email)
    assert user.status == UserStatus.UNCONFIRMED
    assert not OutboxMessage.objects.filter(pool_id=unverified_pool["Id"]).exists()
    assert not [message for message in mailbox.all() if email in message.to]

    awaiting = browser.client.get(signed_up["Location"])
    assert awaiting.status_code == 200
    page = awaiting.content.decode()
    heading, explanation, back = AWAITING[language]
    assert heading in page
    assert explanation in page
    assert email in page
    assert back in page
    assert "/confirmUser" not in page  # no code exists to enter
    assert awaiting["Content-Language"] == language
    assert "frame-ancestors 'none'" in awaiting["Content-Security-Policy"]
    login_url = unescape(
        page.split('class="submitButton-customizable button-link" href="', 1)[1].split('"', 1)[0]
    )
    assert urllib.parse.urlsplit(login_url).path == "/login"
    login_params = _params(login_url)
    assert login_params["redirect_uri"] == CALLBACK_URL
    assert login_params["state"] == "st-123"
    assert login_params["nonce"] == "n-7"
    assert login_params["lang"] == language

    # Shown once: reloading /signup offers the sign-up form again.
    again = browser.client.get(signed_up["Location"])
    assert 'name="password"' in again.content.decode()

    idp.admin_confirm_sign_up(UserPoolId=unverified_pool["Id"], Username=email)
    signed_in = browser.submit(login_url, {"username": email, "password": PASSWORD})
    assert signed_in.status_code == 303
    assert urllib.parse.urlsplit(signed_in["Location"]).path == "/oauth2/authorize"
    back_to_authorize = _params(signed_in["Location"])
    assert back_to_authorize["client_id"] == client_id
    assert back_to_authorize["state"] == "st-123"
    assert back_to_authorize["nonce"] == "n-7"
    assert f"tessera_{unverified_pool['Id']}" in signed_in.cookies


def test_the_awaiting_page_belongs_to_the_client_that_signed_up(
    browser: Browser,
    unverified_app_client: dict[str, Any],
    app_client: dict[str, Any],
) -> None:
    """Another client's /signup in the same browser shows its own form, not the notice."""
    signed_up = browser.submit(
        f"/signup?client_id={unverified_app_client['ClientId']}",
        {"email": "hopper@example.com", "password": PASSWORD},
    )
    assert signed_up.status_code == 303
    other = browser.client.get(f"/signup?client_id={app_client['ClientId']}")
    assert "Sign up with a new account" in other.content.decode()
    assert "An administrator must confirm" not in other.content.decode()


def test_an_unconfirmed_user_who_cannot_get_a_code_is_told_to_wait_at_sign_in(
    browser: Browser, unverified_pool: dict[str, Any], unverified_app_client: dict[str, Any]
) -> None:
    """Signing in before the administrator confirmed: no code page (no code can be sent),
    the same awaiting-confirmation page instead."""
    client_id = unverified_app_client["ClientId"]
    email = "hopper@example.com"
    browser.submit(f"/signup?{query(client_id)}", {"email": email, "password": PASSWORD})
    browser.client.get(f"/signup?{query(client_id)}")  # the one-time awaiting page

    refused = browser.submit(
        f"/login?{query(client_id)}", {"username": email, "password": PASSWORD}
    )
    assert refused.status_code == 303
    assert urllib.parse.urlsplit(refused["Location"]).path == "/signup"
    page = unescape(browser.client.get(refused["Location"]).content.decode())
    assert AWAITING["en"][1] in page
    assert "/confirmUser" not in page
