"""Password sign-in throughput and latency on one core.

Targets (issue 3): USER_PASSWORD_AUTH sign-ins per second on one core ≥ 75 % of the
argon2id verify rate measured in the same run (the hash is the floor; everything else —
protocol, lookups, lockout counters, token minting — must fit in the remaining quarter);
REFRESH_TOKEN_AUTH ≥ 600 requests/s per core; sign-in latency unchanged from 1,000 to
100,000 users in a pool.

Each sign-in is a real ``POST /`` (X-Amz-Target InitiateAuth) served by Django in-process
through the test client, so parsing, input validation, the state machine, argon2id at
OWASP parameters and token issuance are all inside the timing; only the TCP hop is not.
Users are bulk-created with one precomputed hash. The process is pinned to one core, and
the measurements are interleaved (a verify, a sign-in in the 1,000-user pool, a sign-in
in the 100,000-user pool, repeated) so that noise from other work on the machine falls
on all of them alike; the figures are medians.

Usage: ``python benchmarks/bench_sign_in.py [--sign-ins N] [--users N]``. Without
DATABASE_URL it works in a throwaway SQLite file, deleted afterwards.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from typing import Any

from harness import IDENTITY_PROVIDER, json_poster, pin_to_one_core, rate, setup_django

SIGN_IN_SHARE_OF_VERIFY = 0.75
REFRESH_PER_SECOND = 600.0
LATENCY_GROWTH_ALLOWED = 1.25  # "unchanged": the median at 100k within 25 % of 1k
PASSWORD = "Bench-Passw0rd-!"


def _add_users(pool: Any, start: int, stop: int, password_hash: str) -> None:
    from accounts.models import PoolUser, UserStatus

    batch = []
    for index in range(start, stop):
        name = f"user{index:06d}"
        user = PoolUser(
            pool=pool,
            username=name,
            username_key=name,
            status=UserStatus.CONFIRMED,
            password_hash=password_hash,
        )
        user.set_attributes({"email": f"{name}@example.com", "email_verified": "true"})
        batch.append(user)
    PoolUser.objects.bulk_create(batch, batch_size=2000)


def _verify(password_hash: str) -> float:
    """Seconds one argon2id verify takes."""
    from django.contrib.auth.hashers import check_password

    started = time.perf_counter()
    if not check_password(PASSWORD, password_hash):
        raise SystemExit("argon2id verify failed")
    return time.perf_counter() - started


def _sign_in(http: Any, client_id: str, population: int) -> float:
    """Seconds one USER_PASSWORD_AUTH sign-in by a random user of the pool takes."""
    name = f"user{random.randrange(population):06d}"
    started = time.perf_counter()
    result = json_poster(
        http,
        IDENTITY_PROVIDER,
        "InitiateAuth",
        {
            "ClientId": client_id,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": name, "PASSWORD": PASSWORD},
        },
    )()
    elapsed = time.perf_counter() - started
    if "AuthenticationResult" not in result:
        raise SystemExit(f"sign-in of {name} gave no tokens: {result}")
    return elapsed


def _refresh_rate(http: Any, client_id: str, rounds: int) -> float:
    signed_in = json_poster(
        http,
        IDENTITY_PROVIDER,
        "InitiateAuth",
        {
            "ClientId": client_id,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": "user000000", "PASSWORD": PASSWORD},
        },
    )()
    body = {
        "ClientId": client_id,
        "AuthFlow": "REFRESH_TOKEN_AUTH",
        "AuthParameters": {"REFRESH_TOKEN": signed_in["AuthenticationResult"]["RefreshToken"]},
    }
    return rate(json_poster(http, IDENTITY_PROVIDER, "InitiateAuth", body), rounds).wall


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sign-ins", type=int, default=60, help="sign-ins per measurement")
    parser.add_argument("--users", type=int, default=100_000, help="the large pool's size")
    parser.add_argument("--refreshes", type=int, default=400)
    args = parser.parse_args()

    pinning = pin_to_one_core()
    with tempfile.TemporaryDirectory(prefix="tessera-bench-") as workdir:
        setup_django(workdir)
        from django.conf import settings
        from django.contrib.auth.hashers import make_password
        from django.db import connection
        from django.test import Client

        from accounts.services import pools
        from oauth.services import clients

        flows = {"ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}
        password_hash = make_password(PASSWORD)
        print(f"database: {connection.vendor}; hasher: {settings.PASSWORD_HASHERS[0]}; {pinning}")
        client_ids = {}
        for size in (1_000, args.users):
            pool = pools.create_user_pool(name=f"bench-{size}", settings={})
            client = clients.create_user_pool_client(pool=pool, name="bench", settings=flows)
            started = time.perf_counter()
            _add_users(pool, 0, size, password_hash)
            print(f"pool of {size:,} users made in {time.perf_counter() - started:.1f} s")
            client_ids[size] = client.client_id
        http = Client()

        for size, client_id in client_ids.items():  # warm up: keys, caches, connections
            for _ in range(3):
                _sign_in(http, client_id, size)
        verifies, small, large = [], [], []
        for _ in range(args.sign_ins):
            verifies.append(_verify(password_hash))
            small.append(_sign_in(http, client_ids[1_000], 1_000))
            large.append(_sign_in(http, client_ids[args.users], args.users))
        refresh_rate = _refresh_rate(http, client_ids[1_000], args.refreshes)

    verify_rate = 1 / statistics.median(verifies)
    sign_in_rate = 1 / statistics.median(small)
    share = sign_in_rate / verify_rate
    small_median = statistics.median(small) * 1000
    large_median = statistics.median(large) * 1000
    growth = large_median / small_median
    rows = [
        ("argon2id verifies/s (one core)", f"{verify_rate:8.1f}", "the floor", ""),
        (
            "USER_PASSWORD_AUTH sign-ins/s",
            f"{sign_in_rate:8.1f}",
            f"≥ {SIGN_IN_SHARE_OF_VERIFY:.0%} of verify rate ({share:.0%})",
            _verdict(share >= SIGN_IN_SHARE_OF_VERIFY),
        ),
        (
            "REFRESH_TOKEN_AUTH requests/s",
            f"{refresh_rate:8.1f}",
            f"≥ {REFRESH_PER_SECOND:.0f}",
            _verdict(refresh_rate >= REFRESH_PER_SECOND),
        ),
        ("sign-in median, 1,000 users (ms)", f"{small_median:8.1f}", "", ""),
        (
            f"sign-in median, {args.users:,} users (ms)",
            f"{large_median:8.1f}",
            f"within {LATENCY_GROWTH_ALLOWED - 1:.0%} of 1,000 ({growth - 1:+.0%})",
            _verdict(growth <= LATENCY_GROWTH_ALLOWED),
        ),
    ]
    width = max(len(row[0]) for row in rows)
    for label, value, target, verdict in rows:
        print(f"{label:<{width}}  {value}  {target:<36} {verdict}")


if __name__ == "__main__":
    main()
