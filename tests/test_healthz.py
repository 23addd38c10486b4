"""/healthz (CONTRACT.md): 200 naming each dependency's state; 503 when the database is down."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.db.utils import load_backend
from django.test import Client

from tests.services import services_enabled


@pytest.fixture
def unreachable_database() -> Iterator[Any]:
    """A real connection to a database that is not there: a closed loopback port on
    PostgreSQL, a path that cannot be created on SQLite."""
    settings_dict = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        settings_dict["NAME"] = "/nonexistent/healthz/db.sqlite3"
    else:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            dead_port = probe.getsockname()[1]
        settings_dict.update(HOST="127.0.0.1", PORT=dead_port, CONN_HEALTH_CHECKS=False)
    backend = load_backend(settings_dict["ENGINE"])
    dead = backend.DatabaseWrapper(settings_dict, alias="healthz-unreachable")
    yield dead
    dead.close()


@pytest.mark.django_db
def test_healthz_names_each_dependency_and_its_state(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    checks = body["checks"]
    assert set(checks) == {"database", "cache", "broker", "mail"}
    assert checks["database"] == {"state": "ok", "engine": connection.vendor}
    assert checks["cache"]["state"] == "ok"
    if services_enabled():
        assert checks["broker"] == {"state": "ok"}
        assert checks["cache"]["backend"] == "redis"
        assert checks["mail"] == {"state": "smtp"}
    else:
        assert checks["broker"] == {"state": "in-process"}
        assert checks["cache"]["backend"] == "locmem"


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_down(
    client: Client, unreachable_database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("core.views.connection", unreachable_database)

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["state"] == "down"
    assert body["checks"]["cache"]["state"] == "ok"


@pytest.mark.django_db  # middleware may look the host up as a pool domain
def test_healthz_answers_get_and_head_only(client: Client) -> None:
    """Load balancers often probe with HEAD (HAProxy's ``option httpchk HEAD /healthz``)."""
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_a_page_on_another_host_survives_a_cache_outage(client: Any) -> None:
    """The custom-domain lookup uses the cache; with Redis down it falls back to the DB.
    (/healthz itself skips the lookup: tests/test_contract_review.py.)"""
    broken = mock.Mock()
    broken.get.side_effect = ConnectionError("cache down")
    broken.set.side_effect = ConnectionError("cache down")
    with mock.patch("oauth.services.domains.cache", broken):
        response = client.get("/", HTTP_HOST="internal-probe.example")
    assert response.status_code == 200
    assert broken.get.called


@pytest.mark.django_db
def test_a_failed_domain_cache_is_skipped_until_the_breaker_retries() -> None:
    """A hanging Redis costs one timeout, not one per request: after a failure the host
    lookup goes straight to the database while the breaker is open."""
    from redis.exceptions import TimeoutError as RedisTimeout

    from oauth.services import domains

    broken = mock.Mock()
    broken.get.side_effect = RedisTimeout("timed out")
    with mock.patch.object(domains, "cache", broken):
        assert domains.domain_for_host("first.example") is None
        assert domains.domain_for_host("second.example") is None
    assert broken.get.call_count == 1
    assert broken.set.call_count == 0
