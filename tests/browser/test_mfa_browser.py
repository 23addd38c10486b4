"""MFA in the hosted UI, in real Chromium: enrol an authenticator app from the setup page
(the secret read off the page, codes computed with pyotp), sign out, sign in with a TOTP
code and with a recovery code, choose between email and SMS codes — with screenshots of
each MFA page in English and Chinese under var/screenshots/."""

from __future__ import annotations

import time
import urllib.parse
from pathlib import Path
from typing import Any

import pyotp
from playwright.sync_api import Page, expect

from accounts.models import AuditEvent, OutboxMessage, PoolUser
from tests.browser.conftest import ClientApplication
from tests.hosted_ui.conftest import PASSWORD
from tests.hosted_ui.conftest import query as base_query
from tests.sms import wait_for_sms

LANGUAGES = ("en", "zh-hans")
HEADINGS = {
    "setup": {"en": "Set up an authenticator app", "zh-hans": "设置身份验证器应用"},
    "totp": {
        "en": "Enter the code from your authenticator app",
        "zh-hans": "输入身份验证器应用中的验证码",
    },
    "select": {"en": "Choose how to verify it's you", "zh-hans": "选择验证身份的方式"},
    "email": {
        "en": "Enter the code we sent by email",
        "zh-hans": "输入我们通过电子邮件发送的验证码",
    },
    "sms": {
        "en": "Enter the code we sent by text message",
        "zh-hans": "输入我们通过短信发送的验证码",
    },
    "recovery": {"en": "Recovery codes", "zh-hans": "恢复码"},
}


def _shot(page: Page, directory: Path, name: str, language: str) -> None:
    page.screenshot(path=str(directory / f"{name}.{language}.png"), full_page=True)


# After a click, Playwright waits for the next page's navigation to commit, not for its
# document to be parsed: page.content() and is_visible() could read it half-built, so checks
# of what a page shows use expect(), which retries until its timeout.


def _path(page: Page) -> str:
    return urllib.parse.urlsplit(page.url).path


def _create_user(idp: Any, pool_id: str, email: str, **attributes: str) -> None:
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            *({"Name": name, "Value": value} for name, value in attributes.items()),
        ],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=email, Password=PASSWORD, Permanent=True
    )


class HostedSignIn:
    """The sign-in pages as a person uses them, in one language."""

    def __init__(
        self,
        page: Page,
        endpoint: str,
        client_id: str,
        pool_id: str,
        application: ClientApplication,
        language: str,
    ) -> None:
        self.page = page
        self.endpoint = endpoint
        self.client_id = client_id
        self.pool_id = pool_id
        self.application = application
        self.language = language

    def password(self, email: str) -> None:
        query = base_query(
            self.client_id, redirect_uri=self.application.callback_url, lang=self.language
        )
        self.page.goto(f"{self.endpoint}/login?{query}")
        self.page.locator("#id_username").fill(email)
        self.page.locator("#id_password").fill(PASSWORD)
        self.page.locator("button[type=submit]").click()

    def expect_heading(self, key: str) -> None:
        assert self.page.locator("h1").inner_text() == HEADINGS[key][self.language]

    def submit_code(self, code: str) -> None:
        self.page.locator("#id_code").fill(code)
        self.page.locator("button[type=submit]").click()

    def reached_callback(self) -> dict[str, str]:
        self.page.wait_for_url(f"{self.application.callback_url}?*")
        callback = urllib.parse.urlsplit(self.application.last_visit("/callback"))
        return dict(urllib.parse.parse_qsl(callback.query))

    def sign_out(self) -> None:
        self.page.goto(
            f"{self.endpoint}/{self.pool_id}/logout?client_id={self.client_id}&lang={self.language}"
        )


def test_enrol_totp_then_sign_in_with_a_code_and_with_a_recovery_code(
    page: Page,
    endpoint: str,
    idp: Any,
    app_client: dict[str, Any],
    pool: dict[str, Any],
    screenshots: Path,
    client_application: ClientApplication,
) -> None:
    idp.set_user_pool_mfa_config(
        UserPoolId=pool["Id"],
        MfaConfiguration="ON",
        SoftwareTokenMfaConfiguration={"Enabled": True},
    )
    client_id = app_client["ClientId"]
    _create_user(idp, pool["Id"], "totp-browser@example.com")
    english = HostedSignIn(page, endpoint, client_id, pool["Id"], client_application, "en")

    # MFA is required and the user has no factor: the setup page, with a QR code.
    english.password("totp-browser@example.com")
    assert _path(page) == "/mfaSetup"
    english.expect_heading("setup")
    expect(page.locator("figure svg")).to_be_visible()
    _shot(page, screenshots, "mfa_setup", "en")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    assert len(secret) == 32
    # A reload shows the same secret: the association is made once per challenge.
    page.reload()
    assert page.locator("#totp-secret").inner_text().replace(" ", "") == secret
    authenticator = pyotp.TOTP(secret)
    page.locator("#id_code").fill("000000" if authenticator.now() != "000000" else "111111")
    page.locator("button[type=submit]").click()
    expect(page.locator("#id_code-error")).to_be_visible()
    page.locator("#id_code").fill(authenticator.now())
    page.locator("#id_device_name").fill("Browser phone")
    page.locator("button[type=submit]").click()
    assert english.reached_callback()["code"]
    user = PoolUser.objects.get(pool_id=pool["Id"], email="totp-browser@example.com")
    assert user.mfa_settings["preferred"] == "SOFTWARE_TOKEN_MFA"

    # Signed in: generate recovery codes (shown once).
    page.goto(f"{endpoint}/mfaRecoveryCodes?client_id={client_id}&lang=en")
    english.expect_heading("recovery")
    page.locator("button[type=submit]").click()
    codes = [item.inner_text() for item in page.locator("#recovery-codes code").all()]
    assert len(codes) == 10
    _shot(page, screenshots, "mfa_recovery_codes", "en")

    english.sign_out()
    english.password("totp-browser@example.com")
    assert _path(page) == "/mfa"
    english.expect_heading("totp")
    expect(page.locator("body")).to_contain_text("Browser phone")
    _shot(page, screenshots, "mfa_software_token", "en")
    # The code that verified the app was spent; the next 30-second step's is accepted.
    english.submit_code(authenticator.at(time.time() + 30))
    assert english.reached_callback()["state"] == "st-123"

    # In Chinese: the code page again, answered with a recovery code.
    chinese = HostedSignIn(page, endpoint, client_id, pool["Id"], client_application, "zh-hans")
    chinese.sign_out()
    chinese.password("totp-browser@example.com")
    chinese.expect_heading("totp")
    _shot(page, screenshots, "mfa_software_token", "zh-hans")
    chinese.submit_code(codes[0])
    assert chinese.reached_callback()["code"]
    assert AuditEvent.objects.filter(user=user, event="mfa_recovery_code_used").count() == 1
    page.goto(f"{endpoint}/mfaRecoveryCodes?client_id={client_id}&lang=zh-hans")
    chinese.expect_heading("recovery")
    _shot(page, screenshots, "mfa_recovery_codes", "zh-hans")

    # The same recovery code is refused the second time.
    chinese.sign_out()
    chinese.password("totp-browser@example.com")
    chinese.submit_code(codes[0])
    assert _path(page) == "/mfa"
    assert page.locator("#id_code-error").inner_text()

    # A second user sees the setup page in Chinese.
    _create_user(idp, pool["Id"], "totp-browser-zh@example.com")
    chinese.sign_out()
    chinese.password("totp-browser-zh@example.com")
    chinese.expect_heading("setup")
    _shot(page, screenshots, "mfa_setup", "zh-hans")


def test_choose_between_email_and_sms_codes(
    page: Page,
    endpoint: str,
    idp: Any,
    app_client: dict[str, Any],
    pool: dict[str, Any],
    screenshots: Path,
    client_application: ClientApplication,
    mailbox: Any,
) -> None:
    idp.set_user_pool_mfa_config(
        UserPoolId=pool["Id"],
        MfaConfiguration="OPTIONAL",
        SmsMfaConfiguration={
            "SmsAuthenticationMessage": "Your code is {####}",
            "SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/sms"},
        },
        EmailMfaConfiguration={"Subject": "Sign-in code"},
    )
    client_id = app_client["ClientId"]
    phone = "+15555550142"
    _create_user(idp, pool["Id"], "choice-browser@example.com", phone_number=phone)
    idp.admin_set_user_mfa_preference(
        UserPoolId=pool["Id"],
        Username="choice-browser@example.com",
        SMSMfaSettings={"Enabled": True},
        EmailMfaSettings={"Enabled": True},
    )
    for language in LANGUAGES:
        person = HostedSignIn(page, endpoint, client_id, pool["Id"], client_application, language)
        person.sign_out()
        person.password("choice-browser@example.com")
        assert _path(page) == "/mfaOption"
        person.expect_heading("select")
        _shot(page, screenshots, "mfa_select", language)
        page.locator("input[value=EMAIL_OTP]").check()
        page.locator("button[type=submit]").click()
        assert _path(page) == "/mfa"
        person.expect_heading("email")
        expect(page.locator("body")).to_contain_text("c***@e***")
        _shot(page, screenshots, "mfa_email", language)
        person.submit_code(mailbox.code_for("choice-browser@example.com"))
        assert person.reached_callback()["code"]

        person.sign_out()
        marker = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        person.password("choice-browser@example.com")
        page.locator("input[value=SMS_MFA]").check()
        page.locator("button[type=submit]").click()
        person.expect_heading("sms")
        expect(page.locator("body")).to_contain_text("+*******0142")
        _shot(page, screenshots, "mfa_sms", language)
        text = wait_for_sms(phone, marker)
        person.submit_code(text.removeprefix("Your code is "))
        assert person.reached_callback()["code"]
