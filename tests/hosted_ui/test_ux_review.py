"""The hosted pages as a person meets them after a mistake, in English and Chinese: labels
stay what the pool signs in with, every service message on a zh-Hans page is Chinese, links
keep the chosen language, and signing out from the signed-in page works for every client."""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.hosted_ui.conftest import PASSWORD, Browser, confirmed_user, query


def _text(response: Any) -> str:
    return str(response.content.decode())


def _label(html: str, field: str) -> str:
    match = re.search(rf'<label for="id_{field}" class="label-customizable">([^<]*)</label>', html)
    assert match, f"no label for {field}"
    return match.group(1)


def test_the_username_label_stays_the_sign_in_attribute_after_an_error(
    browser: Browser, app_client: dict[str, Any]
) -> None:
    # The seed pool signs in with the email address (UsernameAttributes ["email"]).
    oauth_query = query(app_client["ClientId"])
    failed_posts = {
        "/login": {"username": "nobody@example.com", "password": PASSWORD},
        "/confirmUser": {"username": "nobody@example.com", "code": "123456"},
        "/forgotPassword": {"username": "nobody@example.com"},
        "/confirmForgotPassword": {
            "username": "nobody@example.com",
            "code": "123456",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    }
    for path, data in failed_posts.items():
        url = f"{path}?{oauth_query}"
        assert _label(_text(browser.client.get(url)), "username") == "Email", path
        failed = browser.submit(url, data)
        assert failed.status_code == 200, path
        html = _text(failed)
        assert "errorMessage-customizable" in html, path
        assert _label(html, "username") == "Email", path
        assert 'value="nobody@example.com"' in html, path  # what was typed is kept
    chinese = browser.submit(
        f"/login?{oauth_query}&lang=zh-hans",
        {"username": "nobody@example.com", "password": PASSWORD},
    )
    assert _label(_text(chinese), "username") == "电子邮件"


def test_sign_up_refuses_a_username_the_api_would_refuse(browser: Browser, idp: Any) -> None:
    plain_pool = idp.create_user_pool(PoolName="plain-usernames")["UserPool"]
    client_id = idp.create_user_pool_client(UserPoolId=plain_pool["Id"], ClientName="plain")[
        "UserPoolClient"
    ]["ClientId"]
    signup_url = f"/signup?client_id={client_id}"
    refused = {
        "john doe": "A username cannot contain spaces or control characters.",
        "tab\there": "A username cannot contain spaces or control characters.",
        "x" * 129: "A username can have at most 128 characters.",
    }
    for username, message in refused.items():
        page = browser.submit(signup_url, {"username": username, "password": "Passw0rd!"})
        assert page.status_code == 200, username
        html = _text(page)
        assert f'id="id_username-error">{message}</p>' in html, username
        assert 'aria-describedby="id_username-error"' in html
    chinese = browser.submit(
        f"{signup_url}&lang=zh-hans", {"username": "john doe", "password": "Passw0rd!"}
    )
    assert 'id="id_username-error">用户名不能包含空格或控制字符。</p>' in _text(chinese)
    assert idp.list_users(UserPoolId=plain_pool["Id"])["Users"] == []
    # Letters of any script, symbols and punctuation are a username, as in the API.
    accepted = browser.submit(signup_url, {"username": "李雷_o'brien", "password": "Passw0rd!"})
    assert accepted.status_code == 303
    user = idp.admin_get_user(UserPoolId=plain_pool["Id"], Username="李雷_o'brien")
    assert user["UserStatus"] == "UNCONFIRMED"


def _visible_text(html: str) -> str:
    """What a person reads: the page body without markup, the language links or the
    app's name."""
    body = html.split('<div class="content">', 1)[1].split('<nav class="languages"', 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def _english_words(html: str) -> list[str]:
    text = re.sub(r"\S+@\S+", " ", _visible_text(html))  # the addresses typed
    return re.findall(r"[A-Za-z]{3,}", text)


def test_service_refusals_on_chinese_pages_are_chinese(
    browser: Browser, app_client: dict[str, Any], idp: Any, pool: dict[str, Any]
) -> None:
    # Confirmed, with an email nobody verified: no code can reset its password.
    confirmed_user(idp, pool["Id"], "unverified@example.com")
    chinese = query(app_client["ClientId"], lang="zh-hans")
    english = query(app_client["ClientId"])

    no_channel = browser.submit(
        f"/forgotPassword?{chinese}", {"username": "unverified@example.com"}
    )
    html = _text(no_channel)
    assert 'id="id_username-error">无法重置该用户的密码' in html
    assert _english_words(html) == []
    in_english = browser.submit(
        f"/forgotPassword?{english}", {"username": "unverified@example.com"}
    )
    assert "Cannot reset password for the user as there is no registered/verified email" in _text(
        in_english
    )

    # Confirming an account that is already confirmed (a second click, a second tab).
    again = browser.submit(
        f"/confirmUser?{chinese}", {"username": "unverified@example.com", "code": "123456"}
    )
    html = _text(again)
    assert "无法确认该用户：该账户已确认，请直接登录。" in html  # noqa: RUF001
    assert _english_words(html) == []


def test_schema_and_alias_refusals_at_sign_up_are_translated(browser: Browser, idp: Any) -> None:
    alias_pool = idp.create_user_pool(
        PoolName="alias-birthdate",
        AliasAttributes=["email"],
        AutoVerifiedAttributes=["email"],
        Schema=[{"Name": "birthdate", "AttributeDataType": "String", "Required": True}],
    )["UserPool"]
    client_id = idp.create_user_pool_client(UserPoolId=alias_pool["Id"], ClientName="alias")[
        "UserPoolClient"
    ]["ClientId"]
    fields = {"email": "ming@example.com", "password": "Passw0rd!x"}

    short_date = browser.submit(
        f"/signup?client_id={client_id}&lang=zh-hans",
        {"username": "ming", "birthdate": "1990/1/1", **fields},
    )
    html = _text(short_date)
    assert 'id="id_birthdate-error">属性不符合架构：出生日期: 长度不能少于 10 个字符</p>' in html  # noqa: RUF001
    assert _english_words(html) == []
    in_english = browser.submit(
        f"/signup?client_id={client_id}", {"username": "ming", "birthdate": "1990/1/1", **fields}
    )
    assert (
        'id="id_birthdate-error">Attributes did not conform to the schema: '
        "Birthdate: String must be no shorter than 10 characters</p>"
    ) in _text(in_english)

    email_shaped = browser.submit(
        f"/signup?client_id={client_id}&lang=zh-hans",
        {"username": "ming@example.com", "birthdate": "1990-01-01", **fields},
    )
    html = _text(email_shaped)
    assert 'id="id_username-error">用户名不能是电子邮件地址格式' in html
    assert _english_words(html) == []


def test_signing_out_from_the_signed_in_page_works_without_logout_urls(
    browser: Browser, idp: Any, pool: dict[str, Any]
) -> None:
    # An app client with no OAuth settings at all: Cognito's /logout refuses it.
    client_id = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="no-oauth")[
        "UserPoolClient"
    ]["ClientId"]
    confirmed_user(idp, pool["Id"], "lin@example.com")
    login = f"/login?client_id={client_id}&lang=zh-hans"
    signed_in = browser.submit(login, {"username": "lin@example.com", "password": PASSWORD})
    page = _text(browser.client.get(signed_in["Location"]))
    assert "您已以 lin@example.com 身份登录。" in page
    sign_out = re.search(r'href="([^"]+)">退出登录</a>', page)
    assert sign_out, page

    signed_out = browser.client.get(sign_out.group(1).replace("&amp;", "&"))
    assert signed_out.status_code == 200
    html = _text(signed_out)
    assert "您已退出登录" in html
    assert _english_words(html) == []
    sign_in_again = re.search(r'href="([^"]+)">登录</a>', html)
    assert sign_in_again, html
    again = browser.client.get(sign_in_again.group(1).replace("&amp;", "&"))
    assert again.status_code == 200
    assert "使用用户名和密码登录" in _text(again)  # the form again, still in Chinese
    assert 'name="password"' in _text(again)


def test_the_authenticator_setup_page_is_chinese_down_to_the_qr_codes_name(
    browser: Browser, app_client: dict[str, Any], idp: Any, pool: dict[str, Any]
) -> None:
    idp.set_user_pool_mfa_config(
        UserPoolId=pool["Id"],
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="ON",
    )
    confirmed_user(idp, pool["Id"], "mei@example.com")
    login = f"/login?{query(app_client['ClientId'], lang='zh-hans')}"
    to_setup = browser.submit(login, {"username": "mei@example.com", "password": PASSWORD})
    assert urllib.parse.urlsplit(to_setup["Location"]).path == "/mfaSetup"
    wrong = browser.submit(to_setup["Location"], {"code": "000000", "device_name": ""})
    html = _text(wrong)
    # The SVG's <title> is what a screen reader announces for the QR code.
    assert "<title>二维码</title>" in html
    assert 'id="id_code-error">验证码不正确' in html
    # The brand names of the apps suggested and the grouped secret are the only Latin text.
    body = re.sub(r'<code id="totp-secret">[^<]+</code>', " ", html)
    brands = {"Google", "Authenticator", "Microsoft", "Password"}
    assert set(_english_words(body)) <= brands
    english = browser.client.get(to_setup["Location"].replace("lang=zh-hans", "lang=en"))
    assert "<title>QR code</title>" in _text(english)


def test_a_wrong_sign_in_code_is_refused_in_chinese(
    browser: Browser, app_client: dict[str, Any], idp: Any, pool: dict[str, Any]
) -> None:
    idp.set_user_pool_mfa_config(
        UserPoolId=pool["Id"],
        EmailMfaConfiguration={"Message": "Code {####}", "Subject": "Code"},
        MfaConfiguration="ON",
    )
    idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username="wei@example.com",
        UserAttributes=[
            {"Name": "email", "Value": "wei@example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=pool["Id"], Username="wei@example.com", Password=PASSWORD, Permanent=True
    )
    login = f"/login?{query(app_client['ClientId'], lang='zh-hans')}"
    to_code = browser.submit(login, {"username": "wei@example.com", "password": PASSWORD})
    assert urllib.parse.urlsplit(to_code["Location"]).path == "/mfa"
    wrong = browser.submit(to_code["Location"], {"code": "not-a-code"})
    html = _text(wrong)
    assert 'id="id_code-error">验证码不正确或登录状态已失效，请重试。</p>' in html  # noqa: RUF001
    assert 'aria-invalid="true"' in html
    assert _english_words(html) == []


def test_code_mails_from_chinese_pages_are_chinese_and_the_api_keeps_english(
    browser: Browser, app_client: dict[str, Any], idp_public: Any, mailbox: Any
) -> None:
    # No `locale` attribute anywhere: the page's language chooses the mail's.
    chinese = query(app_client["ClientId"], lang="zh-hans")
    signed_up = browser.submit(
        f"/signup?{chinese}", {"email": "hua@example.com", "password": PASSWORD}
    )
    assert signed_up.status_code == 303
    sign_up_mail = mailbox.wait_for("hua@example.com")
    assert sign_up_mail.subject == "您的验证码"
    assert sign_up_mail.body.startswith("您的验证码是 ")

    confirm_url = signed_up["Location"]
    resent = browser.submit(confirm_url, {"action": "resend", "username": "hua@example.com"})
    assert resent.status_code == 303
    resent_mail = mailbox.wait_for("hua@example.com")
    assert resent_mail.subject == "您的验证码"
    code = re.search(r"\d{6}", resent_mail.body)
    assert code
    confirmed = browser.submit(confirm_url, {"username": "hua@example.com", "code": code.group(0)})
    assert confirmed.status_code == 303

    forgot = browser.submit(f"/forgotPassword?{chinese}", {"username": "hua@example.com"})
    assert forgot.status_code == 303
    assert mailbox.wait_for("hua@example.com").subject == "您的密码重置验证码"

    # The JSON API has no page language: SignUp's mail stays English.
    idp_public.sign_up(
        ClientId=app_client["ClientId"],
        Username="api@example.com",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "api@example.com"}],
    )
    api_mail = mailbox.wait_for("api@example.com")
    assert api_mail.subject == "Your verification code"
    assert api_mail.body.startswith("Your verification code is ")


def test_new_passwords_with_blank_ends_are_refused_on_every_page_as_by_the_api(
    browser: Browser,
    app_client: dict[str, Any],
    idp: Any,
    idp_public: Any,
    pool: dict[str, Any],
    mailbox: Any,
) -> None:
    # Cognito's password pattern ^[\S]+.*[\S]+$: inner spaces are fine, blank ends are not.
    english_error = 'id="id_password-error">A password cannot begin or end with a space.</p>'
    chinese_error = 'id="id_password-error">密码的开头和结尾不能是空格。</p>'
    padded = (f" {PASSWORD}", f"{PASSWORD} ", f"\t{PASSWORD}")
    with pytest.raises(ClientError) as refused:
        idp_public.sign_up(
            ClientId=app_client["ClientId"],
            Username="padded@example.com",
            Password=padded[0],
            UserAttributes=[{"Name": "email", "Value": "padded@example.com"}],
        )
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "^[\\S]+.*[\\S]+$" in refused.value.response["Error"]["Message"]

    english = query(app_client["ClientId"])
    chinese = query(app_client["ClientId"], lang="zh-hans")
    for password in padded:
        page = browser.submit(
            f"/signup?{english}", {"email": "padded@example.com", "password": password}
        )
        assert english_error in _text(page), repr(password)
        assert 'aria-describedby="id_password-error password-rules"' in _text(page)
    page = browser.submit(
        f"/signup?{chinese}", {"email": "padded@example.com", "password": padded[1]}
    )
    assert chinese_error in _text(page)
    # Browsers drop line breaks from password inputs; a hand-made post keeps them.
    line_break = browser.submit(
        f"/signup?{english}", {"email": "padded@example.com", "password": "Correct\nHorse-9-B"}
    )
    assert 'id="id_password-error">A password cannot contain a line break.</p>' in _text(line_break)
    assert idp.list_users(UserPoolId=pool["Id"])["Users"] == []
    inner_space = browser.submit(
        f"/signup?{english}", {"email": "inner@example.com", "password": "Correct horse 9 B!"}
    )
    assert inner_space.status_code == 303

    # The reset page (ConfirmForgotPassword).
    idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username="reset@example.com",
        UserAttributes=[
            {"Name": "email", "Value": "reset@example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
        TemporaryPassword=PASSWORD,
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=pool["Id"], Username="reset@example.com", Password=PASSWORD, Permanent=True
    )
    forgot = browser.submit(f"/forgotPassword?{chinese}", {"username": "reset@example.com"})
    assert forgot.status_code == 303
    code = mailbox.code_for("reset@example.com")
    reset = browser.submit(
        f"/confirmForgotPassword?{chinese}",
        {
            "username": "reset@example.com",
            "code": code,
            "password": padded[0],
            "password_again": padded[0],
        },
    )
    assert chinese_error in _text(reset)

    # The NEW_PASSWORD_REQUIRED page of a user an administrator created.
    idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username="new@example.com",
        UserAttributes=[{"Name": "email", "Value": "new@example.com"}],
        TemporaryPassword=PASSWORD,
        MessageAction="SUPPRESS",
    )
    to_new_password = browser.submit(
        f"/login?{english}", {"username": "new@example.com", "password": PASSWORD}
    )
    new_password_url = to_new_password["Location"]
    assert urllib.parse.urlsplit(new_password_url).path == "/resetPassword"
    refused_page = browser.submit(
        new_password_url, {"password": padded[1], "password_again": padded[1]}
    )
    assert english_error in _text(refused_page)
    accepted = browser.submit(
        new_password_url, {"password": f"new {PASSWORD}", "password_again": f"new {PASSWORD}"}
    )
    assert accepted.status_code == 303


def _account_fields(html: str) -> list[str]:
    """The autocomplete="username" inputs of the page's form, as tags."""
    form = re.search(r'<form method="post".*?</form>', html, re.DOTALL)
    assert form, "no form"
    return re.findall(r'<input[^>]*autocomplete="username"[^>]*>', form.group(0))


def test_password_managers_learn_which_account_a_new_password_or_authenticator_is_for(
    browser: Browser, app_client: dict[str, Any], idp: Any
) -> None:
    # Chromium's "Create Amazing Password Forms": a form setting a password (or an
    # authenticator) for an account it does not ask the name of carries it, hidden.
    plain_pool = idp.create_user_pool(
        PoolName="plain-names",
        MfaConfiguration="ON",
    )["UserPool"]
    idp.set_user_pool_mfa_config(
        UserPoolId=plain_pool["Id"],
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="ON",
    )
    client_id = idp.create_user_pool_client(UserPoolId=plain_pool["Id"], ClientName="plain")[
        "UserPoolClient"
    ]["ClientId"]
    idp.admin_create_user(
        UserPoolId=plain_pool["Id"],
        Username="kai",
        UserAttributes=[{"Name": "email", "Value": "kai@example.com"}],
        TemporaryPassword=PASSWORD,
        MessageAction="SUPPRESS",
    )
    # The name typed at sign-in, which the password manager saved there; the pages greet
    # the user by email, which cannot sign in to this pool (no alias).
    to_new_password = browser.submit(
        f"/login?client_id={client_id}", {"username": "kai", "password": PASSWORD}
    )
    new_password_url = to_new_password["Location"]
    assert urllib.parse.urlsplit(new_password_url).path == "/resetPassword"
    for html in (
        _text(browser.client.get(new_password_url)),
        _text(browser.submit(new_password_url, {"password": "short", "password_again": "x"})),
    ):
        assert "kai@example.com" in html
        (field,) = _account_fields(html)
        assert 'value="kai"' in field
        assert " hidden" in field
        assert " readonly" in field
        assert 'type="text"' in field  # autofill ignores type="hidden" inputs
    new_password = f"new {PASSWORD}"
    to_setup = browser.submit(
        new_password_url, {"password": new_password, "password_again": new_password}
    )
    assert urllib.parse.urlsplit(to_setup["Location"]).path == "/mfaSetup"
    (field,) = _account_fields(_text(browser.client.get(to_setup["Location"])))
    assert 'value="kai"' in field
    assert " hidden" in field

    # The reset page asks for the name itself, in a field marked as the username.
    reset_page = _text(
        browser.client.get(f"/confirmForgotPassword?{query(app_client['ClientId'])}")
    )
    (field,) = _account_fields(reset_page)
    assert 'name="username"' in field
    assert " hidden" not in field
