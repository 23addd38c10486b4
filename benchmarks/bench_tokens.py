"""Token refresh and access-token authentication throughput on one core.

Target (issue 3): REFRESH_TOKEN_AUTH and GetUser ≥ 600 requests/s per core. Measured twice:
the token service alone (``refresh_tokens``, ``authenticate_access_token``), and real
``POST /`` requests (InitiateAuth REFRESH_TOKEN_AUTH, GetTokensFromRefreshToken, GetUser)
served by Django in-process through the test client, so protocol parsing, validation, the
lookups, RS256 signing and verification and the response are inside the timing; only the
TCP hop is not. The process is pinned to one core. The RS256 signature rate measured in the
same run is printed for scale: a refresh signs twice (ID and access token), so half that rate
is the ceiling of any refresh, whatever else it does.

Usage: ``python benchmarks/bench_tokens.py [--requests N]``. Without DATABASE_URL it works
in a throwaway SQLite file, deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_PER_SECOND = 600.0
TARGET = "AWSCognitoIdentityProviderService."


def _setup_django(workdir: str) -> None:
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _pin_to_one_core() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity)"
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return f"pinned to core {core}"


def _rate(operation: Callable[[], object], rounds: int) -> float:
    for _ in range(min(20, rounds)):
        operation()  # warm up: key caches, connections, query plans
    started = time.perf_counter()
    for _ in range(rounds):
        operation()
    return rounds / (time.perf_counter() - started)


def _poster(http: Any, action: str, body: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    encoded = json.dumps(body)

    def post() -> dict[str, Any]:
        response = http.post(
            "/",
            data=encoded,
            content_type="application/x-amz-json-1.1",
            headers={"X-Amz-Target": TARGET + action},
        )
        if response.status_code != 200:
            raise SystemExit(f"{action} failed: {response.content.decode()}")
        return dict(json.loads(response.content))

    return post


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per measurement")
    args = parser.parse_args()

    pinning = _pin_to_one_core()
    with tempfile.TemporaryDirectory(prefix="tessera-bench-") as workdir:
        _setup_django(workdir)
        from django.db import connection
        from django.test import Client

        from accounts.models import Group, GroupMembership, PoolUser, UserStatus
        from accounts.services import pools
        from oauth.services import clients, keys, tokens

        pool = pools.create_user_pool(name="bench", settings={})
        client = clients.create_user_pool_client(
            pool=pool,
            name="bench",
            settings={"ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"]},
        )
        user = PoolUser(pool=pool, username="bench-user", username_key="bench-user")
        user.status = UserStatus.CONFIRMED
        user.set_attributes(
            {"email": "bench@example.com", "email_verified": "true", "name": "Bench User"}
        )
        user.save()
        group = Group.objects.create(pool=pool, name="readers", precedence=1)
        GroupMembership.objects.create(group=group, user=user)
        issued = tokens.issue_token_set(client=client, user=user)
        refresh_token = issued.refresh_token or ""
        http = Client()

        rows = [
            (
                "RS256 signatures (calibration)",
                _rate(lambda: keys.sign(pool.id, keys.Purpose.ACCESS, {"sub": "x"}), args.requests),
            ),
            (
                "refresh_tokens (service)",
                _rate(
                    lambda: tokens.refresh_tokens(client=client, refresh_token=refresh_token),
                    args.requests,
                ),
            ),
            (
                "authenticate_access_token (service)",
                _rate(lambda: tokens.authenticate_access_token(issued.access_token), args.requests),
            ),
            (
                "InitiateAuth REFRESH_TOKEN_AUTH (HTTP)",
                _rate(
                    _poster(
                        http,
                        "InitiateAuth",
                        {
                            "ClientId": client.client_id,
                            "AuthFlow": "REFRESH_TOKEN_AUTH",
                            "AuthParameters": {"REFRESH_TOKEN": refresh_token},
                        },
                    ),
                    args.requests,
                ),
            ),
            (
                "GetTokensFromRefreshToken (HTTP)",
                _rate(
                    _poster(
                        http,
                        "GetTokensFromRefreshToken",
                        {"ClientId": client.client_id, "RefreshToken": refresh_token},
                    ),
                    args.requests,
                ),
            ),
            (
                "GetUser (HTTP)",
                _rate(
                    _poster(http, "GetUser", {"AccessToken": issued.access_token}),
                    args.requests,
                ),
            ),
        ]
        print(f"database: {connection.vendor}; {pinning}; {args.requests} requests each")

    width = max(len(label) for label, _ in rows)
    for label, rate in rows:
        if "calibration" in label:
            print(f"{label:<{width}}  {rate:8.1f}/s")
            continue
        verdict = "ok" if rate >= TARGET_PER_SECOND else "MISSED"
        print(f"{label:<{width}}  {rate:8.1f}/s  target ≥ {TARGET_PER_SECOND:.0f}/s  {verdict}")


if __name__ == "__main__":
    main()
