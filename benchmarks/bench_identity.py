"""GetCredentialsForIdentity throughput on one core.

Target (issue 6): GetCredentialsForIdentity ≥ 400 requests/s per core. Measured twice: the
identity service alone (``identities.get_credentials_for_identity``) and real ``POST /``
requests served by Django in-process through the test client, so protocol parsing,
validation, the ID token's RS256 verification, the ServerSideTokenCheck lookups, role
resolution, minting and storing the credentials (secret encrypted, session token digested)
and the response are inside the timing; only the TCP hop is not. The process is pinned to
one core.

Usage: ``python benchmarks/bench_identity.py [--requests N]``. Without DATABASE_URL it works
in a throwaway SQLite file, deleted afterwards.
"""

from __future__ import annotations

import argparse
import tempfile

from harness import IDENTITY, json_poster, pin_to_one_core, rate, setup_django

TARGET_PER_SECOND = 400.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per measurement")
    args = parser.parse_args()

    pinning = pin_to_one_core()
    with tempfile.TemporaryDirectory(prefix="tessera-bench-") as workdir:
        setup_django(workdir)
        from django.db import connection
        from django.test import Client

        from accounts.models import PoolUser, UserStatus
        from accounts.services import pools
        from identity.services import identities, roles
        from identity.services import pools as identity_pools
        from oauth.services import clients, tokens

        pool = pools.create_user_pool(name="bench", settings={})
        client = clients.create_user_pool_client(pool=pool, name="bench", settings={})
        user = PoolUser(pool=pool, username="bench-user", username_key="bench-user")
        user.status = UserStatus.CONFIRMED
        user.set_attributes({"email": "bench@example.com", "email_verified": "true"})
        user.save()
        id_token = tokens.issue_token_set(client=client, user=user).id_token
        provider = identity_pools.user_pool_provider_name(pool.id)
        identity_pool = identity_pools.create_identity_pool(
            params={
                "IdentityPoolName": "bench",
                "AllowUnauthenticatedIdentities": False,
                "CognitoIdentityProviders": [
                    {
                        "ProviderName": provider,
                        "ClientId": client.client_id,
                        "ServerSideTokenCheck": True,
                    }
                ],
            }
        )
        roles.set_identity_pool_roles(
            pool=identity_pool,
            roles={"authenticated": "arn:aws:iam::123456789012:role/bench"},
            role_mappings=None,
        )
        logins = {provider: id_token}
        identity_id = identities.get_id(pool_id=identity_pool.id, logins=logins).id
        http = Client()

        rows = [
            (
                "get_credentials_for_identity (service)",
                rate(
                    lambda: identities.get_credentials_for_identity(
                        identity_id=identity_id, logins=logins, custom_role_arn=None
                    ),
                    args.requests,
                ),
            ),
            (
                "GetCredentialsForIdentity (HTTP)",
                rate(
                    json_poster(
                        http,
                        IDENTITY,
                        "GetCredentialsForIdentity",
                        {"IdentityId": identity_id, "Logins": logins},
                    ),
                    args.requests,
                ),
            ),
        ]
        print(f"database: {connection.vendor}; {pinning}; {args.requests} requests each")

    width = max(len(label) for label, _ in rows)
    for label, (wall_rate, cpu_rate) in rows:
        verdict = "ok" if cpu_rate >= TARGET_PER_SECOND else "MISSED"
        print(
            f"{label:<{width}}  {wall_rate:8.1f}/s wall  {cpu_rate:8.1f}/s per CPU second  "
            f"target ≥ {TARGET_PER_SECOND:.0f}/s per core  {verdict}"
        )


if __name__ == "__main__":
    main()
