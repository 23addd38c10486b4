"""A browser for the OAuth tests: requests.Session driving /oauth2/authorize and the real
hosted-UI /login form, never fetching the relying party's callback."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import requests

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CALLBACK = "https://rp.example.com/callback"
LOOPBACK_CALLBACK = "http://127.0.0.1/oauth/callback"
LOGOUT_URL = "https://rp.example.com/signed-out"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def query_of(url: str) -> dict[str, str]:
    """The parameters of a redirect (query, or fragment for implicit responses)."""
    parts = urlsplit(url)
    raw = parts.query or parts.fragment
    return {key: values[0] for key, values in parse_qs(raw, keep_blank_values=True).items()}


def post_login_form(session: requests.Session, url: str, username: str, password: str) -> str:
    """Fill in the sign-in form at ``url`` and return where it redirects."""
    page = session.get(url, allow_redirects=False, timeout=10)
    assert page.status_code == 200, page.text[:500]
    token = CSRF_FIELD.search(page.text)
    assert token is not None, "the sign-in page has a CSRF token"
    posted = session.post(
        url,
        data={"csrfmiddlewaretoken": token.group(1), "username": username, "password": password},
        headers={"Referer": url},
        allow_redirects=False,
        timeout=10,
    )
    assert posted.status_code == 303, posted.text[:500]
    return urljoin(url, posted.headers["Location"])


def follow(
    session: requests.Session,
    url: str,
    *,
    stop_at: str = CALLBACK,
    credentials: tuple[str, str] | None = None,
    method: str = "GET",
    data: dict[str, str] | None = None,
) -> str:
    """Follow redirects from ``url`` until one leaves for ``stop_at`` (returned, not
    fetched). On the sign-in page, posts ``credentials`` once; without them a sign-in
    page is a failure."""
    for _ in range(10):
        if url.startswith(stop_at):
            return url
        response = session.request(method, url, data=data, allow_redirects=False, timeout=10)
        method, data = "GET", None
        if response.status_code in (302, 303):
            url = urljoin(url, response.headers["Location"])
            continue
        if urlsplit(url).path == "/login" and credentials is not None:
            url = post_login_form(session, url, *credentials)
            credentials = None
            continue
        raise AssertionError(f"stopped at {url}: {response.status_code} {response.text[:300]}")
    raise AssertionError("too many redirects")


def authorize_url(base: str, **params: Any) -> str:
    return f"{base}/oauth2/authorize?{urlencode(params)}"


def redeem(
    base: str, client: Any, secret: str | None, code: str, **extra: str
) -> requests.Response:
    """POST /oauth2/token for a code, with client_secret_basic when there is a secret."""
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, **extra}
    auth = (client.client_id, secret) if secret else None
    if auth is None:
        data["client_id"] = client.client_id
    return requests.post(f"{base}/oauth2/token", data=data, auth=auth, timeout=10)
