"""Races a Cognito user can actually run into: two requests with the same refresh token,
code, sign-up name or user at the same moment. Each test forces the interleaving that
used to go wrong (a second request landing between one request's read and its write)
instead of hoping threads collide, and asserts the invariant, so it is deterministic on
SQLite (which serialises writers) and on PostgreSQL under make test-services (which
does not).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from django.db import connection, connections
from django.utils import timezone

from accounts.models import OneTimeCode, OutboxMessage, PoolUser, UserPool
from accounts.services import attributes as attribute_rules
from accounts.services import (
    auth_flows,
    codes,
    lockout,
    messaging,
    mfa,
    passwords,
    self_service,
    sign_up,
    totp,
    users,
)
from accounts.services.passwords import set_password
from core import crypto
from core.errors import (
    AliasExistsException,
    InvalidParameterException,
    NotAuthorizedException,
    RefreshTokenReuseException,
    UsernameExistsException,
)
from oauth.models import AccessToken, AppClient, RefreshToken, ResourceServer, UserPoolDomain
from oauth.services import domains, resource_servers, tokens
from tests.mail import Mailbox

PASSWORD = "Correct-Horse-9!"
T = TypeVar("T")


def concurrent_writers() -> bool:
    """Whether a second connection can write while the first holds a write transaction.
    PostgreSQL can, so the racing request runs in the middle of the first one; SQLite
    (transaction_mode IMMEDIATE) queues it behind, so it runs after, and the invariant
    asserted must hold either way."""
    return connection.vendor != "sqlite"


def in_another_connection(work: Callable[[], T]) -> T:
    """Run ``work`` as another request would: in a thread with its own database
    connection, committing on its own. Returns its result or raises its exception."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except Exception as exc:  # handed to the caller
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "the concurrent request did not finish"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]  # type: ignore[no-any-return]


@pytest.fixture
def make_client(idp: Any, pool: dict[str, Any]) -> Callable[..., AppClient]:
    """An app client created with boto3 (``overrides`` are CreateUserPoolClient members)."""

    def make(**overrides: Any) -> AppClient:
        request: dict[str, Any] = {
            "UserPoolId": pool["Id"],
            "ClientName": "race",
            "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            **overrides,
        }
        created = idp.create_user_pool_client(**request)["UserPoolClient"]
        return AppClient.objects.select_related("pool").get(client_id=created["ClientId"])

    return make


@pytest.fixture
def user(pool: dict[str, Any]) -> PoolUser:
    """A confirmed user of the seed-shaped pool (email is the username attribute)."""
    user_pool = UserPool.objects.get(pk=pool["Id"])
    made = PoolUser(pool=user_pool, status="CONFIRMED")
    made.username = str(made.sub)
    made.username_key = user_pool.normalize_username(made.username)
    made.set_attributes({"email": "ada@example.com", "email_verified": "true"})
    set_password(made, PASSWORD)
    made.save()
    return made


def _refresh_with_a_second_refresh_in_the_middle(
    client: AppClient, refresh_token: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[Any], list[Any]]:
    """Refresh once; while that refresh is between reading the token and writing, the
    same token is refreshed again. Returns each refresh's outcome (a TokenSet or the
    exception), first then second."""
    real_mint = tokens._mint
    first: list[Any] = []
    second: list[Any] = []

    def mint_with_a_second_refresh(**kwargs: Any) -> Any:
        if not second:
            second.append(None)
            try:
                second[0] = tokens.refresh_tokens(client=client, refresh_token=refresh_token)
            except Exception as exc:  # the outcome under test
                second[0] = exc
        return real_mint(**kwargs)

    monkeypatch.setattr(tokens, "_mint", mint_with_a_second_refresh)
    try:
        first.append(tokens.refresh_tokens(client=client, refresh_token=refresh_token))
    except Exception as exc:  # the outcome under test
        first.append(exc)
    monkeypatch.setattr(tokens, "_mint", real_mint)
    return first, second


def test_two_refreshes_racing_with_one_rotating_token_rotate_it_once(
    make_client: Callable[..., AppClient], user: PoolUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    strict = make_client(RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 0})
    session = tokens.issue_token_set(client=strict, user=user)
    assert session.refresh_token is not None

    first, second = _refresh_with_a_second_refresh_in_the_middle(
        strict, session.refresh_token, monkeypatch
    )

    # No grace period: the token is good for exactly one rotation. The request that
    # rotated it second is a reuse and leaves nothing behind.
    assert isinstance(second[0], tokens.TokenSet)
    assert isinstance(first[0], RefreshTokenReuseException)
    assert RefreshToken.objects.filter(user=user, revoked__isnull=True).count() == 1
    live = RefreshToken.objects.get(user=user, revoked__isnull=True)
    assert live.token_checksum == tokens._checksum(str(second[0].refresh_token))
    assert AccessToken.objects.filter(user=user).count() == 2  # the sign-in's and the winner's

    lenient = make_client(
        ClientName="lenient",
        RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 60},
    )
    session = tokens.issue_token_set(client=lenient, user=user)
    assert session.refresh_token is not None
    first, second = _refresh_with_a_second_refresh_in_the_middle(
        lenient, session.refresh_token, monkeypatch
    )
    # Within the grace period a retry is allowed: both get fresh tokens.
    assert isinstance(first[0], tokens.TokenSet)
    assert isinstance(second[0], tokens.TokenSet)
    assert first[0].refresh_token != second[0].refresh_token


def test_a_refresh_racing_a_revocation_mints_no_refresh_token_into_the_revoked_family(
    make_client: Callable[..., AppClient], user: PoolUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 60})
    session = tokens.issue_token_set(client=client, user=user)
    assert session.refresh_token is not None
    real_mint = tokens._mint

    def mint_after_a_revocation(**kwargs: Any) -> Any:
        tokens.revoke_refresh_token(client=client, token=str(session.refresh_token))
        return real_mint(**kwargs)

    monkeypatch.setattr(tokens, "_mint", mint_after_a_revocation)
    with pytest.raises(NotAuthorizedException) as refused:
        tokens.refresh_tokens(client=client, refresh_token=session.refresh_token)

    assert refused.value.message == "Refresh Token has been revoked"
    assert not RefreshToken.objects.filter(user=user, revoked__isnull=True).exists()
    assert not AccessToken.objects.filter(user=user).exists()


# --- a stale copy of the user must not undo a concurrent AdminDisableUser -------------------
NEW_PASSWORD = "Battery-Staple-7?"


def _disable_in_the_middle_of(
    monkeypatch: pytest.MonkeyPatch, module: Any, name: str, user: PoolUser
) -> None:
    """Make ``module.name`` — a step each action takes after reading the user and before
    writing it — disable the user (as an administrator would at that moment) once it ran."""
    real = getattr(module, name)

    def step_then_disable(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        monkeypatch.setattr(module, name, real)
        users.admin_disable_user(user=PoolUser.objects.select_related("pool").get(pk=user.pk))
        return result

    monkeypatch.setattr(module, name, step_then_disable)


@pytest.mark.parametrize(
    "action",
    [
        "ConfirmForgotPassword",
        "ChangePassword",
        "UpdateUserAttributes",
        "AdminUpdateUserAttributes",
        "AdminDeleteUserAttributes",
    ],
)
def test_a_write_racing_admin_disable_user_leaves_the_user_disabled(
    action: str,
    make_client: Callable[..., AppClient],
    user: PoolUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = make_client()
    access_token = tokens.issue_token_set(client=client, user=user).access_token
    user.set_attributes({"name": "Ada"})
    user.save()
    stale = PoolUser.objects.select_related("pool").get(pk=user.pk)

    if action == "ConfirmForgotPassword":
        code = codes.issue_code(user, codes.Purpose.FORGOT_PASSWORD)
        _disable_in_the_middle_of(monkeypatch, codes, "verify_code", user)
        sign_up.confirm_forgot_password(
            client=client, username="ada@example.com", code=code, password=NEW_PASSWORD
        )
    elif action == "ChangePassword":
        _disable_in_the_middle_of(monkeypatch, passwords, "check_user_password", user)
        self_service.change_password(
            access_token=access_token,
            previous_password=PASSWORD,
            proposed_password=NEW_PASSWORD,
        )
    elif action == "UpdateUserAttributes":
        _disable_in_the_middle_of(monkeypatch, attribute_rules, "check_alias_uniqueness", user)
        self_service.update_user_attributes(
            access_token=access_token, attributes={"name": "Ada Lovelace"}
        )
    elif action == "AdminUpdateUserAttributes":
        _disable_in_the_middle_of(monkeypatch, attribute_rules, "check_alias_uniqueness", user)
        users.admin_update_user_attributes(user=stale, attributes={"name": "Ada Lovelace"})
    else:
        _disable_in_the_middle_of(monkeypatch, attribute_rules, "validate_deletable", user)
        users.admin_delete_user_attributes(user=stale, names=["name"])

    after = PoolUser.objects.get(pk=user.pk)
    assert after.enabled is False
    assert after.tokens_valid_after is not None
    # The action itself still took effect.
    if action in ("ConfirmForgotPassword", "ChangePassword"):
        assert passwords.check_user_password(after, NEW_PASSWORD)
    elif action == "AdminDeleteUserAttributes":
        assert "name" not in after.attributes
    else:
        assert after.attributes["name"] == "Ada Lovelace"


# --- the first code issued twice at once ---------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_two_requests_issuing_the_first_code_at_once_leave_one_working_code(
    user: PoolUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ForgotPassword sent twice (a double click): both find no reset code yet and both
    insert one; the second insert used to hit the unique constraint, a 500."""
    issued = iter(["111111", "222222"])
    monkeypatch.setattr(codes, "new_code", lambda: next(issued))
    first_thread = threading.get_ident()
    real_digest = crypto.keyed_digest
    racing: list[str] = []

    def issue_racing_code() -> str:
        fresh = PoolUser.objects.select_related("pool").get(pk=user.pk)
        return codes.issue_code(fresh, codes.Purpose.FORGOT_PASSWORD)

    def digest_after_a_racing_insert(*args: Any, **kwargs: Any) -> str:
        # Called once the first request found no code row and before it inserts one.
        if threading.get_ident() == first_thread and not racing and concurrent_writers():
            racing.append(in_another_connection(issue_racing_code))
        return real_digest(*args, **kwargs)

    monkeypatch.setattr(crypto, "keyed_digest", digest_after_a_racing_insert)
    first = codes.issue_code(user, codes.Purpose.FORGOT_PASSWORD)
    if not racing:
        racing.append(issue_racing_code())
    monkeypatch.setattr(crypto, "keyed_digest", real_digest)

    assert {first, racing[0]} == {"111111", "222222"}
    (row,) = OneTimeCode.objects.filter(user=user, purpose=codes.Purpose.FORGOT_PASSWORD)
    matching = [
        code
        for code in (first, racing[0])
        if crypto.digest_matches(
            codes._digest_input(user, row.purpose, "", code), row.code_digest, "one-time-code"
        )
    ]
    assert len(matching) == 1  # the later write replaced the other's code
    assert codes.verify_code(user, codes.Purpose.FORGOT_PASSWORD, matching[0]) is not None


# --- two SignUps with the same email where email is the username --------------------------
def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def _wait_until_finished_or_blocked(thread: threading.Thread, backend_pid: list[int]) -> None:
    """Return once the racing request finished or waits on a lock the first one holds."""
    deadline = time.monotonic() + 30
    while thread.is_alive() and time.monotonic() < deadline:
        if backend_pid:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", backend_pid
                )
                found = cursor.fetchone()
            if found is not None and found[0] == "Lock":
                return
        time.sleep(0.02)
    assert not thread.is_alive(), "the racing request neither finished nor waited on a lock"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("action", ["SignUp", "AdminCreateUser"])
def test_two_requests_creating_the_same_email_username_at_once_make_one_user(
    action: str,
    make_client: Callable[..., AppClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In a pool where email is the username the stored username is the ``sub``, so the
    unique username constraint cannot catch two users with one email: both requests used
    to pass the uniqueness check before either inserted, and the second account could
    never sign in (the email resolves to the first)."""
    client = make_client()
    email = "grace@example.com"

    def create() -> PoolUser:
        pool = UserPool.objects.get(pk=client.pool_id)
        if action == "SignUp":
            fresh = AppClient.objects.select_related("pool").get(pk=client.pk)
            signed_up = sign_up.sign_up(
                client=fresh, username=email, password=PASSWORD, attributes={}
            )
            return signed_up.user
        return users.admin_create_user(pool=pool, username=email, attributes={})

    first_thread = threading.get_ident()
    real_check = attribute_rules.check_alias_uniqueness
    outcomes: dict[str, Any] = {}
    racing_pid: list[int] = []

    def create_racing() -> None:
        if concurrent_writers():
            racing_pid.append(_backend_pid())
        try:
            outcomes["racing"] = create()
        except UsernameExistsException as exc:
            outcomes["racing"] = exc
        finally:
            connections.close_all()

    def check_with_a_racing_request(*args: Any, **kwargs: Any) -> None:
        real_check(*args, **kwargs)
        # The first request found the email free and has not inserted yet.
        if threading.get_ident() == first_thread and "thread" not in outcomes:
            thread = threading.Thread(target=create_racing)
            outcomes["thread"] = thread
            thread.start()
            _wait_until_finished_or_blocked(thread, racing_pid)

    if concurrent_writers():
        monkeypatch.setattr(attribute_rules, "check_alias_uniqueness", check_with_a_racing_request)
    try:
        outcomes["first"] = create()
    except UsernameExistsException as exc:
        outcomes["first"] = exc
    monkeypatch.setattr(attribute_rules, "check_alias_uniqueness", real_check)
    if "thread" in outcomes:
        outcomes["thread"].join(timeout=60)
        assert not outcomes["thread"].is_alive()
    else:
        create_racing()

    results = [outcomes["first"], outcomes["racing"]]
    assert PoolUser.objects.filter(pool_id=client.pool_id, email=email).count() == 1
    assert sum(isinstance(result, PoolUser) for result in results) == 1
    (refused,) = [result for result in results if isinstance(result, UsernameExistsException)]
    assert refused.message == "An account with the given email already exists."


# --- AssociateSoftwareToken twice at once ---------------------------------------------------
def _race_at(
    monkeypatch: pytest.MonkeyPatch, module: Any, name: str, racing: Callable[[], Any]
) -> dict[str, Any]:
    """When this thread next calls ``module.name``, start ``racing`` as a concurrent
    request and go on once it finished or waits on a lock this one holds (PostgreSQL);
    with SQLite, ``finish_race`` runs it afterwards. Its outcome lands in ``["racing"]``."""
    outcome: dict[str, Any] = {}
    first_thread = threading.get_ident()
    real = getattr(module, name)
    racing_pid: list[int] = []

    def run_racing() -> None:
        if concurrent_writers():
            racing_pid.append(_backend_pid())
        try:
            outcome["racing"] = racing()
        except Exception as exc:  # the outcome under test
            outcome["racing"] = exc
        finally:
            connections.close_all()

    def step_with_a_racing_request(*args: Any, **kwargs: Any) -> Any:
        if threading.get_ident() == first_thread and "thread" not in outcome:
            thread = threading.Thread(target=run_racing)
            outcome["thread"] = thread
            thread.start()
            _wait_until_finished_or_blocked(thread, racing_pid)
        return real(*args, **kwargs)

    outcome["run"] = run_racing
    if concurrent_writers():
        monkeypatch.setattr(module, name, step_with_a_racing_request)
    return outcome


def _finish_race(outcome: dict[str, Any]) -> Any:
    if "thread" in outcome:
        outcome["thread"].join(timeout=60)
        assert not outcome["thread"].is_alive()
    else:
        outcome["run"]()
    return outcome["racing"]


@pytest.mark.django_db(transaction=True)
def test_two_associate_software_token_calls_at_once_leave_one_pending_secret(
    user: PoolUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both found no pending device and inserted one; on PostgreSQL the second insert hit
    the one-pending-device constraint, a 500."""

    def associate() -> str:
        return totp.associate(PoolUser.objects.select_related("pool").get(pk=user.pk))

    race = _race_at(monkeypatch, totp, "new_secret", associate)
    first = associate()
    racing = _finish_race(race)

    assert isinstance(racing, str)
    (pending,) = totp.TotpDevice.objects.filter(user=user, verified=False)
    assert totp.device_secret(pending) in (first, racing)


# --- wrong passwords at once ---------------------------------------------------------------
def test_wrong_passwords_recorded_at_once_are_each_counted() -> None:
    """The lockout counter is one atomic increment in the shared cache (Redis under make
    test-services), so parallel failures cannot overwrite each other's count."""
    subject = lockout.subject_for_unknown("us-east-1_race", "mallory")
    attempts = 12
    start = threading.Barrier(attempts)
    counts: list[int] = []

    def fail_once() -> None:
        start.wait(timeout=30)
        counts.append(lockout.record_failure(subject))

    threads = [threading.Thread(target=fail_once) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(counts) == list(range(1, attempts + 1))
    assert lockout.locked_for(subject) > 0
    lockout.record_success(subject)


# --- sign-in steps that write the user must not undo a concurrent AdminDisableUser ---------
@pytest.mark.parametrize("step", ["NEW_PASSWORD_REQUIRED", "EMAIL_OTP"])
def test_a_sign_in_step_racing_admin_disable_user_leaves_the_user_disabled(
    step: str,
    make_client: Callable[..., AppClient],
    user: PoolUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The NEW_PASSWORD_REQUIRED answer and a verified EMAIL_OTP code write the user read
    when the challenge's Session was opened; an AdminDisableUser committed in between
    used to be written back over (user enabled again, its tokens valid again)."""
    client = make_client()
    if step == "NEW_PASSWORD_REQUIRED":
        set_password(user, PASSWORD, temporary=True)
        user.status = "FORCE_CHANGE_PASSWORD"
        user.save()
        challenge = auth_flows.password_sign_in(
            client=client, username="ada@example.com", password=PASSWORD
        )
        assert challenge.challenge_name == "NEW_PASSWORD_REQUIRED"
        _disable_in_the_middle_of(monkeypatch, passwords, "validate_password_policy", user)
        auth_flows.answer_challenge(
            client=client,
            challenge_name="NEW_PASSWORD_REQUIRED",
            responses={"USERNAME": "ada@example.com", "NEW_PASSWORD": NEW_PASSWORD},
            session=challenge.session,
        )
    else:
        user.set_attributes({"email_verified": "false"})
        user.save()
        stale = PoolUser.objects.select_related("pool").get(pk=user.pk)
        users.admin_disable_user(user=PoolUser.objects.select_related("pool").get(pk=user.pk))
        mfa.mark_delivery_verified(stale, mfa.EMAIL_OTP)

    after = PoolUser.objects.get(pk=user.pk)
    assert after.enabled is False
    assert after.tokens_valid_after is not None
    if step == "NEW_PASSWORD_REQUIRED":
        assert after.status == "CONFIRMED"
        assert passwords.check_user_password(after, NEW_PASSWORD)
    else:
        assert after.attributes["email_verified"] == "true"


# --- two users taking the same sign-in alias at once ---------------------------------------
@pytest.fixture
def alias_client(idp: Any) -> AppClient:
    """A client of a pool signing in with a username, a verified email or a preferred
    username (AliasAttributes), verifying email automatically."""
    created = idp.create_user_pool(
        PoolName="aliases",
        AliasAttributes=["email", "preferred_username"],
        AutoVerifiedAttributes=["email"],
    )["UserPool"]
    client = idp.create_user_pool_client(
        UserPoolId=created["Id"],
        ClientName="aliases",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    return AppClient.objects.select_related("pool").get(client_id=client["ClientId"])


def _alias_pool_user(client: AppClient, username: str, status: str, **attributes: str) -> PoolUser:
    made = PoolUser(pool=client.pool, status=status, username=username)
    made.username_key = client.pool.normalize_username(username)
    made.set_attributes(attributes)
    set_password(made, PASSWORD, temporary=status == "FORCE_CHANGE_PASSWORD")
    made.save()
    return made


SHARED_EMAIL = "shared@example.com"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "action", ["ConfirmSignUp", "VerifyUserAttribute", "UpdateUserAttributes", "NEW_PASSWORD"]
)
def test_two_users_taking_the_same_alias_at_once_leave_one_holder(
    action: str, alias_client: AppClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One user's request checks that the email (or preferred username) is free, then
    another user takes it, then the first request writes: both ended up holding it as a
    sign-in alias, and signing in with it reached only one of them. The racing request is
    an administrator verifying the other user's copy (AdminUpdateUserAttributes)."""
    client = alias_client
    status = {"ConfirmSignUp": "UNCONFIRMED", "NEW_PASSWORD": "FORCE_CHANGE_PASSWORD"}
    first = _alias_pool_user(
        client, "ada", status.get(action, "CONFIRMED"), email=SHARED_EMAIL, email_verified="false"
    )
    other = _alias_pool_user(
        client, "grace", "CONFIRMED", email=SHARED_EMAIL, email_verified="false"
    )
    if action in ("ConfirmSignUp", "VerifyUserAttribute"):
        alias, value, taken = "email", SHARED_EMAIL, {"email_verified": "true"}
    else:
        alias, value, taken = "preferred_username", "lovelace", {"preferred_username": "lovelace"}

    def take_it_for_the_other_user() -> None:
        fresh = PoolUser.objects.select_related("pool").get(pk=other.pk)
        users.admin_update_user_attributes(user=fresh, attributes=taken)

    first_thread = threading.get_ident()
    real_check = attribute_rules.check_alias_uniqueness
    outcome: dict[str, Any] = {}
    racing_pid: list[int] = []

    def run_racing() -> None:
        if concurrent_writers():
            racing_pid.append(_backend_pid())
        try:
            take_it_for_the_other_user()
            outcome["racing"] = None
        except AliasExistsException as exc:
            outcome["racing"] = exc
        finally:
            connections.close_all()

    def check_then_race(*args: Any, **kwargs: Any) -> None:
        real_check(*args, **kwargs)
        # The first request found the name free. Unless it now holds SQLite's write lock
        # (the racing request would wait for it), the other user takes the name now.
        if threading.get_ident() != first_thread or "thread" in outcome:
            return
        if concurrent_writers() or not connection.in_atomic_block:
            thread = threading.Thread(target=run_racing)
            outcome["thread"] = thread
            thread.start()
            _wait_until_finished_or_blocked(thread, racing_pid)

    monkeypatch.setattr(attribute_rules, "check_alias_uniqueness", check_then_race)
    try:
        if action == "ConfirmSignUp":
            code = codes.issue_code(first, codes.Purpose.SIGN_UP)
            sign_up.confirm_sign_up(client=client, username="ada", code=code)
        elif action == "VerifyUserAttribute":
            access_token = tokens.issue_token_set(client=client, user=first).access_token
            code = codes.issue_code(first, codes.Purpose.VERIFY_ATTRIBUTE, "email")
            self_service.verify_user_attribute(
                access_token=access_token, attribute_name="email", code=code
            )
        elif action == "UpdateUserAttributes":
            access_token = tokens.issue_token_set(client=client, user=first).access_token
            self_service.update_user_attributes(
                access_token=access_token, attributes={"preferred_username": "lovelace"}
            )
        else:
            challenge = auth_flows.password_sign_in(
                client=client, username="ada", password=PASSWORD
            )
            auth_flows.answer_challenge(
                client=client,
                challenge_name="NEW_PASSWORD_REQUIRED",
                responses={
                    "USERNAME": "ada",
                    "NEW_PASSWORD": NEW_PASSWORD,
                    "userAttributes.preferred_username": "lovelace",
                },
                session=challenge.session,
            )
        outcome["first"] = None
    except AliasExistsException as exc:
        outcome["first"] = exc
    monkeypatch.setattr(attribute_rules, "check_alias_uniqueness", real_check)
    if "thread" in outcome:
        outcome["thread"].join(timeout=60)
        assert not outcome["thread"].is_alive()
    else:
        run_racing()

    holders = PoolUser.objects.filter(pool=client.pool, **{alias: value})
    if alias == "email":
        holders = holders.filter(email_verified=True)
    assert holders.count() == 1
    refusals = [result for result in (outcome["first"], outcome["racing"]) if result is not None]
    assert len(refusals) == 1
    assert refusals[0].message == f"An account with the given {alias} already exists."


def test_an_email_otp_code_does_not_verify_an_address_another_user_holds(
    alias_client: AppClient,
) -> None:
    """In an alias pool an unverified email may repeat another user's verified one; the
    EMAIL_OTP code proving it must not give both users the same verified alias."""
    holder = _alias_pool_user(
        alias_client, "grace", "CONFIRMED", email=SHARED_EMAIL, email_verified="true"
    )
    second = _alias_pool_user(
        alias_client, "ada", "CONFIRMED", email=SHARED_EMAIL, email_verified="false"
    )

    mfa.mark_delivery_verified(second, mfa.EMAIL_OTP)

    assert PoolUser.objects.get(pk=second.pk).attributes["email_verified"] == "false"
    assert PoolUser.objects.get(pk=holder.pk).email_verified is True
    users.admin_update_user_attributes(user=holder, attributes={"email": "grace@example.com"})
    mfa.mark_delivery_verified(second, mfa.EMAIL_OTP)
    assert PoolUser.objects.get(pk=second.pk).attributes["email_verified"] == "true"


# --- administrators creating the same domain or resource server at once ---------------------
@pytest.mark.django_db(transaction=True)
def test_two_pools_creating_the_same_domain_at_once_get_cognitos_refusal(
    idp: Any, pool: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """CreateUserPoolDomain locks its own pool, so another pool's request for the same
    prefix passed the availability check too; on PostgreSQL the insert that lost the
    unique index was a 500."""
    other_id = idp.create_user_pool(PoolName="other")["UserPool"]["Id"]

    def create_for(pool_id: str) -> Any:
        return domains.create_user_pool_domain(
            pool=UserPool.objects.get(pk=pool_id), domain="race-prefix"
        )

    race = _race_at(monkeypatch, domains, "_custom_config", lambda: create_for(other_id))
    try:
        outcome: Any = create_for(pool["Id"])
    except InvalidParameterException as exc:
        outcome = exc
    racing = _finish_race(race)

    results = [outcome, racing]
    assert sum(isinstance(result, UserPoolDomain) for result in results) == 1
    (refused,) = [result for result in results if not isinstance(result, UserPoolDomain)]
    assert isinstance(refused, InvalidParameterException)
    assert refused.message == "Domain already associated with another user pool."
    assert UserPoolDomain.objects.filter(domain="race-prefix").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_requests_creating_a_pools_first_resource_server_at_once_get_cognitos_refusal(
    pool: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Locking the pool's existing servers locked nothing for its first one: both
    requests passed the duplicate check and the second insert (PostgreSQL) was a 500."""

    def create() -> Any:
        return resource_servers.create_resource_server(
            pool=UserPool.objects.get(pk=pool["Id"]),
            identifier="https://api.example.com",
            name="api",
            scopes=[{"ScopeName": "read", "ScopeDescription": "Read"}],
        )

    race = _race_at(monkeypatch, resource_servers, "_clean_scopes", create)
    try:
        outcome: Any = create()
    except InvalidParameterException as exc:
        outcome = exc
    racing = _finish_race(race)

    results = [outcome, racing]
    assert sum(isinstance(result, ResourceServer) for result in results) == 1
    (refused,) = [result for result in results if not isinstance(result, ResourceServer)]
    assert isinstance(refused, InvalidParameterException)
    assert refused.message == (
        "A resource server with identifier https://api.example.com already exists in this "
        "user pool."
    )


# --- a refresh without rotation racing RevokeToken / GlobalSignOut --------------------------
@pytest.mark.parametrize("revocation", ["RevokeToken", "GlobalSignOut"])
def test_a_refresh_racing_a_revocation_leaves_no_live_access_token(
    revocation: str,
    make_client: Callable[..., AppClient],
    user: PoolUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without rotation a refresh reads its token, signs, then inserts the access token's
    row. A revocation committed in between deleted the family's (or user's) access-token
    rows before that insert, so the new access token stayed valid for its hour."""
    client = make_client()
    session = tokens.issue_token_set(client=client, user=user)
    assert session.refresh_token is not None
    real_mint = tokens._mint

    def mint_after_a_revocation(**kwargs: Any) -> Any:
        if revocation == "RevokeToken":
            tokens.revoke_refresh_token(client=client, token=str(session.refresh_token))
        else:
            tokens.global_sign_out(PoolUser.objects.get(pk=user.pk))
        return real_mint(**kwargs)

    monkeypatch.setattr(tokens, "_mint", mint_after_a_revocation)
    with pytest.raises(NotAuthorizedException) as refused:
        tokens.refresh_tokens(client=client, refresh_token=session.refresh_token)

    assert refused.value.message == "Refresh Token has been revoked"
    assert not AccessToken.objects.filter(user=user).exists()
    monkeypatch.setattr(tokens, "_mint", real_mint)
    with pytest.raises(NotAuthorizedException):
        tokens.refresh_tokens(client=client, refresh_token=session.refresh_token)


# --- the outbox: no transaction held during the send; embedded mode sweeps -------------------
@pytest.mark.django_db(transaction=True)
def test_an_outbox_send_holds_no_transaction_and_a_concurrent_attempt_leaves_it_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """deliver sent inside the transaction locking the row: on SQLite every other writer
    (every sign-in, every sign-up) waited for the SMTP server, up to the send timeout.
    Now the message is claimed, sent outside any transaction, then recorded; an attempt
    arriving meanwhile (a sweep, a duplicate task) must not send it a second time."""
    message = OutboxMessage.objects.create(recipient="slow@example.com", subject="Hi", body="x")
    sends: list[bool] = []
    concurrent: list[Any] = []
    real_send = messaging._send

    def slow_send(outgoing: OutboxMessage) -> None:
        sends.append(connection.in_atomic_block)
        if len(sends) == 1 and not connection.in_atomic_block:
            # Another request writes meanwhile, and another attempt tries the message.
            concurrent.append(in_another_connection(lambda: UserPool.objects.count()))
            concurrent.append(in_another_connection(lambda: messaging.deliver(message.pk)))
        real_send(outgoing)

    monkeypatch.setattr(messaging, "_send", slow_send)
    assert messaging.deliver(message.pk) == messaging.Delivery(done=True)

    assert sends == [False]
    assert concurrent[1] == messaging.Delivery(done=True)
    message.refresh_from_db()
    assert message.sent is not None
    assert (message.attempts, message.sending_until) == (1, None)
    # A claim left by an attempt that died mid-send lapses: the message is sent again then.
    lapsed = OutboxMessage.objects.create(recipient="lost@example.com", subject="Hi", body="x")
    OutboxMessage.objects.filter(pk=lapsed.pk).update(
        attempts=1, sending_until=timezone.now() - dt.timedelta(seconds=1)
    )
    assert messaging.deliver(lapsed.pk) == messaging.Delivery(done=True)
    lapsed.refresh_from_db()
    assert (lapsed.attempts, lapsed.sent is not None) == (2, True)


@pytest.mark.django_db(transaction=True)
def test_embedded_mode_sweeps_mail_a_previous_process_left_unsent(
    mailbox: Mailbox, settings: Any
) -> None:
    """Embedded, a failed send is retried by a timer in the process; a restart lost it and
    nothing ever swept the row. The serving process now sweeps at start and periodically."""
    left = OutboxMessage.objects.create(
        recipient="left-behind@example.com",
        subject="Your code",
        body="246810",
        attempts=1,
        last_error="SMTPServerDisconnected: gone",
        next_attempt=timezone.now() - dt.timedelta(seconds=1),
    )
    stop = threading.Event()
    sweeper = threading.Thread(target=messaging.run_embedded_sweeper, args=(stop, 0.2))
    sweeper.start()
    try:
        assert mailbox.code_for("left-behind@example.com", timeout=30) == "246810"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not OutboxMessage.objects.get(pk=left.pk).sent:
            time.sleep(0.05)
    finally:
        stop.set()
        sweeper.join(timeout=60)
    assert not sweeper.is_alive()
    assert OutboxMessage.objects.get(pk=left.pk).sent is not None
    assert [message.to for message in mailbox.to("left-behind@example.com")] == [
        ("left-behind@example.com",)
    ]

    settings.CELERY_TASK_ALWAYS_EAGER = False  # a worker and beat do it with a broker
    assert messaging.start_embedded_sweeper() is None


def test_force_alias_creation_racing_admin_disable_user_leaves_the_former_holder_disabled(
    alias_client: AppClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ForceAliasCreation unverifies the former holder's copy by saving that user's row,
    read just before: an AdminDisableUser of the holder committed in between was undone."""
    holder = _alias_pool_user(
        alias_client, "grace", "CONFIRMED", email=SHARED_EMAIL, email_verified="true"
    )
    real_set_attributes = PoolUser.set_attributes

    def set_then_disable_holder(self: PoolUser, values: Any) -> None:
        real_set_attributes(self, values)
        if self.pk == holder.pk:
            monkeypatch.setattr(PoolUser, "set_attributes", real_set_attributes)
            users.admin_disable_user(user=PoolUser.objects.select_related("pool").get(pk=holder.pk))

    monkeypatch.setattr(PoolUser, "set_attributes", set_then_disable_holder)
    users.admin_create_user(
        pool=alias_client.pool,
        username="ada",
        attributes={"email": SHARED_EMAIL, "email_verified": "true"},
        message_action="SUPPRESS",
        force_alias_creation=True,
    )

    after = PoolUser.objects.get(pk=holder.pk)
    assert after.enabled is False
    assert after.tokens_valid_after is not None
    assert after.email_verified is False


# --- two attribute updates of one user at once -----------------------------------------------
@pytest.mark.parametrize(
    "action", ["UpdateUserAttributes", "AdminUpdateUserAttributes", "AdminDeleteUserAttributes"]
)
def test_two_attribute_updates_of_one_user_at_once_both_stay(
    action: str,
    make_client: Callable[..., AppClient],
    user: PoolUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each update used to merge its change into the attributes read when the request
    began, so an update of another attribute committed in between was written back over."""
    client = make_client()
    access_token = tokens.issue_token_set(client=client, user=user).access_token
    user.set_attributes({"name": "Ada"})
    user.save()
    stale = PoolUser.objects.select_related("pool").get(pk=user.pk)

    step_module, step_name = (
        (attribute_rules, "validate_deletable")
        if action == "AdminDeleteUserAttributes"
        else (attribute_rules, "canonical_values")
    )
    real = getattr(step_module, step_name)

    def step_then_other_update(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        monkeypatch.setattr(step_module, step_name, real)
        users.admin_update_user_attributes(
            user=PoolUser.objects.select_related("pool").get(pk=user.pk),
            attributes={"family_name": "Lovelace"},
        )
        return result

    monkeypatch.setattr(step_module, step_name, step_then_other_update)
    if action == "UpdateUserAttributes":
        self_service.update_user_attributes(
            access_token=access_token, attributes={"given_name": "Augusta"}
        )
    elif action == "AdminUpdateUserAttributes":
        users.admin_update_user_attributes(user=stale, attributes={"given_name": "Augusta"})
    else:
        users.admin_delete_user_attributes(user=stale, names=["name"])

    after = PoolUser.objects.get(pk=user.pk)
    assert after.attributes["family_name"] == "Lovelace"  # the update in between stayed
    assert after.family_name == "Lovelace"  # and so did its filter column
    if action == "AdminDeleteUserAttributes":
        assert "name" not in after.attributes
    else:
        assert after.attributes["given_name"] == "Augusta"
    assert after.attributes["email_verified"] == "true"
