"""Which OAuth requests the hosted pages accept: exactly those /oauth2/authorize accepts
(oauth.services.authorize.validate_authorize_request) — a loopback callback on any port
(RFC 8252 §7.3, RFC 9700 §2.1) — and, on a pool's custom domain, only that pool's clients."""

from __future__ import annotations

import urllib.parse
from typing import Any

from tests.hosted_ui.conftest import PASSWORD, Browser, confirmed_user, query

LOOPBACK_CALLBACK = "http://127.0.0.1/callback"
CUSTOM_DOMAIN = "login.example.org"
CERTIFICATE = {"CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc"}
# Every hosted page that serves an app client.
CLIENT_PAGES = [
    "/login",
    "/signup",
    "/confirmUser",
    "/forgotPassword",
    "/confirmForgotPassword",
    "/resetPassword",
    "/mfa",
    "/mfaOption",
    "/mfaSetup",
    "/mfaRecoveryCodes",
]


def test_a_loopback_callback_on_any_port_signs_in_back_to_that_port(
    browser: Browser, idp: Any, pool: dict[str, Any]
) -> None:
    client_id = idp.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="native app",
        CallbackURLs=[LOOPBACK_CALLBACK],
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email"],
        AllowedOAuthFlowsUserPoolClient=True,
        SupportedIdentityProviders=["COGNITO"],
    )["UserPoolClient"]["ClientId"]
    confirmed_user(idp, pool["Id"], "ada@example.com")
    redirect_uri = "http://127.0.0.1:54321/callback"
    oauth_query = query(client_id, redirect_uri=redirect_uri)

    authorize = browser.client.get(f"/oauth2/authorize?{oauth_query}")
    assert authorize.status_code in (302, 303)
    login_url = authorize["Location"]
    assert urllib.parse.urlsplit(login_url).path == "/login"

    signed_in = browser.submit(login_url, {"username": "ada@example.com", "password": PASSWORD})
    assert signed_in.status_code == 303
    assert urllib.parse.urlsplit(signed_in["Location"]).path == "/oauth2/authorize"

    answered = browser.client.get(signed_in["Location"])
    assert answered.status_code in (302, 303)
    callback = urllib.parse.urlsplit(answered["Location"])
    assert f"{callback.scheme}://{callback.netloc}{callback.path}" == redirect_uri
    params = dict(urllib.parse.parse_qsl(callback.query))
    assert params["code"]
    assert params["state"] == "st-123"

    # Only the port may vary: another path or host is still the error page.
    for wrong in ["http://127.0.0.1:54321/other", "http://127.0.0.2:54321/callback"]:
        page = browser.client.get(f"/login?{query(client_id, redirect_uri=wrong)}")
        assert page.status_code == 400, wrong
        assert "Location" not in page


def test_a_custom_domain_refuses_every_other_pools_client(
    browser: Browser, idp: Any, pool: dict[str, Any], app_client: dict[str, Any]
) -> None:
    idp.create_user_pool_domain(
        UserPoolId=pool["Id"], Domain=CUSTOM_DOMAIN, CustomDomainConfig=CERTIFICATE
    )
    other_pool = idp.create_user_pool(PoolName="other")["UserPool"]["Id"]
    foreign = idp.create_user_pool_client(UserPoolId=other_pool, ClientName="other pool app")[
        "UserPoolClient"
    ]["ClientId"]

    own = browser.client.get(f"/login?{query(app_client['ClientId'])}", HTTP_HOST=CUSTOM_DOMAIN)
    assert own.status_code == 200
    assert 'name="password"' in own.content.decode()
    on_main_origin = browser.client.get(f"/login?client_id={foreign}")
    assert on_main_origin.status_code == 200

    for path in CLIENT_PAGES:
        page = browser.client.get(f"{path}?client_id={foreign}", HTTP_HOST=CUSTOM_DOMAIN)
        assert page.status_code == 404, path
        assert "Location" not in page, path
        assert "The app client does not exist." in page.content.decode(), path
    with_redirect = browser.client.get(f"/login?{query(foreign)}", HTTP_HOST=CUSTOM_DOMAIN)
    assert with_redirect.status_code == 400
    assert "Location" not in with_redirect
    assert "The app client does not exist." in with_redirect.content.decode()
