"""Hosted sign-in with a second factor, page by page: the pages end the shared state machine
with a sign-in cookie and mint no tokens (those come from /oauth2/token), and the
signed-in page leads to the MFA pages."""

from __future__ import annotations

import re
import time
import urllib.parse
from typing import Any

import pyotp

from accounts.models import PoolUser
from oauth.models import AccessToken, RefreshToken
from tests.hosted_ui.conftest import PASSWORD, Browser, confirmed_user

SECRET = re.compile(r'<code id="totp-secret">([^<]+)</code>')


def _path(response: Any) -> str:
    return urllib.parse.urlsplit(response["Location"]).path


def test_mfa_setup_then_a_totp_sign_in_end_in_a_cookie_without_minting_tokens(
    browser: Browser, idp: Any, pool: dict[str, Any], app_client: dict[str, Any]
) -> None:
    idp.set_user_pool_mfa_config(
        UserPoolId=pool["Id"],
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="ON",
    )
    confirmed_user(idp, pool["Id"], "ada@example.com")
    user = PoolUser.objects.get(pool_id=pool["Id"], email="ada@example.com")
    login = f"/login?client_id={app_client['ClientId']}"
    cookie_name = f"tessera_{pool['Id']}"

    # MFA ON, no factor yet: the password leads to /mfaSetup, its code to the sign-in.
    password = browser.submit(login, {"username": "ada@example.com", "password": PASSWORD})
    assert password.status_code == 303
    assert _path(password) == "/mfaSetup"
    setup_page = browser.client.get(password["Location"])
    match = SECRET.search(setup_page.content.decode())
    assert match, "the setup page shows no secret"
    authenticator = pyotp.TOTP(match.group(1).replace(" ", ""))
    set_up = browser.submit(password["Location"], {"code": authenticator.now(), "device_name": ""})
    assert set_up.status_code == 303
    assert _path(set_up) == "/login"
    assert browser.client.cookies[cookie_name].value

    signed_in = browser.client.get(set_up["Location"])
    assert "You are signed in as ada@example.com." in signed_in.content.decode()
    recovery_link = f'href="/mfaRecoveryCodes?client_id={app_client["ClientId"]}"'
    assert recovery_link in signed_in.content.decode()
    assert "Recovery codes for your second sign-in step" in signed_in.content.decode()
    in_chinese = browser.client.get(f"{login}&lang=zh-hans").content.decode()
    assert "用于第二个登录步骤的恢复码" in in_chinese
    codes = browser.submit(f"/mfaRecoveryCodes?client_id={app_client['ClientId']}", {})
    assert codes.status_code == 200
    assert (
        len(re.findall(r"<li><code>[a-z0-9]{5}-[a-z0-9]{5}</code></li>", codes.content.decode()))
        == 10
    )
    assert not RefreshToken.objects.filter(user=user).exists()
    assert not AccessToken.objects.filter(user=user).exists()

    # Signed out, then in again: the password, then the authenticator's code at /mfa.
    browser.client.cookies.pop(cookie_name)
    password = browser.submit(
        f"{login}&prompt=login", {"username": "ada@example.com", "password": PASSWORD}
    )
    assert _path(password) == "/mfa"
    # A code of the next period: the setup's code may not be used twice (RFC 6238 §5.2).
    code = authenticator.at(time.time() + authenticator.interval)
    answered = browser.submit(password["Location"], {"code": code})
    assert answered.status_code == 303
    assert _path(answered) == "/login"
    assert browser.client.cookies[cookie_name].value
    assert not RefreshToken.objects.filter(user=user).exists()
    assert not AccessToken.objects.filter(user=user).exists()
