"""Security review of the browser-facing OAuth side: redirect URIs a browser would read
differently from the server, app-scheme callbacks, translated error pages."""

from __future__ import annotations

import requests

from oauth.models import AppClient
from oauth.services.authorize import redirect_uri_registered
from tests.oauth.browser import (
    LOOPBACK_CALLBACK,
    authorize_url,
)

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
