"""Sign-in with the shared cache (Redis) unreachable: no 500, and what the cache guarantees
(single-use challenge sessions and SRP handshakes, the hosted UI's sign-out deny-list)
still holds within this process (core/cache.py)."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from typing import Any, cast
from unittest import mock

import pytest
from botocore.exceptions import ClientError
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from pycognito.aws_srp import AWSSRP
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.cache import (
    RETRY_AFTER_SECONDS,
    add_once,
    is_remembered,
    local_store,
    remember,
    resilient,
)
from tests.hosted_ui.conftest import Browser

PASSWORD = "Correct-Horse-9-Battery"
NEW_PASSWORD = "Another-Horse-7-Battery"
SESSION_REUSED = (
    "NotAuthorizedException",
    "Invalid session for the user, session can only be used once.",
)


class _UnreachableCache:
    """A cache whose server is down: every call fails as redis-py fails."""

    def __getattr__(self, name: str) -> Any:
        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379.")

        return refuse


def _closed_port() -> int:
    """A local port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def redis_down(settings: Any) -> None:
    """The configured cache is a Redis server that is down: every module reaches it through
    django.core.cache and gets redis-py's own ConnectionError, as in production (Django
    drops its cache connections when CACHES changes, the live server's thread included)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    with pytest.raises(RedisConnectionError):
        cache.get("tessera:outage-probe")


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error["Code"], error["Message"]


def _client(idp: Any, pool_id: str, **settings: Any) -> dict[str, Any]:
    return dict(
        idp.create_user_pool_client(UserPoolId=pool_id, ClientName="outage", **settings)[
            "UserPoolClient"
        ]
    )


def _user(idp: Any, pool_id: str, email: str, *, permanent: bool = True) -> None:
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=email, Password=PASSWORD, Permanent=permanent
    )


def test_password_sign_in_and_new_password_required_work_and_the_session_is_single_use(
    idp: Any, idp_public: Any, pool: dict[str, Any], redis_down: None
) -> None:
    client = _client(idp, pool["Id"], ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])
    _user(idp, pool["Id"], "temp@example.com", permanent=False)

    def sign_in(password: str) -> dict[str, Any]:
        return dict(
            idp_public.initiate_auth(
                ClientId=client["ClientId"],
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": "temp@example.com", "PASSWORD": password},
            )
        )

    challenge = sign_in(PASSWORD)
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"

    def answer() -> dict[str, Any]:
        return dict(
            idp_public.respond_to_auth_challenge(
                ClientId=client["ClientId"],
                ChallengeName="NEW_PASSWORD_REQUIRED",
                Session=challenge["Session"],
                ChallengeResponses={"USERNAME": "temp@example.com", "NEW_PASSWORD": NEW_PASSWORD},
            )
        )

    assert "AccessToken" in answer()["AuthenticationResult"]
    with pytest.raises(ClientError) as replayed:
        answer()
    assert _error(replayed) == SESSION_REUSED

    assert "AccessToken" in sign_in(NEW_PASSWORD)["AuthenticationResult"]
    with pytest.raises(ClientError) as wrong:
        sign_in(PASSWORD)
    assert _error(wrong) == ("NotAuthorizedException", "Incorrect username or password.")


def test_srp_handshake_works_and_a_replayed_password_verifier_is_refused(
    idp: Any, idp_public: Any, pool: dict[str, Any], redis_down: None
) -> None:
    client = _client(idp, pool["Id"])
    _user(idp, pool["Id"], "srp@example.com")
    srp_client = AWSSRP(
        username="srp@example.com",
        password=PASSWORD,
        pool_id=pool["Id"],
        client_id=client["ClientId"],
        client=idp_public,
    )

    sent = srp_client.get_auth_params()
    step = idp_public.initiate_auth(
        ClientId=client["ClientId"], AuthFlow="USER_SRP_AUTH", AuthParameters=sent
    )
    responses = srp_client.process_challenge(step["ChallengeParameters"], sent)

    def answer() -> dict[str, Any]:
        return dict(
            idp_public.respond_to_auth_challenge(
                ClientId=client["ClientId"],
                ChallengeName="PASSWORD_VERIFIER",
                ChallengeResponses=responses,
            )
        )

    assert "AccessToken" in answer()["AuthenticationResult"]
    with pytest.raises(ClientError) as replayed:
        answer()
    assert _error(replayed) == SESSION_REUSED
    # pycognito's whole handshake, start to finish.
    assert "IdToken" in srp_client.authenticate_user()["AuthenticationResult"]


def test_hosted_sign_in_and_sign_out_work_and_a_copied_cookie_stays_dead(
    idp: Any, pool: dict[str, Any], redis_down: None
) -> None:
    logout_url = "https://app.example/signed-out"
    client_id = _client(idp, pool["Id"], LogoutURLs=[logout_url])["ClientId"]
    _user(idp, pool["Id"], "web@example.com")
    browser = Browser()

    def signed_in() -> bool:
        page = browser.client.get(f"/login?client_id={client_id}")
        assert page.status_code == 200
        return "You are signed in as" in page.content.decode()

    landed = browser.submit(
        f"/login?client_id={client_id}", {"username": "web@example.com", "password": PASSWORD}
    )
    assert landed.status_code == 303
    assert signed_in()
    cookie_name = f"tessera_{pool['Id']}"
    copied = browser.client.cookies[cookie_name].value

    signed_out = browser.client.get(f"/logout?client_id={client_id}&logout_uri={logout_url}")
    assert signed_out.status_code == 303
    assert signed_out["Location"] == logout_url
    assert not signed_in()
    # Put back, the cookie is refused: this process remembers its session ended.
    browser.client.cookies[cookie_name] = copied
    assert not signed_in()


def test_what_a_process_remembered_during_the_outage_it_still_refuses_after_it() -> None:
    shared = LocMemCache("tessera-test-recovered-shared", {})
    down = cast(BaseCache, _UnreachableCache())

    assert add_once(down, "used-nonce", timeout=60, purpose="test single use")
    assert not add_once(down, "used-nonce", timeout=60, purpose="test single use")
    # The shared store is back and never saw the nonce: this process still refuses it.
    assert not add_once(shared, "used-nonce", timeout=60, purpose="test single use")
    assert add_once(shared, "fresh-nonce", timeout=60, purpose="test single use")
    assert not add_once(shared, "fresh-nonce", timeout=60, purpose="test single use")

    remember(down, "ended-session", timeout=60, purpose="test deny-list")
    assert is_remembered(down, "ended-session", purpose="test deny-list")
    assert is_remembered(shared, "ended-session", purpose="test deny-list")
    assert not is_remembered(shared, "live-session", purpose="test deny-list")
    # Purposes keep separate fallback stores.
    assert not is_remembered(shared, "used-nonce", purpose="test deny-list")


def test_domain_changes_commit_without_a_500(idp: Any, redis_down: None) -> None:
    """The host-lookup cache is forgotten after commit; with it down the change still lands."""
    pool_id = idp.create_user_pool(PoolName="domains")["UserPool"]["Id"]

    idp.create_user_pool_domain(UserPoolId=pool_id, Domain="outage-prefix")
    described = idp.describe_user_pool_domain(Domain="outage-prefix")["DomainDescription"]
    assert described["UserPoolId"] == pool_id
    idp.delete_user_pool_domain(UserPoolId=pool_id, Domain="outage-prefix")
    assert idp.describe_user_pool_domain(Domain="outage-prefix")["DomainDescription"] == {}


class _CountingCache:
    """A store that counts the calls it receives; fails as redis-py does while ``down``."""

    def __init__(self) -> None:
        self.calls = 0
        self.down = True
        self.healthy = LocMemCache("tessera-test-counting", {})

    def get(self, key: str) -> Any:
        self.calls += 1
        if self.down:
            raise RedisTimeoutError("Timeout reading from 127.0.0.1:6379")
        return self.healthy.get(key)


class _FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Iterator[_FakeClock]:
    fake = _FakeClock()
    with mock.patch("core.cache._now", fake):
        yield fake


def test_after_a_failure_the_shared_store_is_skipped_for_the_interval_then_tried_again(
    clock: _FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    store = _CountingCache()
    shared = cast(BaseCache, store)
    other = LocMemCache("tessera-test-other-store", {})

    def read(cache_store: BaseCache) -> Any:
        return cache_store.get("counter")

    with caplog.at_level(logging.INFO, logger="tessera"):
        assert resilient(shared, read, purpose="test breaker") is None
        assert store.calls == 1
        # Open: every call within the interval goes straight to this process's memory.
        local_store("test breaker").set("counter", 7)
        for _ in range(5):
            clock.now += 0.9
            assert resilient(shared, read, purpose="test breaker") == 7
        assert store.calls == 1
        # Another store has its own breaker, closed.
        other.set("counter", 3)
        assert resilient(cast(BaseCache, other), read, purpose="test breaker") == 3

        # The interval is over: one call tries the store again; it still fails.
        clock.now += RETRY_AFTER_SECONDS
        assert resilient(shared, read, purpose="test breaker") == 7
        assert store.calls == 2
        clock.now += RETRY_AFTER_SECONDS - 0.1
        assert resilient(shared, read, purpose="test breaker") == 7
        assert store.calls == 2

        # Back: the next trial succeeds and from then on every call uses the store.
        store.down = False
        store.healthy.set("counter", 42)
        clock.now += 0.1
        assert resilient(shared, read, purpose="test breaker") == 42
        assert resilient(shared, read, purpose="test breaker") == 42
        assert store.calls == 4

    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2, messages
    assert "test breaker: shared cache unavailable" in messages[0]
    assert "Timeout reading from 127.0.0.1:6379" in messages[0]
    assert messages[1] == "test breaker: shared cache reachable again; using it"


def test_while_one_call_retries_a_hanging_store_the_others_use_memory(clock: _FakeClock) -> None:
    store = _CountingCache()
    shared = cast(BaseCache, store)
    assert resilient(shared, lambda s: s.get("k"), purpose="test trial") is None
    clock.now += RETRY_AFTER_SECONDS
    store.down = False
    trial_started, release_trial = threading.Event(), threading.Event()

    def hanging_read(cache_store: BaseCache) -> Any:
        value = cache_store.get("k")
        if cache_store is shared:
            trial_started.set()
            assert release_trial.wait(5)
        return value

    trial = threading.Thread(
        target=resilient, args=(shared, hanging_read), kwargs={"purpose": "test trial"}
    )
    trial.start()
    try:
        assert trial_started.wait(5)
        for _ in range(3):
            resilient(shared, hanging_read, purpose="test trial")
        assert store.calls == 2
    finally:
        release_trial.set()
        trial.join(5)
    assert resilient(shared, hanging_read, purpose="test trial") is None
    assert store.calls == 3


class _HangingServer:
    """A server that accepts connections and never answers: the kernel completes the TCP
    handshake for a listening socket nobody accepts on."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.socket.setblocking(False)
        self.accepted: list[socket.socket] = []

    @property
    def location(self) -> str:
        return f"redis://127.0.0.1:{self.socket.getsockname()[1]}/0"

    def connections(self) -> int:
        """Connections made to it so far."""
        while True:
            try:
                self.accepted.append(self.socket.accept()[0])
            except BlockingIOError:
                return len(self.accepted)

    def close(self) -> None:
        for connection in self.accepted:
            connection.close()
        self.socket.close()


@pytest.fixture
def hanging_server() -> Iterator[_HangingServer]:
    server = _HangingServer()
    yield server
    server.close()


def test_sign_ins_against_a_hanging_redis_wait_for_it_once(
    idp: Any, idp_public: Any, pool: dict[str, Any], settings: Any, hanging_server: _HangingServer
) -> None:
    client_id = _client(idp, pool["Id"], ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["ClientId"]
    _user(idp, pool["Id"], "hang@example.com")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": hanging_server.location,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }

    def sign_in(password: str) -> dict[str, Any]:
        return dict(
            idp_public.initiate_auth(
                ClientId=client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": "hang@example.com", "PASSWORD": password},
            )
        )

    assert "AccessToken" in sign_in(PASSWORD)["AuthenticationResult"]
    with pytest.raises(ClientError) as wrong:
        sign_in("Wrong-Horse-1-Battery")
    assert _error(wrong) == ("NotAuthorizedException", "Incorrect username or password.")
    assert "AccessToken" in sign_in(PASSWORD)["AuthenticationResult"]
    # Each sign-in makes several cache calls (lockout); only the first waited for the
    # socket timeout, the rest went to this process's memory while the breaker was open.
    assert hanging_server.connections() == 1
