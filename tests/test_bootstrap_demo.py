"""`manage.py bootstrap_demo`, which `make run` calls: idempotent, and prints what it made."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command

from accounts.models import UserPool
from oauth.models import AppClient


def _run() -> str:
    out = StringIO()
    call_command("bootstrap_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_bootstrap_demo_is_idempotent_and_prints_ids_and_sign_in_url() -> None:
    first = _run()
    second = _run()

    pool = UserPool.objects.get(name="tessera-demo")
    client = AppClient.objects.get(pool=pool)
    assert UserPool.objects.count() == 1
    assert first == second
    assert f"Demo user pool id:   {pool.id}" in first
    assert f"Demo app client id:  {client.client_id}" in first
    assert re.fullmatch(r"[a-z0-9]{26}", client.client_id)

    sign_in = re.search(r"Hosted UI sign-in:\s+(\S+)", first)
    assert sign_in is not None
    url = urlsplit(sign_in.group(1))
    assert f"{url.scheme}://{url.netloc}" == settings.PUBLIC_URL
    assert url.path == "/login"
    query = parse_qs(url.query)
    assert query["client_id"] == [client.client_id]
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == client.callback_urls

    # Made by the CreateUserPoolClient service, so the OAuth side is in step.
    assert client.allowed_oauth_flows_user_pool_client is True
    assert client.redirect_uris == " ".join(client.callback_urls)
    assert client.client_type == AppClient.CLIENT_PUBLIC
    assert "ALLOW_USER_SRP_AUTH" in client.effective_auth_flows
    assert set(query["scope"][0].split()) == set(client.allowed_oauth_scopes)


@pytest.mark.django_db
def test_the_printed_sign_in_url_works_end_to_end(client: Any, settings: Any) -> None:
    """The URL make run prints opens the sign-in form, and the printed PKCE verifier
    redeems the code it yields."""
    from accounts.models import PoolUser, UserStatus
    from accounts.services import passwords

    out = _run()
    url = urlsplit(re.search(r"Hosted UI sign-in:\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    verifier = re.search(r"code_verifier=(\S+)", out).group(1)  # type: ignore[union-attr]
    pool = UserPool.objects.get(name="tessera-demo")
    user = PoolUser(
        pool=pool, username="demo-user", username_key="demo-user", status=UserStatus.CONFIRMED
    )
    user.set_attributes({"email": "demo@example.com", "email_verified": "true"})
    passwords.set_password(user, "Demo-password-42!")
    user.save()

    form = client.get(f"{url.path}?{url.query}")
    assert form.status_code == 200
    signed_in = client.post(
        f"{url.path}?{url.query}",
        {"username": "demo@example.com", "password": "Demo-password-42!"},
    )
    assert signed_in.status_code in (302, 303)
    authorize = client.get(signed_in["Location"])
    callback = urlsplit(authorize["Location"])
    assert f"{callback.scheme}://{callback.netloc}{callback.path}" == (
        "http://localhost:3000/callback"
    )
    code = parse_qs(callback.query)["code"][0]
    app = AppClient.objects.get(pool=pool)
    token = client.post(
        "/oauth2/token",
        urlencode(
            {
                "grant_type": "authorization_code",
                "client_id": app.client_id,
                "redirect_uri": "http://localhost:3000/callback",
                "code_verifier": verifier,
                "code": code,
            }
        ),
        content_type="application/x-www-form-urlencoded",
    )
    assert token.status_code == 200, token.content
    assert token.json()["token_type"] == "Bearer"
