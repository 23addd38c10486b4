"""Opaque values clients pass back on a command line never start with "-": the AWS CLI's
argparse reads `--session -abc…` as a missing value (it failed one run in 64 of a CLI test
before). Cognito's own Sessions and refresh tokens never start with one either."""

from __future__ import annotations

import pytest

from accounts.models import PoolUser, UserPool
from accounts.services import auth_flows
from core import ids
from oauth.models import AppClient
from oauth.services import tokens

DRAWS = 400  # without the rule, all 400 avoid a leading "-" with probability (63/64)^400 ≈ 0.2 %


def test_a_value_starting_with_a_dash_is_drawn_again() -> None:
    drawn = iter(["-first", "-second", "third"])
    assert ids.not_option_like(lambda: next(drawn)) == "third"


@pytest.mark.django_db
def test_sessions_and_refresh_tokens_never_start_with_a_dash() -> None:
    pool = UserPool.objects.create(name="cli")
    client = AppClient.objects.create(pool=pool, name="cli", client_type="public")
    user = PoolUser(pool=pool, username="ada", username_key="ada", status="CONFIRMED")
    user.set_attributes({})
    user.save()

    sessions = [auth_flows.sign_up_session(client, user) for _ in range(DRAWS)]
    assert not [session for session in sessions if session.startswith("-")]
    refresh_tokens = [
        tokens.issue_token_set(client=client, user=user).refresh_token for _ in range(DRAWS // 4)
    ]
    assert all(token and not token.startswith("-") for token in refresh_tokens)
