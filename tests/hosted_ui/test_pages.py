"""Hosted UI pages: every page in English and Chinese, the sign-up → mailed code → confirm →
sign-in journey back to /oauth2/authorize, errors beside their fields, and the challenge,
recovery and link-confirmation pages — all through the services the JSON API uses."""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

import pytest
from django.test import RequestFactory
from django.utils import translation

from accounts.models import PoolUser, UserStatus
from accounts.views.hosted_ui import error_page, signed_out_page
from oauth.services.clients import get_app_client
from tests.hosted_ui.conftest import CALLBACK_URL, PASSWORD, Browser, confirmed_user, query

PAGES = ["/login", "/signup", "/confirmUser", "/forgotPassword", "/confirmForgotPassword"]
# One phrase of each page, per language.
HEADINGS = {
    "/login": ("Sign in with your username and password", "使用用户名和密码登录"),
    "/signup": ("Sign up with a new account", "注册新账户"),
    "/confirmUser": ("Confirm your account", "确认您的账户"),
    "/forgotPassword": ("Forgot your password?", "忘记密码？"),  # noqa: RUF001
    "/confirmForgotPassword": ("Reset your password", "重置密码"),
}


def _location(response: Any) -> urllib.parse.SplitResult:
    return urllib.parse.urlsplit(response["Location"])


def _params(response: Any) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(_location(response).query))


def _text(response: Any) -> str:
    return str(response.content.decode())


@pytest.mark.parametrize(
    ("language", "index", "html_lang"), [("en", 0, "en"), ("zh-hans", 1, "zh-Hans")]
)
def test_every_page_renders_in_english_and_chinese(
    browser: Browser, app_client: dict[str, Any], language: str, index: int, html_lang: str
) -> None:
    for path in PAGES:
        page = browser.client.get(f"{path}?{query(app_client['ClientId'], lang=language)}")
        assert page.status_code == 200, path
        html = _text(page)
        assert f'<html lang="{html_lang}">' in html
        assert HEADINGS[path][index] in html, path
        assert page["Content-Language"] == language
    error = browser.client.get(f"/error?lang={language}")
    assert error.status_code == 400
    assert ("An error was encountered", "出现错误")[index] in _text(error)

    request = RequestFactory().get(f"/logout?lang={language}")
    with translation.override(language):
        signed_out = signed_out_page(request, get_app_client(app_client["ClientId"]))
    assert ("You have been signed out", "您已退出登录")[index] in _text(signed_out)
    assert "frame-ancestors 'none'" in signed_out["Content-Security-Policy"]


def test_language_follows_ui_locales_then_accept_language(
    browser: Browser, app_client: dict[str, Any]
) -> None:
    client_id = app_client["ClientId"]
    by_header = browser.client.get(f"/login?client_id={client_id}", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert "使用用户名和密码登录" in _text(by_header)
    by_ui_locales = browser.client.get(
        f"/login?client_id={client_id}&ui_locales=fr zh-Hans", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "使用用户名和密码登录" in _text(by_ui_locales)
    lang_wins = browser.client.get(
        f"/login?client_id={client_id}&lang=en&ui_locales=zh", HTTP_ACCEPT_LANGUAGE="zh-CN"
    )
    assert "Sign in with your username and password" in _text(lang_wins)


def test_sign_up_confirm_with_the_mailed_code_then_sign_in_returns_to_authorize(
    browser: Browser, app_client: dict[str, Any], pool: dict[str, Any], mailbox: Any
) -> None:
    oauth_query = query(app_client["ClientId"], prompt="login", nonce="n-1")
    signed_up = browser.submit(
        f"/signup?{oauth_query}", {"email": "ada@example.com", "password": PASSWORD}
    )
    assert signed_up.status_code == 303
    assert _location(signed_up).path == "/confirmUser"
    assert _params(signed_up)["redirect_uri"] == CALLBACK_URL

    confirm_page = browser.client.get(signed_up["Location"])
    assert "a***@e***" in _text(confirm_page)  # where the code went, masked
    code = mailbox.code_for("ada@example.com")
    confirmed = browser.submit(signed_up["Location"], {"username": "ada@example.com", "code": code})
    assert confirmed.status_code == 303
    assert _location(confirmed).path == "/login"
    user = PoolUser.objects.get(pool_id=pool["Id"], email="ada@example.com")
    assert user.status == UserStatus.CONFIRMED
    assert user.email_verified

    login_page = browser.client.get(confirmed["Location"])
    assert "Your account is confirmed" in _text(login_page)
    assert 'value="ada@example.com"' in _text(login_page)
    session_before = browser.client.cookies["sessionid"].value
    signed_in = browser.submit(
        confirmed["Location"], {"username": "ada@example.com", "password": PASSWORD}
    )
    assert signed_in.status_code == 303
    target = _location(signed_in)
    assert target.path == "/oauth2/authorize"
    params = _params(signed_in)
    assert "prompt" not in params
    assert params["state"] == "st-123"
    assert params["nonce"] == "n-1"
    assert params["client_id"] == app_client["ClientId"]

    cookie = signed_in.cookies[f"tessera_{pool['Id']}"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 3600
    assert not cookie["secure"]  # PUBLIC_URL is http in tests; https makes it __Host- + Secure
    assert browser.client.cookies["sessionid"].value != session_before


def test_plain_sign_in_shows_the_signed_in_page(
    browser: Browser, app_client: dict[str, Any], idp: Any, pool: dict[str, Any]
) -> None:
    confirmed_user(idp, pool["Id"], "grace@example.com")
    plain = f"/login?client_id={app_client['ClientId']}&lang=zh-hans"
    signed_in = browser.submit(plain, {"username": "grace@example.com", "password": PASSWORD})
    assert signed_in.status_code == 303
    page = browser.client.get(signed_in["Location"])
    assert "您已以 grace@example.com 身份登录。" in _text(page)
    assert "退出登录" in _text(page)
    assert f"/logout?client_id={app_client['ClientId']}" in _text(page)
    # Recovery codes stand in for a second factor this user does not have.
    assert "/mfaRecoveryCodes" not in _text(page)
    # OAuth parameters always get the form: /oauth2/authorize decided it is due.
    with_oauth = browser.client.get(f"/login?{query(app_client['ClientId'])}")
    assert 'name="password"' in _text(with_oauth)


def test_errors_are_shown_beside_their_fields(
    browser: Browser, app_client: dict[str, Any], idp: Any, pool: dict[str, Any]
) -> None:
    signup_url = f"/signup?{query(app_client['ClientId'])}"
    weak = browser.submit(signup_url, {"email": "weak@example.com", "password": "short"})
    assert weak.status_code == 200
    html = _text(weak)
    assert re.search(
        r'id="id_password-error">Password did not conform with policy: '
        r"Password not long enough</p>",
        html,
    )
    assert 'aria-describedby="id_password-error password-rules"' in html
    assert 'aria-invalid="true"' in html
    # The pool's rules are listed on the page.
    assert "At least 12 characters" in html
    assert "A special character" in html

    chinese = browser.submit(
        f"{signup_url}&lang=zh-hans", {"email": "weak@example.com", "password": "short"}
    )
    assert "密码不符合策略：密码长度不足" in _text(chinese)  # noqa: RUF001

    idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username="taken@example.com",
        UserAttributes=[{"Name": "email", "Value": "taken@example.com"}],
        MessageAction="SUPPRESS",
    )
    taken = browser.submit(signup_url, {"email": "taken@example.com", "password": PASSWORD})
    assert 'id="id_email-error"' in _text(taken)

    wrong = browser.submit(
        f"/login?{query(app_client['ClientId'])}",
        {"username": "nobody@example.com", "password": PASSWORD},
    )
    assert wrong.status_code == 200
    assert re.search(r'id="id_(username|password)-error">[^<]+</p>', _text(wrong))
    assert "tessera_" not in " ".join(wrong.cookies)


def test_new_password_page_for_an_administrator_created_user(
    browser: Browser, app_client: dict[str, Any], idp: Any, pool: dict[str, Any]
) -> None:
    idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username="new@example.com",
        TemporaryPassword="Temporary-Pass-1",
        UserAttributes=[{"Name": "email", "Value": "new@example.com"}],
        MessageAction="SUPPRESS",
    )
    login_url = f"/login?{query(app_client['ClientId'], lang='zh-hans')}"
    challenged = browser.submit(
        login_url, {"username": "new@example.com", "password": "Temporary-Pass-1"}
    )
    assert challenged.status_code == 303
    assert _location(challenged).path == "/resetPassword"
    page = browser.client.get(challenged["Location"])
    assert "更改您的密码" in _text(page)

    mismatch = browser.submit(
        challenged["Location"], {"password": PASSWORD, "password_again": PASSWORD + "x"}
    )
    assert 'id="id_password_again-error">两次输入的密码不一致。' in _text(mismatch)
    weak = browser.submit(challenged["Location"], {"password": "abc", "password_again": "abc"})
    assert 'id="id_password-error">密码不符合策略' in _text(weak)

    done = browser.submit(
        challenged["Location"], {"password": PASSWORD, "password_again": PASSWORD}
    )
    assert done.status_code == 303
    assert _location(done).path == "/oauth2/authorize"
    assert f"tessera_{pool['Id']}" in done.cookies
    user = PoolUser.objects.get(
        pool_id=pool["Id"], username_key__isnull=False, email="new@example.com"
    )
    assert user.status == UserStatus.CONFIRMED
    # The challenge is spent: the page sends the browser back to sign in.
    again = browser.client.get(challenged["Location"])
    assert again.status_code == 303
    assert _location(again).path == "/login"


def test_forgot_password_resets_with_the_mailed_code(
    browser: Browser, app_client: dict[str, Any], idp: Any, pool: dict[str, Any], mailbox: Any
) -> None:
    idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username="reset@example.com",
        UserAttributes=[
            {"Name": "email", "Value": "reset@example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=pool["Id"], Username="reset@example.com", Password=PASSWORD, Permanent=True
    )
    oauth_query = query(app_client["ClientId"])
    asked = browser.submit(f"/forgotPassword?{oauth_query}", {"username": "reset@example.com"})
    assert asked.status_code == 303
    assert _location(asked).path == "/confirmForgotPassword"
    code = mailbox.code_for("reset@example.com")
    new_password = "Another-Good-Pass-7"

    wrong_code = browser.submit(
        asked["Location"],
        {
            "username": "reset@example.com",
            "code": "000000" if code != "000000" else "111111",
            "password": new_password,
            "password_again": new_password,
        },
    )
    assert 'id="id_code-error">Invalid verification code provided' in _text(wrong_code)

    reset = browser.submit(
        asked["Location"],
        {
            "username": "reset@example.com",
            "code": code,
            "password": new_password,
            "password_again": new_password,
        },
    )
    assert reset.status_code == 303
    assert _location(reset).path == "/login"
    signed_in = browser.submit(
        reset["Location"], {"username": "reset@example.com", "password": new_password}
    )
    assert signed_in.status_code == 303
    assert _location(signed_in).path == "/oauth2/authorize"


def test_the_confirmation_link_confirms_only_on_its_button(
    browser: Browser, idp: Any, mailbox: Any
) -> None:
    link_pool = idp.create_user_pool(
        PoolName="link-pool",
        AutoVerifiedAttributes=["email"],
        UsernameAttributes=["email"],
        VerificationMessageTemplate={"DefaultEmailOption": "CONFIRM_WITH_LINK"},
    )["UserPool"]
    client_id = idp.create_user_pool_client(UserPoolId=link_pool["Id"], ClientName="link")[
        "UserPoolClient"
    ]["ClientId"]
    signed_up = browser.submit(
        f"/signup?client_id={client_id}", {"email": "link@example.com", "password": PASSWORD}
    )
    assert signed_up.status_code == 303
    body = mailbox.wait_for("link@example.com").body
    link = re.search(r"https?://\S+/confirmUser\?\S+", body)
    assert link, body
    target = urllib.parse.urlsplit(link.group(0))
    path = f"{target.path}?{target.query}"

    landing = browser.client.get(path)
    assert landing.status_code == 200
    user = PoolUser.objects.get(pool_id=link_pool["Id"], email="link@example.com")
    assert user.status == UserStatus.UNCONFIRMED  # a mail scanner's GET confirms nothing

    confirmed = browser.submit(
        path,
        {
            "action": "link",
            "username": dict(urllib.parse.parse_qsl(target.query))["user_name"],
            "code": dict(urllib.parse.parse_qsl(target.query))["confirmation_code"],
        },
    )
    assert confirmed.status_code == 303
    assert "confirmation_code" not in confirmed["Location"]
    user.refresh_from_db()
    assert user.status == UserStatus.CONFIRMED


def test_error_page_helper_renders_without_a_client() -> None:
    response = error_page(RequestFactory().get("/oauth2/authorize"), "Bad redirect_uri")
    assert response.status_code == 400
    assert "Bad redirect_uri" in _text(response)
    assert response["X-Frame-Options"] == "DENY"
