"""Security review of the browser-facing OAuth side: redirect URIs a browser would read
differently from the server, app-scheme callbacks, translated error pages."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from django.test import Client

from oauth.models import AppClient
from oauth.services.authorize import redirect_uri_registered
from tests.oauth.browser import (
    CALLBACK,
    LOGOUT_URL,
    LOOPBACK_CALLBACK,
    authorize_url,
    follow,
    pkce_pair,
    post_login_form,
    query_of,
    redeem,
)
from tests.oauth.conftest import OAUTH_SCOPES, PASSWORD

APP_CALLBACK = "myapp://callback"
APP_SIGNED_OUT = "myapp://signed-out"


def test_a_loopback_redirect_uri_differs_from_the_registered_one_in_its_port_only() -> None:
    client = AppClient(
        callback_urls=[LOOPBACK_CALLBACK, "http://[::1]/cb", "http://localhost:3000/cb?x=1"]
    )
    for accepted in (
        LOOPBACK_CALLBACK,
        "http://127.0.0.1:51234/oauth/callback",
        "http://[::1]:8080/cb",
        "http://localhost/cb?x=1",
        "http://localhost:4000/cb?x=1",
    ):
        assert redirect_uri_registered(client, accepted), accepted
    for refused in (
        # Browsers read a backslash as "/": the host is evil.example (WHATWG URL §4.4),
        # while urlsplit sees userinfo "evil.example\" and host 127.0.0.1.
        "http://evil.example\\@127.0.0.1/oauth/callback",
        "http://evil.example\\@127.0.0.1:8080/oauth/callback",
        "http://user@127.0.0.1:8080/oauth/callback",
        "http://127.0.0.1:8080@evil.example/oauth/callback",
        "http://127.0.0.1:8080/oauth/callback#fragment",
        "http://127.0.0.1:8080/oauth/callback/",
        "http://127.0.0.1:8080/oauth/Callback",
        "http://127.0.0.1:8080/oauth%2Fcallback",
        "http://127.0.0.1.:8080/oauth/callback",
        "http://LOCALHOST:8080/cb?x=1",
        "HTTP://127.0.0.1:8080/oauth/callback",
        "http://127.0.0.1:+80/oauth/callback",
        "http://127.0.0.1:99999/oauth/callback",
        "http://127.0.0.1:8080/oauth/cal\tlback",
        " http://127.0.0.1:8080/oauth/callback",
        "http://localhost:4000/cb?x=2",
        "http://localhost:4000/cb",
        "http://127.0.0.1:3000/cb?x=1",
        "https://127.0.0.1:8080/oauth/callback",
        "http://127.0.0.2:8080/oauth/callback",
    ):
        assert not redirect_uri_registered(client, refused), refused


def test_authorize_never_sends_a_code_to_a_backslash_loopback_lookalike(
    public_url: str, oauth_client: tuple[AppClient, str]
) -> None:
    client, _ = oauth_client
    response = requests.get(
        authorize_url(
            public_url,
            client_id=client.client_id,
            response_type="code",
            redirect_uri="http://evil.example\\@127.0.0.1/oauth/callback",
        ),
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_an_app_scheme_callback_gets_its_code_errors_and_sign_out(
    public_url: str, make_client: Callable[..., AppClient], make_user: Callable[..., Any]
) -> None:
    """``myapp://callback`` is a valid CallbackURL (RFC 8252 §7.1); Django's redirect
    refused its scheme, so every answer to a mobile app was a 400."""
    make_user("ada@example.com")
    app = make_client(
        ClientName="mobile",
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=OAUTH_SCOPES,
        CallbackURLs=[APP_CALLBACK],
        LogoutURLs=[APP_SIGNED_OUT],
    )
    verifier, challenge = pkce_pair()
    request = {
        "client_id": app.client_id,
        "redirect_uri": APP_CALLBACK,
        "response_type": "code",
        "scope": "openid",
        "state": "mobile-1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    browser = requests.Session()
    silent = browser.get(
        authorize_url(public_url, prompt="none", **request), allow_redirects=False, timeout=10
    )
    assert silent.status_code == 303
    assert query_of(silent.headers["Location"])["error"] == "login_required"
    from_login_page = browser.get(
        f"{public_url}/login?{urlencode({**request, 'scope': 'nothing/allowed'})}",
        allow_redirects=False,
        timeout=10,
    )
    assert from_login_page.status_code == 303
    assert from_login_page.headers["Location"].startswith(APP_CALLBACK + "?error=invalid_scope")

    callback = follow(
        browser,
        authorize_url(public_url, **request),
        stop_at=APP_CALLBACK,
        credentials=("ada@example.com", PASSWORD),
    )
    answer = query_of(callback)
    assert answer["state"] == "mobile-1"
    redeemed = requests.post(
        f"{public_url}/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "client_id": app.client_id,
            "code": answer["code"],
            "redirect_uri": APP_CALLBACK,
            "code_verifier": verifier,
        },
        timeout=10,
    )
    assert redeemed.status_code == 200, redeemed.text
    assert {"access_token", "id_token", "refresh_token"} <= set(redeemed.json())

    sign_out = urlencode({"client_id": app.client_id, "logout_uri": APP_SIGNED_OUT})
    signed_out = browser.get(
        f"{public_url}/logout?{sign_out}",
        allow_redirects=False,
        timeout=10,
    )
    assert signed_out.status_code == 303
    assert signed_out.headers["Location"] == APP_SIGNED_OUT
    again = browser.get(
        authorize_url(public_url, prompt="none", **request), allow_redirects=False, timeout=10
    )
    assert query_of(again.headers["Location"])["error"] == "login_required"


def test_the_oauth_error_pages_speak_the_page_language(
    oauth_client: tuple[AppClient, str], pool: dict[str, Any]
) -> None:
    client, _ = oauth_client
    browser = Client()

    def page(path: str, language: str = "zh-hans", **params: str) -> str:
        response = browser.get(f"{path}?{urlencode(params)}", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code in (400, 404), (path, params)
        assert "Location" not in response
        assert response["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
        return str(response.content.decode())

    authorize = {"client_id": client.client_id, "response_type": "code"}
    assert "该应用客户端不存在。" in page(
        "/oauth2/authorize", **{**authorize, "client_id": "nope", "redirect_uri": CALLBACK}
    )
    assert "必须提供 redirect_uri 参数。" in page("/oauth2/authorize", **authorize)
    assert "必须提供 client_id 参数。" in page("/oauth2/authorize", redirect_uri=CALLBACK)
    assert "该 redirect_uri 未在此应用客户端中注册。" in page(
        "/oauth2/authorize", **authorize, redirect_uri="https://evil.example/cb"
    )
    assert "该应用客户端不存在。" in page("/logout", client_id="nope", logout_uri=LOGOUT_URL)
    assert "该 logout_uri 未在此应用客户端中注册。" in page(
        "/logout", client_id=client.client_id, logout_uri="https://evil.example/"
    )
    assert "该 redirect_uri 未在此应用客户端中注册。" in page(
        "/logout", **authorize, redirect_uri="https://evil.example/cb"
    )
    assert "必须提供 logout_uri 或 redirect_uri。" in page("/logout", client_id=client.client_id)
    # lang= wins over Accept-Language, as on the hosted pages.
    assert "A logout_uri or a redirect_uri is required." in page(
        "/logout", client_id=client.client_id, lang="en"
    )
    end_session = f"/{pool['Id']}/logout"
    assert "使用 post_logout_redirect_uri 时必须提供 id_token_hint。" in page(
        end_session, post_logout_redirect_uri=LOGOUT_URL
    )
    assert "id_token_hint 无效。" in page(end_session, id_token_hint="not.a.token")
    assert "该用户池不存在。" in page("/us-east-1_NoSuchPl/logout")
    assert "The user pool does not exist." in page("/us-east-1_NoSuchPl/logout", language="en")


def test_a_fresh_sign_in_satisfies_max_age_however_slow_the_redirect(
    public_url: str, oauth_client: tuple[AppClient, str], make_user: Callable[..., Any]
) -> None:
    """max_age=0 asks for a sign-in now (OIDC Core §3.1.2.1); the way back to
    /oauth2/authorize must not measure it again, or a redirect taking a second loops."""
    client, secret = oauth_client
    make_user("ada@example.com")
    browser = requests.Session()
    start = authorize_url(
        public_url,
        client_id=client.client_id,
        redirect_uri=CALLBACK,
        response_type="code",
        scope="openid",
        max_age="0",
    )
    to_login = browser.get(start, allow_redirects=False, timeout=10)
    assert to_login.headers["Location"].startswith("/login?")
    back = post_login_form(
        browser, public_url + to_login.headers["Location"], "ada@example.com", PASSWORD
    )
    time.sleep(1.1)
    answer = browser.get(back, allow_redirects=False, timeout=10)
    assert answer.headers["Location"].startswith(CALLBACK)
    tokens = redeem(public_url, client, secret, query_of(answer.headers["Location"])["code"])
    id_token = jwt.decode(tokens.json()["id_token"], options={"verify_signature": False})
    assert time.time() - id_token["auth_time"] < 10


def test_prompt_none_never_shows_the_sign_in_form(
    public_url: str, oauth_client: tuple[AppClient, str], make_user: Callable[..., Any]
) -> None:
    """/logout with a redirect_uri sends the browser to /login with the whole request,
    prompt=none included; /login hands such a request back to /oauth2/authorize, which
    answers login_required instead of a page."""
    client, secret = oauth_client
    make_user("ada@example.com")
    request = {
        "client_id": client.client_id,
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "openid",
        "state": "quiet",
    }
    browser = requests.Session()
    follow(browser, authorize_url(public_url, **request), credentials=("ada@example.com", PASSWORD))
    silent = {**request, "prompt": "none"}
    after_logout = query_of(follow(browser, f"{public_url}/logout?{urlencode(silent)}"))
    assert after_logout == {
        "error": "login_required",
        "error_description": "The user is not signed in.",
        "state": "quiet",
        "iss": f"{public_url}/{client.pool_id}",
    }
    direct = query_of(follow(requests.Session(), f"{public_url}/login?{urlencode(silent)}"))
    assert direct["error"] == "login_required"
    # Signed in, prompt=none on /login gets the code without a page.
    follow(browser, authorize_url(public_url, **request), credentials=("ada@example.com", PASSWORD))
    code = query_of(follow(browser, f"{public_url}/login?{urlencode(silent)}"))["code"]
    assert redeem(public_url, client, secret, code).status_code == 200


def test_userinfo_takes_the_access_token_from_the_header_or_body_never_the_query(
    public_url: str, oauth_client: tuple[AppClient, str], make_user: Callable[..., Any]
) -> None:
    """A token in the URL ends up in logs and Referers (RFC 6750 §2.3, RFC 9700 §2.4)."""
    client, secret = oauth_client
    make_user("ada@example.com")
    callback = follow(
        requests.Session(),
        authorize_url(
            public_url,
            client_id=client.client_id,
            redirect_uri=CALLBACK,
            response_type="code",
            scope="openid",
        ),
        credentials=("ada@example.com", PASSWORD),
    )
    access_token = redeem(public_url, client, secret, query_of(callback)["code"]).json()[
        "access_token"
    ]
    url = f"{public_url}/oauth2/userInfo"
    in_query = requests.get(f"{url}?{urlencode({'access_token': access_token})}", timeout=10)
    assert in_query.status_code == 401
    assert "sub" not in in_query.json()
    assert in_query.headers["Cache-Control"] == "no-store"
    twice = requests.post(
        url,
        data={"access_token": access_token},
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    )
    assert twice.status_code == 400
    assert twice.json()["error"] == "invalid_request"
    assert requests.get(url, headers={"Authorization": f"bearer {access_token}"}, timeout=10).ok
