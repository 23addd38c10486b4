"""The per-pool sign-in session (accounts/services/hosted_session.py): one cookie per pool,
1 hour, ended server-side by sign-out, by GlobalSignOut and by disabling the user."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import PoolUser, UserPool
from accounts.services import hosted_session
from tests.hosted_ui.conftest import PASSWORD, Browser, confirmed_user


def _signed_in_page(browser: Browser, client_id: str) -> bool:
    return (
        "You are signed in as"
        in browser.client.get(f"/login?client_id={client_id}").content.decode()
    )


def test_signing_in_to_one_pool_never_signs_in_to_another(
    browser: Browser, idp: Any, pool: dict[str, Any], app_client: dict[str, Any]
) -> None:
    other_pool = idp.create_user_pool(PoolName="other", UsernameAttributes=["email"])["UserPool"]
    other_client = idp.create_user_pool_client(UserPoolId=other_pool["Id"], ClientName="other")[
        "UserPoolClient"
    ]["ClientId"]
    confirmed_user(idp, pool["Id"], "one@example.com")
    confirmed_user(idp, other_pool["Id"], "one@example.com")

    browser.submit(
        f"/login?client_id={app_client['ClientId']}",
        {"username": "one@example.com", "password": PASSWORD},
    )
    assert _signed_in_page(browser, app_client["ClientId"])
    assert not _signed_in_page(browser, other_client)
    assert f"tessera_{pool['Id']}" in browser.client.cookies
    assert f"tessera_{other_pool['Id']}" not in browser.client.cookies

    # A cookie of one pool renamed to the other's is refused (it names its pool).
    stolen = browser.client.cookies[f"tessera_{pool['Id']}"].value
    browser.client.cookies[f"tessera_{other_pool['Id']}"] = stolen
    assert not _signed_in_page(browser, other_client)

    # AdminUserGlobalSignOut ends the hosted sign-in too.
    idp.admin_user_global_sign_out(UserPoolId=pool["Id"], Username="one@example.com")
    assert not _signed_in_page(browser, app_client["ClientId"])


def test_disabling_the_user_ends_the_sign_in(
    browser: Browser, idp: Any, pool: dict[str, Any], app_client: dict[str, Any]
) -> None:
    confirmed_user(idp, pool["Id"], "off@example.com")
    browser.submit(
        f"/login?client_id={app_client['ClientId']}",
        {"username": "off@example.com", "password": PASSWORD},
    )
    assert _signed_in_page(browser, app_client["ClientId"])
    idp.admin_disable_user(UserPoolId=pool["Id"], Username="off@example.com")
    assert not _signed_in_page(browser, app_client["ClientId"])


@pytest.mark.django_db
def test_sign_in_expires_after_an_hour_and_sign_out_kills_the_cookie_server_side(
    settings: Any,
) -> None:
    pool = UserPool.objects.create(name="session")
    user = PoolUser.objects.create(pool=pool, username="u", username_key="u")
    factory = RequestFactory()
    request = factory.get("/login")
    request.session = SessionStore()
    request.session["kept"] = "across the rotation"
    request.session.save()
    planted_key = request.session.session_key
    response = HttpResponse()
    hosted_session.start_sign_in(request, response, pool, user, timezone.now())
    assert request.session.session_key != planted_key
    assert request.session["kept"] == "across the rotation"
    morsel = response.cookies[f"tessera_{pool.id}"]
    assert morsel["httponly"]
    assert morsel["samesite"] == "Lax"

    signed_in = factory.get("/login")
    signed_in.COOKIES[morsel.key] = morsel.value
    current = hosted_session.current_sign_in(signed_in, pool)
    assert current is not None
    assert current.user == user

    # A tampered cookie never counts.
    tampered = factory.get("/login")
    tampered.COOKIES[morsel.key] = morsel.value[:-2] + "xx"
    assert hosted_session.current_sign_in(tampered, pool) is None

    signed_out = HttpResponse()
    hosted_session.end_sign_in(signed_in, signed_out, pool)
    assert signed_out.cookies[morsel.key]["max-age"] == 0
    replayed = factory.get("/login")
    replayed.COOKIES[morsel.key] = morsel.value
    assert hosted_session.current_sign_in(replayed, pool) is None

    settings.PUBLIC_URL = "https://id.example"
    secure = HttpResponse()
    hosted_session.start_sign_in(request, secure, pool, user, timezone.now())
    assert secure.cookies[f"__Host-tessera_{pool.id}"]["secure"]


@pytest.mark.django_db
def test_a_sign_in_older_than_one_hour_is_not_current(monkeypatch: Any) -> None:
    pool = UserPool.objects.create(name="old")
    user = PoolUser.objects.create(pool=pool, username="u", username_key="u")
    request = RequestFactory().get("/login")
    request.session = SessionStore()
    response = HttpResponse()
    hosted_session.start_sign_in(request, response, pool, user, timezone.now())
    later = RequestFactory().get("/login")
    later.COOKIES[f"tessera_{pool.id}"] = response.cookies[f"tessera_{pool.id}"].value
    assert hosted_session.current_sign_in(later, pool) is not None
    started = time.time()
    monkeypatch.setattr(time, "time", lambda: started + 59 * 60)
    assert hosted_session.current_sign_in(later, pool) is not None
    monkeypatch.setattr(time, "time", lambda: started + 61 * 60)
    assert hosted_session.current_sign_in(later, pool) is None
