"""The RP-Initiated OP plan (oidcc-rp-initiated-logout-certification-test-plan,
oidc-security.md §4.3) against a pool's end_session_endpoint (``/<poolId>/logout``)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from accounts.models import UserPool
from oauth import claims
from oauth.models import AppClient
from oauth.services import keys
from tests.oauth.browser import (
    CALLBACK,
    LOGOUT_URL,
    authorize_url,
    follow,
    query_of,
    redeem,
)
from tests.oauth.conftest import PASSWORD


class RP:
    def __init__(self, base: str, client: AppClient, secret: str) -> None:
        self.base, self.client, self.secret = base, client, secret
        self.browser = requests.Session()
        discovery = f"{base}/{client.pool_id}/.well-known/openid-configuration"
        self.end_session = requests.get(discovery, timeout=10).json()["end_session_endpoint"]

    def params(self, **extra: str) -> dict[str, str]:
        return {
            "client_id": self.client.client_id,
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "scope": "openid",
            **extra,
        }

    def sign_in(self) -> str:
        url = authorize_url(self.base, **self.params())
        answer = query_of(follow(self.browser, url, credentials=("ada@example.com", PASSWORD)))
        return str(redeem(self.base, self.client, self.secret, answer["code"]).json()["id_token"])

    def logout(self, **params: str) -> requests.Response:
        return self.browser.get(
            f"{self.end_session}?{urlencode(params)}", allow_redirects=False, timeout=10
        )

    def signed_in(self) -> bool:
        answer = query_of(
            follow(self.browser, authorize_url(self.base, **self.params(prompt="none")))
        )
        return "code" in answer


@pytest.fixture
def rp(public_url: str, oauth_client: tuple[AppClient, str], make_user: Callable[..., Any]) -> RP:
    make_user("ada@example.com")
    return RP(public_url, *oauth_client)


def test_oidcc_rp_initiated_logout_discovery_endpoint_verification(rp: RP) -> None:
    assert rp.end_session == f"{rp.base}/{rp.client.pool_id}/logout"


def test_oidcc_rp_initiated_logout(rp: RP) -> None:
    hint = rp.sign_in()
    response = rp.logout(id_token_hint=hint, post_logout_redirect_uri=LOGOUT_URL, state="bye")
    assert response.status_code == 303
    assert response.headers["Location"] == f"{LOGOUT_URL}?state=bye"
    assert not rp.signed_in()


def _refused(rp: RP, response: requests.Response) -> None:
    assert "Location" not in response.headers
    assert response.status_code == 400
    assert rp.signed_in(), "a refused logout signs nobody out"


def test_oidcc_rp_initiated_logout_bad_post_logout_redirect_uri(rp: RP) -> None:
    hint = rp.sign_in()
    _refused(rp, rp.logout(id_token_hint=hint, post_logout_redirect_uri="https://evil.example/"))


def _tampered(token: str, header: dict[str, str]) -> str:
    encoded = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    return ".".join([encoded, *token.split(".")[1:]])


def test_oidcc_rp_initiated_logout_modified_id_token_hint(rp: RP) -> None:
    hint = rp.sign_in()
    unsigned = _tampered(hint, {"alg": "none"}).rsplit(".", 1)[0] + "."
    _refused(rp, rp.logout(id_token_hint=unsigned, post_logout_redirect_uri=LOGOUT_URL))
    payload = json.loads(base64.urlsafe_b64decode(hint.split(".")[1] + "=="))
    payload["sub"] = "someone-else"
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    altered = ".".join([hint.split(".")[0], body, hint.split(".")[2]])
    _refused(rp, rp.logout(id_token_hint=altered, post_logout_redirect_uri=LOGOUT_URL))


def test_oidcc_rp_initiated_logout_no_id_token_hint(rp: RP) -> None:
    rp.sign_in()
    _refused(rp, rp.logout(post_logout_redirect_uri=LOGOUT_URL, state="s"))


def test_oidcc_rp_initiated_logout_no_params(rp: RP) -> None:
    rp.sign_in()
    response = rp.logout()
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert not rp.signed_in()


def test_oidcc_rp_initiated_logout_no_post_logout_redirect_uri(rp: RP) -> None:
    hint = rp.sign_in()
    response = rp.logout(id_token_hint=hint)
    assert response.status_code == 200
    assert not rp.signed_in()


def test_oidcc_rp_initiated_logout_no_state(rp: RP) -> None:
    hint = rp.sign_in()
    response = rp.logout(id_token_hint=hint, post_logout_redirect_uri=LOGOUT_URL)
    assert response.headers["Location"] == LOGOUT_URL
    assert not rp.signed_in()


def test_oidcc_rp_initiated_logout_only_state(rp: RP) -> None:
    rp.sign_in()
    response = rp.logout(state="only")
    assert response.status_code == 200
    assert not rp.signed_in()


def test_oidcc_rp_initiated_logout_query_added_to_post_logout_redirect_uri(rp: RP) -> None:
    hint = rp.sign_in()
    _refused(rp, rp.logout(id_token_hint=hint, post_logout_redirect_uri=f"{LOGOUT_URL}?foo=bar"))


def test_oidcc_rp_initiated_logout_bad_id_token_hint(rp: RP, idp: Any) -> None:
    """A hint signed by another pool's key is refused."""
    rp.sign_in()
    other_pool = idp.create_user_pool(PoolName="other", UsernameAttributes=["email"])["UserPool"]
    other = AppClient.objects.create(
        pool=UserPool.objects.get(pk=other_pool["Id"]), client_id="otherclient", name="x"
    )
    foreign = keys.sign(
        other.pool_id,
        keys.Purpose.ID,
        {"aud": rp.client.client_id, "iss": claims.issuer(rp.client.pool_id), "token_use": "id"},
    )
    _refused(rp, rp.logout(id_token_hint=foreign, post_logout_redirect_uri=LOGOUT_URL))
