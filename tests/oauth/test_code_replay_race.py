"""A code replayed while its first redemption is still minting tokens: the replay is
refused and revokes what that redemption bought (RFC 6749 §4.1.2, RFC 9700 §4.2.4).

The interleaving is forced, not timed: the first redemption's call to the token service
is wrapped so that the replay reaches the live server in the middle of it — before the
tokens exist, or after they exist but before the grant records their family.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from oauth.models import AppClient
from oauth.services import tokens
from tests.oauth.browser import CALLBACK, authorize_url, follow, query_of, redeem
from tests.oauth.conftest import PASSWORD


def _code(base: str, client: AppClient) -> str:
    params = {
        "client_id": client.client_id,
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "openid email profile",
    }
    callback = follow(
        requests.Session(),
        authorize_url(base, **params),
        credentials=("ada@example.com", PASSWORD),
    )
    return query_of(callback)["code"]


@pytest.mark.parametrize("replay_at", ["before_minting", "after_minting"])
def test_a_replay_during_the_first_redemption_revokes_its_tokens(
    replay_at: str,
    public_url: str,
    oauth_client: tuple[AppClient, str],
    make_user: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client, secret = oauth_client
    make_user("ada@example.com")
    code = _code(public_url, client)
    real_issue_token_set = tokens.issue_token_set
    minted: list[tokens.TokenSet] = []
    replays: list[requests.Response] = []

    def issue_with_a_replay_in_the_middle(**kwargs: Any) -> tokens.TokenSet:
        if replay_at == "before_minting":
            replays.append(redeem(public_url, client, secret, code))
        token_set = real_issue_token_set(**kwargs)
        minted.append(token_set)
        if replay_at == "after_minting":
            replays.append(redeem(public_url, client, secret, code))
        return token_set

    monkeypatch.setattr(tokens, "issue_token_set", issue_with_a_replay_in_the_middle)
    first = redeem(public_url, client, secret, code)

    assert len(minted) == 1
    assert len(replays) == 1
    replay = replays[0]
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    # What the first redemption minted is dead: the access token and the refresh token.
    bearer = {"Authorization": f"Bearer {minted[0].access_token}"}
    userinfo = requests.get(f"{public_url}/oauth2/userInfo", headers=bearer, timeout=10)
    assert userinfo.status_code == 401
    assert userinfo.json()["error"] == "invalid_token"
    refreshed = requests.post(
        f"{public_url}/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": minted[0].refresh_token},
        auth=(client.client_id, secret),
        timeout=10,
    )
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"
    # The code was replayed before the first redemption answered: it gets nothing either.
    assert first.status_code == 400
    assert first.json()["error"] == "invalid_grant"
