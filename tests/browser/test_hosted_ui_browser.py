"""The hosted UI in a real browser: sign up, read the code from the mail, confirm, sign in,
land on the client's callback with a code, then sign out — with screenshots of every page
in English and Chinese under var/screenshots/."""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from accounts.models import PoolUser, UserStatus
from tests.browser.conftest import ClientApplication
from tests.hosted_ui.conftest import PASSWORD
from tests.hosted_ui.conftest import query as base_query


def _query(application: ClientApplication, client_id: str, **extra: str) -> str:
    return base_query(client_id, redirect_uri=application.callback_url, **extra)


def _shot(page: Page, directory: Path, name: str, language: str) -> None:
    page.screenshot(path=str(directory / f"{name}.{language}.png"), full_page=True)


def test_sign_up_confirm_sign_in_reach_the_callback_then_sign_out(
    page: Page,
    endpoint: str,
    app_client: dict[str, Any],
    pool: dict[str, Any],
    mailbox: Any,
    screenshots: Path,
    client_application: ClientApplication,
) -> None:
    client_id = app_client["ClientId"]
    page.goto(f"{endpoint}/oauth2/authorize?{_query(client_application, client_id)}")
    assert urllib.parse.urlsplit(page.url).path == "/login"
    _shot(page, screenshots, "login", "en")

    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Email", exact=True).fill("browser@example.com")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_role("button", name="Sign up").click()
    password_error = page.locator("#id_password-error")
    assert "Password not long enough" in password_error.inner_text()
    assert "id_password-error" in (
        page.get_by_label("Password", exact=True).get_attribute("aria-describedby") or ""
    )
    _shot(page, screenshots, "signup-error", "en")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    assert urllib.parse.urlsplit(page.url).path == "/confirmUser"
    _shot(page, screenshots, "confirm_user", "en")
    page.get_by_label("Verification code", exact=True).fill(mailbox.code_for("browser@example.com"))
    page.get_by_role("button", name="Confirm account").click()
    user = PoolUser.objects.get(pool_id=pool["Id"], email="browser@example.com")
    assert user.status == UserStatus.CONFIRMED

    assert urllib.parse.urlsplit(page.url).path == "/login"
    assert page.get_by_label("Email", exact=True).input_value() == "browser@example.com"
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(f"{client_application.callback_url}?*")
    callback = urllib.parse.urlsplit(client_application.last_visit("/callback"))
    params = dict(urllib.parse.parse_qsl(callback.query))
    assert callback.path == "/callback"
    assert params["code"]
    assert params["state"] == "st-123"

    # Signed in: authorize answers at once, without the form.
    again = _query(client_application, client_id, state="again")
    page.goto(f"{endpoint}/oauth2/authorize?{again}")
    page.wait_for_url(f"{client_application.callback_url}?*")
    assert "state=again" in client_application.last_visit("/callback")

    page.goto(f"{endpoint}/login?client_id={client_id}")
    assert "You are signed in as" in page.content()
    _shot(page, screenshots, "signed_in", "en")
    page.get_by_role("link", name="Sign out").click()
    page.wait_for_url(client_application.logout_url)
    assert client_application.last_visit("/signed-out") == "/signed-out"
    page.goto(f"{endpoint}/login?client_id={client_id}")
    assert page.get_by_role("button", name="Sign in").is_visible()


def test_screenshots_of_every_page_in_english_and_chinese(
    page: Page,
    endpoint: str,
    idp: Any,
    app_client: dict[str, Any],
    pool: dict[str, Any],
    screenshots: Path,
    client_application: ClientApplication,
) -> None:
    client_id = app_client["ClientId"]
    headings = {
        "en": ("Sign in with your username and password", "Change your password", "Signed in"),
        "zh-hans": ("使用用户名和密码登录", "更改您的密码", "已登录"),
    }
    for language, (login_heading, new_password_heading, signed_in_title) in headings.items():
        invited = f"invited-{language}@example.com"
        idp.admin_create_user(
            UserPoolId=pool["Id"],
            Username=invited,
            TemporaryPassword="Temporary-Pass-1",
            UserAttributes=[{"Name": "email", "Value": invited}],
            MessageAction="SUPPRESS",
        )
        oauth_query = _query(client_application, client_id, lang=language)
        for name, path in [
            ("login", "/login"),
            ("signup", "/signup"),
            ("confirm_user", "/confirmUser"),
            ("forgot_password", "/forgotPassword"),
            ("confirm_forgot_password", "/confirmForgotPassword"),
        ]:
            page.goto(f"{endpoint}{path}?{oauth_query}")
            assert page.locator("h1").inner_text()
            _shot(page, screenshots, name, language)

        page.goto(f"{endpoint}/login?{oauth_query}")
        assert page.locator("h1").inner_text() == login_heading
        page.locator("#id_username").fill(invited)
        page.locator("#id_password").fill("Temporary-Pass-1")
        page.locator("button[type=submit]").click()
        assert urllib.parse.urlsplit(page.url).path == "/resetPassword"
        assert page.locator("h1").inner_text() == new_password_heading
        _shot(page, screenshots, "new_password", language)
        page.locator("#id_password").fill(PASSWORD)
        page.locator("#id_password_again").fill(PASSWORD)
        page.locator("button[type=submit]").click()
        page.wait_for_url(f"{client_application.callback_url}?*")

        page.goto(f"{endpoint}/login?client_id={client_id}&lang={language}")
        assert page.title().startswith(signed_in_title)
        _shot(page, screenshots, "signed_in", language)

        unregistered = base_query(client_id, redirect_uri="https://evil.example/", lang=language)
        page.goto(f"{endpoint}/login?{unregistered}")
        assert page.locator(".errorMessage-customizable").is_visible()
        _shot(page, screenshots, "error", language)
        page.goto(f"{endpoint}/{pool['Id']}/logout?client_id={client_id}&lang={language}")
        _shot(page, screenshots, "signed_out", language)
    assert (screenshots / "login.zh-hans.png").stat().st_size > 0
