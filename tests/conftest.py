"""Shared fixtures: real boto3 clients pointed at pytest-django's live_server."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from accounts.services import lockout
from api.models import AccessKey
from tests.mail import Mailbox, sink_directory
from tests.services import CeleryWorker, RedisServer, Services, database_url, services_enabled

REGION = "us-east-1"
_CONFIG = Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=30)


@pytest.fixture(autouse=True)
def _sms_to_a_file(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Text messages go to the ``file`` sender, where tests.sms reads them. Under make
    test-services the script sets the same for the worker (one file for both)."""
    if os.environ.get("SMS_SENDER") != "file":
        settings.SMS_SENDER = "file"
        settings.SMS_FILE_PATH = str(tmp_path_factory.getbasetemp() / "sms.jsonl")


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    # Argon2id at OWASP parameters costs ~15 ms a hash; tests/test_settings.py checks it is
    # what production uses.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def access_key(transactional_db: None) -> tuple[str, str]:
    key, secret = AccessKey.issue(description="tests")
    return key.access_key_id, secret


@pytest.fixture
def endpoint(live_server: Any) -> str:
    return str(live_server.url)


@pytest.fixture
def idp(endpoint: str, access_key: tuple[str, str]) -> Any:
    """A signed cognito-idp client, as an admin backend would hold."""
    return boto3.client(
        "cognito-idp",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=access_key[0],
        aws_secret_access_key=access_key[1],
        config=_CONFIG,
    )


@pytest.fixture
def idp_public(endpoint: str) -> Any:
    """An unsigned cognito-idp client, as a browser or mobile app holds."""
    return boto3.client(
        "cognito-idp",
        endpoint_url=endpoint,
        region_name=REGION,
        config=_CONFIG.merge(Config(signature_version=UNSIGNED)),
    )


@pytest.fixture
def cognito_identity(endpoint: str, access_key: tuple[str, str]) -> Any:
    return boto3.client(
        "cognito-identity",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=access_key[0],
        aws_secret_access_key=access_key[1],
        config=_CONFIG,
    )


@pytest.fixture
def pool(idp: Any) -> dict[str, Any]:
    """A pool shaped like the seed's: email as username, strong policy, MFA optional."""
    response = idp.create_user_pool(
        PoolName="seed-pool",
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 12,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": True,
            }
        },
        AutoVerifiedAttributes=["email"],
        UsernameAttributes=["email"],
        MfaConfiguration="OPTIONAL",
        UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]},
    )
    return dict(response["UserPool"])


class LockoutClock:
    """The clock accounts.services.lockout reads, ahead of the real one by what a test
    advanced it."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def lockout_clock(monkeypatch: pytest.MonkeyPatch) -> LockoutClock:
    """Lockout waits that only end when the test says so. The real first wait is one second
    from the fifth failure: a test asserting "Password attempts exceeded" a few requests
    later failed whenever a loaded machine took longer than that. Here the first wait is a
    minute (the served requests run in this process, on live_server's thread) and
    `lockout_clock.advance(seconds)` moves past it without sleeping."""
    clock = LockoutClock()
    monkeypatch.setattr(lockout, "FIRST_WAIT_SECONDS", 60)
    monkeypatch.setattr(lockout, "time", clock)
    return clock


# --- Real services (make test-services) and the mail they deliver --------------------------


def pytest_configure(config: pytest.Config) -> None:
    if services_enabled() and os.environ.get("PYTEST_XDIST_WORKER"):
        # One Celery worker serves one test database; xdist workers would share its queue.
        raise pytest.UsageError("make test-services runs without pytest-xdist (-n)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `services` need make test-services. Embedded runs deselect them, so they
    are reported as deselected, never as skips that pass."""
    if services_enabled():
        return
    deselected = [item for item in items if item.get_closest_marker("services")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("services")]


@pytest.fixture(scope="session", autouse=True)
def _celery_worker(request: pytest.FixtureRequest) -> Iterator[CeleryWorker | None]:
    """Under make test-services, a real worker (with the outbox sweeper on beat) consuming
    what this session queues, connected to pytest-django's test database, which it can see
    because live_server and transactional_db tests commit for real."""
    if not services_enabled():
        yield None
        return
    request.getfixturevalue("django_db_setup")
    from django.db import connection

    work_dir = Path(os.environ.get("TESSERA_SERVICES_DIR") or tempfile.mkdtemp(prefix="tessera-"))
    worker = CeleryWorker(database_url=database_url(connection.settings_dict), work_dir=work_dir)
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def services(
    _celery_worker: CeleryWorker | None, transactional_db: None, settings: Any
) -> Iterator[Services]:
    """The worker and Redis, to stop and start from a `services`-marked test; both are
    running again afterwards whatever the test did."""
    assert _celery_worker is not None, "the services fixture needs make test-services"
    redis_server = RedisServer(
        url=settings.REDIS_URL, config_path=Path(os.environ["TESSERA_REDIS_CONF"])
    )
    controlled = Services(worker=_celery_worker, redis_server=redis_server)
    yield controlled
    controlled.ensure_running()


@pytest.fixture
def mailbox() -> Mailbox:
    """Mail sent during this test: `mailbox.wait_for(address)`, `mailbox.code_for(address)`.
    Reads what was sent in-process (locmem) and, under make test-services, the SMTP sink."""
    return Mailbox(sink_directory())
