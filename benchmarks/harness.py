"""The timing harness the single-core benchmarks share.

Each benchmark runs as a script (``python benchmarks/bench_x.py``), so this directory is
first on ``sys.path`` and the scripts import this module as ``harness``. It sets Django up
in a throwaway SQLite file (unless DATABASE_URL says otherwise), pins the process to one
core, times an operation repeatedly after a warm-up, and posts JSON API requests through
Django's test client. Run on its own it measures nothing.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the project's apps, for django.setup()

IDENTITY_PROVIDER = "AWSCognitoIdentityProviderService."
IDENTITY = "AWSCognitoIdentityService."
WARM_UP_ROUNDS = 20


def setup_django(workdir: str) -> None:
    """Configure Django (a SQLite file in ``workdir`` without DATABASE_URL) and migrate."""
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def pin_to_one_core() -> str:
    """Pin this process to its lowest allowed core; say what was done, for the report."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity)"
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return f"pinned to core {core}"


class Rate(NamedTuple):
    """Operations per wall-clock second and per CPU second of this (pinned) process: on a
    shared machine other processes take turns on the core, and only the second figure is
    the core's own capacity."""

    wall: float
    cpu: float


def rate(operation: Callable[[], object], rounds: int) -> Rate:
    """Run ``operation`` ``rounds`` times after a short warm-up and return its rates."""
    for _ in range(min(WARM_UP_ROUNDS, rounds)):
        operation()  # warm up: key caches, connections, query plans
    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        operation()
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    return Rate(rounds / wall, rounds / cpu)


def json_poster(
    http: Any, target_prefix: str, action: str, body: dict[str, Any]
) -> Callable[[], dict[str, Any]]:
    """A call that POSTs ``body`` to ``/`` as ``target_prefix + action`` through Django's
    test client ``http`` and returns the decoded answer; the body is encoded once, outside
    any timing. A non-200 answer ends the benchmark with the error."""
    encoded = json.dumps(body)

    def post() -> dict[str, Any]:
        response = http.post(
            "/",
            data=encoded,
            content_type="application/x-amz-json-1.1",
            headers={"X-Amz-Target": target_prefix + action},
        )
        if response.status_code != 200:
            raise SystemExit(f"{action} failed: {response.content.decode()}")
        return dict(json.loads(response.content))

    return post


def print_rates(rows: list[tuple[str, float]], target_per_second: float) -> None:
    """One line a measured rate against the target; rows labelled "calibration" are shown
    for scale only."""
    width = max(len(label) for label, _ in rows)
    for label, per_second in rows:
        if "calibration" in label:
            print(f"{label:<{width}}  {per_second:8.1f}/s")
            continue
        verdict = "ok" if per_second >= target_per_second else "MISSED"
        print(
            f"{label:<{width}}  {per_second:8.1f}/s  target ≥ {target_per_second:.0f}/s  {verdict}"
        )
