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
import tempfile

from harness import IDENTITY_PROVIDER, json_poster, pin_to_one_core, print_rates, rate, setup_django

TARGET_PER_SECOND = 600.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per measurement")
    args = parser.parse_args()

    pinning = pin_to_one_core()
    with tempfile.TemporaryDirectory(prefix="tessera-bench-") as workdir:
        setup_django(workdir)
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
                rate(lambda: keys.sign(pool.id, keys.Purpose.ACCESS, {"sub": "x"}), args.requests),
            ),
            (
                "refresh_tokens (service)",
                rate(
                    lambda: tokens.refresh_tokens(client=client, refresh_token=refresh_token),
                    args.requests,
                ),
            ),
            (
                "authenticate_access_token (service)",
                rate(lambda: tokens.authenticate_access_token(issued.access_token), args.requests),
            ),
            (
                "InitiateAuth REFRESH_TOKEN_AUTH (HTTP)",
                rate(
                    json_poster(
                        http,
                        IDENTITY_PROVIDER,
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
                rate(
                    json_poster(
                        http,
                        IDENTITY_PROVIDER,
                        "GetTokensFromRefreshToken",
                        {"ClientId": client.client_id, "RefreshToken": refresh_token},
                    ),
                    args.requests,
                ),
            ),
            (
                "GetUser (HTTP)",
                rate(
                    json_poster(
                        http, IDENTITY_PROVIDER, "GetUser", {"AccessToken": issued.access_token}
                    ),
                    args.requests,
                ),
            ),
        ]
        print(f"database: {connection.vendor}; {pinning}; {args.requests} requests each")

    print_rates([(label, measured.wall) for label, measured in rows], TARGET_PER_SECOND)


if __name__ == "__main__":
    main()
