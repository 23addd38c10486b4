"""`manage.py bootstrap_demo`, which `make run` calls: idempotent, and prints what it made."""

from __future__ import annotations

import re
from io import StringIO
from urllib.parse import parse_qs, urlsplit

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
