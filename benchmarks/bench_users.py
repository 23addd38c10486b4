"""ListUsers with a Filter and AdminGetUser over 100,000 users on PostgreSQL.

Targets (issue 2): ListUsers with a Filter p95 < 50 ms, AdminGetUser p95 < 10 ms, each
measured through the real JSON API: a SigV4-signed ``POST /`` (botocore's signer) served by
Django in-process, so protocol parsing, input validation, signature verification, the
selector and the shape are all inside the timing; only the TCP hop is not.

Usage: ``python benchmarks/bench_users.py [--users N] [--requests N] [--results FILE]``.
Without DATABASE_URL it starts a throwaway PostgreSQL cluster (as the ``postgres`` user when
run as root, on a free loopback port), and stops and deletes it afterwards. When a query
misses its target, the SQL it ran is printed with EXPLAIN ANALYZE.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import pwd
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LIST_USERS_P95_MS = 50.0
ADMIN_GET_USER_P95_MS = 10.0
REGION = "us-east-1"

GIVEN_NAMES = [
    "Ada", "Alan", "Barbara", "Claude", "Donald", "Edsger", "Frances", "Grace", "Hedy",
    "Ivan", "John", "Katherine", "Linus", "Margaret", "Niklaus", "Radia", "Shafi", "Tim",
]  # fmt: skip
FAMILY_NAMES = [
    "Lovelace", "Turing", "Liskov", "Shannon", "Knuth", "Dijkstra", "Allen", "Hopper",
    "Lamarr", "Sutherland", "McCarthy", "Johnson", "Torvalds", "Hamilton", "Wirth",
    "Perlman", "Goldwasser", "Berners-Lee", "Ritchie", "Thompson", "Kernighan", "Backus",
    "Cerf", "Kahn", "Hoare", "Milner", "Rivest", "Shamir", "Adleman", "Diffie", "Hellman",
    "Merkle", "Lampson", "Engelbart", "Kay", "Cook", "Karp", "Tarjan", "Hopcroft", "Ullman",
]  # fmt: skip
DOMAINS = ["example.com", "example.org", "example.net", "mail.test", "corp.test"]


# --- a throwaway PostgreSQL ------------------------------------------------------------------
def _pg_bindir() -> Path:
    """Where initdb and pg_ctl live (Debian keeps them off PATH, per major version)."""
    found = shutil.which("pg_config")
    if found:
        bindir = subprocess.run(
            [found, "--bindir"], capture_output=True, text=True, check=True
        ).stdout.strip()
        if (Path(bindir) / "initdb").exists():
            return Path(bindir)
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    if versions:
        return versions[0].parent
    if shutil.which("initdb"):
        return Path(shutil.which("initdb") or "").parent
    if os.geteuid() != 0:
        raise SystemExit("PostgreSQL is not installed; install it or set DATABASE_URL")
    print("installing PostgreSQL (apt-get)…", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "postgresql"],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    return _pg_bindir()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Yield a DATABASE_URL for a fresh cluster; stop and delete it on the way out."""
    bindir = _pg_bindir()
    as_root = os.geteuid() == 0
    # initdb refuses to run as root, so the cluster belongs to the postgres user.
    owner = pwd.getpwnam("postgres") if as_root else None
    workdir = Path(tempfile.mkdtemp(prefix="tessera-bench-pg-"))
    datadir = workdir / "data"
    if owner is not None:
        os.chown(workdir, owner.pw_uid, owner.pw_gid)

    def run(*args: str) -> None:
        command = list(args)
        if owner is not None:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)

    port = _free_port()
    run(str(bindir / "initdb"), "-D", str(datadir), "-A", "trust", "-U", "postgres", "-E", "UTF8")
    options = (
        f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 "
        # Durability is irrelevant for a benchmark's throwaway data; load time is not.
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        "-c shared_buffers=256MB -c max_wal_size=2GB"
    )
    log = workdir / "postgres.log"
    run(str(bindir / "pg_ctl"), "-D", str(datadir), "-o", options, "-l", str(log), "-w", "start")
    try:
        run(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "bench")
        yield f"postgres://postgres@127.0.0.1:{port}/bench"
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            run(str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "fast", "-w", "stop")
        shutil.rmtree(workdir, ignore_errors=True)


# --- data ------------------------------------------------------------------------------------
@dataclass
class Dataset:
    pool_id: str
    usernames: list[str]
    emails: list[str]


def load_users(count: int) -> Dataset:
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from accounts.models import PoolUser, UserStatus
    from accounts.services import pools, srp

    pool = pools.create_user_pool(name="bench", settings={"UsernameAttributes": ["email"]})
    rng = random.Random(20240601)
    # One hash and one SRP verifier for everyone: hashing 100k passwords with argon2id
    # would take ~25 minutes and measure nothing these queries touch.
    password_hash = make_password("Bench-Passw0rd!")
    srp_salt, srp_verifier = srp.compute_verifier(pool.pool_suffix, "bench", "Bench-Passw0rd!")
    # As in a live pool, the users who have not confirmed yet (or not yet replaced an
    # administrator's temporary password) are the most recent ones, not spread evenly: a
    # filter on them is what punishes a plan that walks the primary key.
    recent = count - count // 20

    def status_of(index: int) -> str:
        if index < recent:
            return UserStatus.RESET_REQUIRED if rng.random() < 0.01 else UserStatus.CONFIRMED
        return rng.choice([UserStatus.UNCONFIRMED] * 3 + [UserStatus.FORCE_CHANGE_PASSWORD])

    usernames: list[str] = []
    emails: list[str] = []
    batch: list[PoolUser] = []
    started = time.perf_counter()
    for index in range(count):
        given, family = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES)
        email = f"{given.lower()}.{family.lower()}{index}@{rng.choice(DOMAINS)}"
        user = PoolUser(
            pool=pool,
            status=status_of(index),
            enabled=rng.random() > 0.05,
            password_hash=password_hash,
            srp_salt=srp_salt,
            srp_verifier=srp_verifier,
        )
        # UsernameAttributes=[email]: the stored username is the sub (reference §3.5).
        user.username = user.username_key = str(user.sub)
        user.set_attributes(
            {
                "email": email,
                "email_verified": "true",
                "given_name": given,
                "family_name": family,
                "name": f"{given} {family}",
                "phone_number": f"+1555{index:07d}",
            }
        )
        usernames.append(user.username)
        emails.append(email)
        batch.append(user)
        if len(batch) == 5000:
            PoolUser.objects.bulk_create(batch)
            batch = []
    if batch:
        PoolUser.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_pooluser")
    print(f"loaded {count} users in {time.perf_counter() - started:.1f} s", flush=True)
    return Dataset(pool_id=pool.id, usernames=usernames, emails=emails)


# --- the signed JSON API ---------------------------------------------------------------------
class SignedApi:
    """POST / through Django's test client, signed exactly as boto3 signs."""

    def __init__(self) -> None:
        from botocore.credentials import Credentials
        from django.test import Client

        from api.models import AccessKey

        key, secret = AccessKey.issue(description="benchmark")
        self.credentials = Credentials(key.access_key_id, secret)
        self.client = Client()

    def __call__(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        body = json.dumps(params)
        request = AWSRequest(
            method="POST",
            url="http://testserver/",
            data=body,
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": f"AWSCognitoIdentityProviderService.{action}",
            },
        )
        SigV4Auth(self.credentials, "cognito-idp", REGION).add_auth(request)
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-type"}
        headers["Host"] = "testserver"  # signed from the URL; the test client sends none
        response = self.client.post(
            "/", data=body, content_type="application/x-amz-json-1.1", headers=headers
        )
        payload: dict[str, Any] = json.loads(response.content)
        if response.status_code != 200:
            raise RuntimeError(f"{action} failed: {response.status_code} {payload}")
        return payload


# --- measuring -------------------------------------------------------------------------------
@dataclass
class Query:
    sql: str
    params: Any
    ms: float


@dataclass
class Measurement:
    name: str
    target_ms: float
    samples_ms: list[float]
    cpu_ms: list[float]  # this process's CPU time per request: immune to waiting on others
    queries: list[Query]  # what one request ran, with each statement's time

    @property
    def p50(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.samples_ms, n=100, method="inclusive")[94]

    @property
    def ok(self) -> bool:
        return self.p95 < self.target_ms

    @property
    def db_ms(self) -> float:
        return sum(query.ms for query in self.queries)


@contextlib.contextmanager
def recording_queries() -> Iterator[list[Query]]:
    """Every statement run on the default connection, with its parameters and duration."""
    from django.db import connection

    recorded: list[Query] = []

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            recorded.append(Query(sql, params, (time.perf_counter() - started) * 1000))

    with connection.execute_wrapper(record):
        yield recorded


def measure(
    name: str, target_ms: float, call: Callable[[int], object], requests: int
) -> Measurement:
    for warmup in range(10):
        call(warmup)
    with recording_queries() as queries:
        call(0)
    samples: list[float] = []
    cpu: list[float] = []
    for index in range(requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        call(index)
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    result = Measurement(name, target_ms, samples, cpu, queries)
    print(
        f"{name:<46} p50 {result.p50:6.1f} ms  p95 {result.p95:6.1f} ms  "
        f"target p95 < {target_ms:g} ms  {'ok' if result.ok else 'MISSED'}  "
        f"(Python CPU p50 {statistics.median(cpu):.1f} ms; {len(queries)} SQL, "
        f"{result.db_ms:.1f} ms waiting on them)",
        flush=True,
    )
    return result


def explain(measurement: Measurement) -> str:
    """Each statement the request ran, slowest first, with EXPLAIN ANALYZE for SELECTs."""
    from django.db import connection

    report = []
    with connection.cursor() as cursor:
        for query in sorted(measurement.queries, key=lambda query: -query.ms):
            report.append(f"[{query.ms:.2f} ms] {query.sql} {query.params!r}")
            if query.sql.lstrip().upper().startswith("SELECT"):
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query.sql, query.params)
                report.extend("    " + row[0] for row in cursor.fetchall())
    return "\n".join(report)


def round_trip_ms(requests: int) -> tuple[float, float]:
    """p50/p95 of ``SELECT 1``: the floor every statement pays on this machine right now.

    On a shared, CPU-starved host this grows from ~0.1 ms to several ms (each round trip
    waits for the scheduler twice), which is what separates a slow query from a slow box.
    """
    from django.db import connection

    samples = []
    with connection.cursor() as cursor:
        for _ in range(requests):
            started = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            samples.append((time.perf_counter() - started) * 1000)
    p50 = statistics.median(samples)
    p95 = statistics.quantiles(samples, n=100, method="inclusive")[94]
    print(f"{'database round trip (SELECT 1)':<46} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms")
    return p50, p95


def run_benchmarks(data: Dataset, requests: int) -> list[Measurement]:
    api = SignedApi()
    rng = random.Random(7)
    pool_id = data.pool_id

    def list_users(filter_of: Callable[[int], str], limit: int = 60) -> Callable[[int], object]:
        def call(index: int) -> object:
            return api(
                "ListUsers", {"UserPoolId": pool_id, "Filter": filter_of(index), "Limit": limit}
            )

        return call

    def sample_email(_: int) -> str:
        return f'email = "{rng.choice(data.emails)}"'

    def email_prefix(_: int) -> str:
        # "ada.turing12" style prefixes: each matches a handful to a few hundred users.
        email = rng.choice(data.emails)
        return f'email ^= "{email[: email.index("@") - 3]}"'

    def family_name(_: int) -> str:
        return f'family_name = "{rng.choice(FAMILY_NAMES)}"'

    pages: list[str | None] = [None]

    def paging(_: int) -> object:
        # Walk forward through the whole pool with PaginationToken, 60 users a page, one
        # page per timed request; start over at the end.
        params: dict[str, Any] = {"UserPoolId": pool_id, "Limit": 60}
        if pages[-1] is not None:
            params["PaginationToken"] = pages[-1]
        response = api("ListUsers", params)
        token = response.get("PaginationToken")
        pages.append(token if token else None)
        if token is None:
            pages[:] = [None]
        return response

    def admin_get_user(_: int) -> object:
        return api("AdminGetUser", {"UserPoolId": pool_id, "Username": rng.choice(data.emails)})

    def admin_get_user_by_sub(_: int) -> object:
        return api("AdminGetUser", {"UserPoolId": pool_id, "Username": rng.choice(data.usernames)})

    # Sanity: each filter finds what the data says it should, before anything is timed.
    middle = len(data.emails) // 2
    probe = data.emails[middle]
    found = api("ListUsers", {"UserPoolId": pool_id, "Filter": f'email = "{probe}"'})["Users"]
    assert [a["Value"] for u in found for a in u["Attributes"] if a["Name"] == "email"] == [
        probe
    ], found
    assert (
        api("AdminGetUser", {"UserPoolId": pool_id, "Username": probe})["Username"]
        == (data.usernames[middle])
    )

    target = LIST_USERS_P95_MS
    return [
        measure('ListUsers email = "…"', target, list_users(sample_email), requests),
        measure('ListUsers email ^= "…"', target, list_users(email_prefix), requests),
        measure('ListUsers family_name = "…"', target, list_users(family_name), requests),
        measure(
            'ListUsers status = "Enabled"',
            target,
            list_users(lambda _: 'status = "Enabled"'),
            requests,
        ),
        measure(
            'ListUsers cognito:user_status = "CONFIRMED"',
            target,
            list_users(lambda _: 'cognito:user_status = "CONFIRMED"'),
            requests,
        ),
        measure(
            'ListUsers cognito:user_status = "UNCONFIRMED"',
            target,
            list_users(lambda _: 'cognito:user_status = "UNCONFIRMED"'),
            requests,
        ),
        measure(
            'ListUsers status = "Disabled"',
            target,
            list_users(lambda _: 'status = "Disabled"'),
            requests,
        ),
        measure("ListUsers paging (60 a page, PaginationToken)", target, paging, requests),
        measure("AdminGetUser by email alias", ADMIN_GET_USER_P95_MS, admin_get_user, requests),
        measure(
            "AdminGetUser by username (sub)",
            ADMIN_GET_USER_P95_MS,
            admin_get_user_by_sub,
            requests,
        ),
    ]


def write_results(
    path: Path,
    users: int,
    requests: int,
    results: list[Measurement],
    round_trip: tuple[float, float],
) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
    lines = [
        f"## Benchmark: ListUsers and AdminGetUser over {users:,} users",
        "",
        f"`python benchmarks/bench_users.py` — {users:,} users in one pool, PostgreSQL "
        f"{server_version}, {requests} timed requests per row after 10 warm-up requests, "
        f"each a SigV4-signed `POST /` through the whole Django stack in-process "
        f"(Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{time.strftime('%Y-%m-%d')}).",
        "",
        f"A bare `SELECT 1` round trip took p50 {round_trip[0]:.2f} ms / p95 "
        f"{round_trip[1]:.2f} ms during the run (load average {os.getloadavg()[0]:.1f}).",
        "",
        "| request | p50 | p95 | target p95 | | Python CPU p50 | SQL per request "
        "| SQL wait (1 request) |",
        "|---|---:|---:|---:|---|---:|---:|---:|",
    ]
    for result in results:
        lines.append(
            f"| {result.name} | {result.p50:.1f} ms | {result.p95:.1f} ms | "
            f"< {result.target_ms:g} ms | {'ok' if result.ok else '**missed**'} | "
            f"{statistics.median(result.cpu_ms):.1f} ms | {len(result.queries)} | "
            f"{result.db_ms:.1f} ms |"
        )
    path.write_text("\n".join(lines) + "\n")
    print(f"figures written to {path}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--results", type=Path, default=None, help="write a Markdown table")
    parser.add_argument(
        "--explain", action="store_true", help="print every query plan, not only on a miss"
    )
    args = parser.parse_args()

    with contextlib.ExitStack() as stack:
        if not os.environ.get("DATABASE_URL"):
            os.environ["DATABASE_URL"] = stack.enter_context(throwaway_postgres())
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        from django.db import connection

        if connection.vendor != "postgresql":
            raise SystemExit("this benchmark measures PostgreSQL; DATABASE_URL must be postgres://")
        # A test database (created, migrated, dropped at the end), so a DATABASE_URL pointing
        # at a real deployment never gets 100,000 benchmark users.
        database_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        stack.callback(connection.creation.destroy_test_db, database_name, verbosity=0)
        data = load_users(args.users)
        round_trip = round_trip_ms(args.requests)
        results = run_benchmarks(data, args.requests)
        for result in results:
            if args.explain or not result.ok:
                print(f"\n--- {result.name}: query plan ---\n{explain(result)}")
        if args.results:
            write_results(args.results, args.users, args.requests, results, round_trip)
        return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
