"""Fixtures for the hosted UI: an OAuth app client on the seed-shaped pool, and a browser-like
Django test client that enforces CSRF and reads forms the way a person fills them in."""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

import pytest
from django.test import Client

CALLBACK_URL = "https://app.example/callback"
LOGOUT_URL = "https://app.example/signed-out"
PASSWORD = "Correct-Horse-9-Battery"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def app_client(idp: Any, pool: dict[str, Any]) -> dict[str, Any]:
    """A public OAuth client of the seed pool (code flow, openid email)."""
    response = idp.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="Hosted UI app",
        CallbackURLs=[CALLBACK_URL],
        LogoutURLs=[LOGOUT_URL],
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email"],
        AllowedOAuthFlowsUserPoolClient=True,
        SupportedIdentityProviders=["COGNITO"],
        ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH"],
    )
    return dict(response["UserPoolClient"])


class Browser:
    """Django's test client with CSRF enforced, posting forms with their token."""

    def __init__(self) -> None:
        self.client = Client(enforce_csrf_checks=True)

    def submit(self, url: str, data: dict[str, str]) -> Any:
        """GET ``url`` for its form's CSRF token, then POST ``data`` to it."""
        page = self.client.get(url)
        assert page.status_code == 200, page.content[:500]
        match = CSRF_FIELD.search(page.content.decode())
        assert match, "the page has no CSRF token"
        return self.client.post(url, {**data, "csrfmiddlewaretoken": match.group(1)})


def confirmed_user(idp: Any, pool_id: str, email: str) -> None:
    """A confirmed user signing in with ``email`` and PASSWORD, created as an administrator
    would (no invitation mail)."""
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        UserAttributes=[{"Name": "email", "Value": email}],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=email, Password=PASSWORD, Permanent=True
    )


@pytest.fixture
def browser() -> Browser:
    return Browser()


def query(client_id: str, **extra: str) -> str:
    params = {
        "client_id": client_id,
        "response_type": "code",
        "scope": "openid email",
        "redirect_uri": CALLBACK_URL,
        "state": "st-123",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
        **extra,
    }
    return urllib.parse.urlencode(params)
