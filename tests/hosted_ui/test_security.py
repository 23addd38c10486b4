"""Hosted UI security: CSRF on every form, headers that forbid framing and third-party
loads, no CORS, and no open redirect — an unregistered redirect_uri gets the error page."""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest
from botocore.exceptions import ClientError
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from tests.hosted_ui.conftest import CALLBACK_URL, PASSWORD, Browser, confirmed_user, query

FORM_PAGES = ["/login", "/signup", "/confirmUser", "/forgotPassword", "/confirmForgotPassword"]


def test_every_form_refuses_a_post_without_the_csrf_token(app_client: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    oauth_query = query(app_client["ClientId"])
    for path in FORM_PAGES:
        page = client.get(f"{path}?{oauth_query}")
        assert 'name="csrfmiddlewaretoken"' in page.content.decode(), path
        refused = client.post(
            f"{path}?{oauth_query}", {"username": "a@example.com", "password": PASSWORD}
        )
        assert refused.status_code == 403, path
    forged = client.post(
        f"/login?{oauth_query}",
        {"username": "a@example.com", "password": PASSWORD, "csrfmiddlewaretoken": "x" * 64},
    )
    assert forged.status_code == 403


def test_pages_forbid_framing_and_third_party_loads_and_get_no_cors(
    browser: Browser, app_client: dict[str, Any]
) -> None:
    page = browser.client.get(
        f"/login?{query(app_client['ClientId'])}", HTTP_ORIGIN="https://evil.example"
    )
    policy = page["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert page["X-Frame-Options"] == "DENY"
    # Never a Referer to another origin; same-origin keeps the Origin header on form posts.
    assert page["Referrer-Policy"] == "same-origin"
    assert page["Cache-Control"] == "no-store"
    assert "Access-Control-Allow-Origin" not in page
    html = page.content.decode()
    assert "<script" not in html
    assert "http://" not in html.replace(CALLBACK_URL, "")
    assert "https://" not in html.replace(urllib.parse.quote(CALLBACK_URL, safe=""), "")


def test_an_unregistered_redirect_uri_gets_the_error_page_never_a_redirect(
    browser: Browser, app_client: dict[str, Any]
) -> None:
    client_id = app_client["ClientId"]
    for path in ["/login", "/signup", "/forgotPassword"]:
        for redirect_uri in [
            "https://evil.example/callback",
            CALLBACK_URL + "/extra",
            CALLBACK_URL.upper(),
            CALLBACK_URL + "?next=https://evil.example",
        ]:
            page = browser.client.get(
                f"{path}?{query(client_id, redirect_uri=redirect_uri, lang='zh-hans')}"
            )
            assert page.status_code == 400, (path, redirect_uri)
            assert "Location" not in page
            assert "该 redirect_uri 未在此应用客户端中注册。" in page.content.decode()
    unknown = browser.client.get(f"/login?{query('no-such-client')}")
    assert unknown.status_code in (400, 404)
    assert "Location" not in unknown
    missing = browser.client.get("/login")
    assert missing.status_code == 400
    assert "client_id" in missing.content.decode()


def test_a_redirectable_error_goes_only_to_the_registered_callback(
    browser: Browser, app_client: dict[str, Any]
) -> None:
    page = browser.client.get(f"/login?{query(app_client['ClientId'], response_type='bogus')}")
    assert page.status_code == 303
    assert page["Referrer-Policy"] == "no-referrer"
    target = urllib.parse.urlsplit(page["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == CALLBACK_URL
    params = dict(urllib.parse.parse_qsl(target.query))
    assert params["error"] == "unsupported_response_type"
    assert params["state"] == "st-123"


def test_customization_assets_are_served_from_our_origin_only(
    browser: Browser, app_client: dict[str, Any]
) -> None:
    missing = browser.client.get("/ui/us-east-1_nothing/ALL/style/1.css")
    assert missing.status_code == 404
    missing_logo = browser.client.get("/ui/us-east-1_nothing/ALL/logo/1")
    assert missing_logo.status_code == 404


def test_a_planted_session_id_is_worthless_once_the_password_is_checked(
    browser: Browser, app_client: dict[str, Any], idp: Any, pool: dict[str, Any]
) -> None:
    """Session fixation (OWASP ASVS 3.2.1): the half-done sign-in a challenge page
    continues (here NEW_PASSWORD_REQUIRED, likewise MFA and MFA_SETUP) lives in the Django
    session, so the key is rotated as soon as the password is right, not only at the
    end — else whoever planted the session id could choose the new password."""
    idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username="fixed@example.com",
        TemporaryPassword="Temporary-Pass-1",
        UserAttributes=[{"Name": "email", "Value": "fixed@example.com"}],
        MessageAction="SUPPRESS",
    )
    planted = SessionStore()
    planted.create()
    planted_key = str(planted.session_key)
    browser.client.cookies[settings.SESSION_COOKIE_NAME] = planted_key
    challenged = browser.submit(
        f"/login?{query(app_client['ClientId'])}",
        {"username": "fixed@example.com", "password": "Temporary-Pass-1"},
    )
    assert urllib.parse.urlsplit(challenged["Location"]).path == "/resetPassword"
    assert browser.client.cookies[settings.SESSION_COOKIE_NAME].value != planted_key

    attacker = Browser()
    attacker.client.cookies[settings.SESSION_COOKIE_NAME] = planted_key
    hijack = attacker.client.get(challenged["Location"])
    assert hijack.status_code == 303
    assert urllib.parse.urlsplit(hijack["Location"]).path == "/login"
    assert browser.client.get(challenged["Location"]).status_code == 200


@pytest.mark.usefixtures("lockout_clock")  # the lock outlasts a slow request
def test_the_hosted_login_counts_toward_the_same_lockout_as_the_api(
    browser: Browser, app_client: dict[str, Any], idp: Any, pool: dict[str, Any]
) -> None:
    confirmed_user(idp, pool["Id"], "guessed@example.com")
    login_url = f"/login?{query(app_client['ClientId'])}"
    for _ in range(6):
        wrong = browser.submit(login_url, {"username": "guessed@example.com", "password": "x1"})
        assert wrong.status_code == 200
    right = browser.submit(login_url, {"username": "guessed@example.com", "password": PASSWORD})
    assert right.status_code == 200
    assert "Password attempts exceeded" in right.content.decode()
    assert f"tessera_{pool['Id']}" not in right.cookies
    # The count is the user's, whichever client or path made it.
    api_client = idp.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="api",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"],
    )["UserPoolClient"]
    with pytest.raises(ClientError) as refused:
        idp.admin_initiate_auth(
            UserPoolId=pool["Id"],
            ClientId=api_client["ClientId"],
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "guessed@example.com", "PASSWORD": PASSWORD},
        )
    assert refused.value.response["Error"]["Message"] == "Password attempts exceeded"
