"""Mail on the real services of make test-services: Redis → Celery worker → SMTP sink, and
what happens when the worker or Redis is down. Collected only under make test-services
(marker `services`); embedded runs deselect them."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import OutboxMessage
from accounts.services import messaging
from tests.mail import TEMPFAIL_TAG, Mailbox
from tests.services import Services

pytestmark = pytest.mark.services


def _sent(message: OutboxMessage, timeout: float = 10) -> OutboxMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.sent is not None:
            return message
        time.sleep(0.05)
    raise AssertionError(f"outbox message {message.pk} not sent: {message.last_error!r}")


def test_a_real_action_mails_through_redis_the_worker_and_smtp(
    services: Services, idp: Any, pool: dict[str, Any], mailbox: Mailbox
) -> None:
    idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username="invited@example.com",
        UserAttributes=[{"Name": "email", "Value": "invited@example.com"}],
        TemporaryPassword="Temporary-Passw0rd!",
    )

    invitation = mailbox.wait_for("invited@example.com")

    assert invitation.subject == "Your temporary password"
    assert "Temporary-Passw0rd!" in invitation.body
    assert invitation.key.endswith(".eml")  # read from the SMTP sink's directory
    assert mail.outbox == []  # nothing was sent from the test process itself
    assert _sent(OutboxMessage.objects.get(recipient="invited@example.com")).attempts == 1


def _public_client(idp: Any, pool: dict[str, Any]) -> str:
    response = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="outage-app")
    return str(response["UserPoolClient"]["ClientId"])


def _sign_up(idp_public: Any, client_id: str, email: str) -> dict[str, Any]:
    return dict(
        idp_public.sign_up(
            ClientId=client_id,
            Username=email,
            Password="Correct-Horse-9-Battery",
            UserAttributes=[{"Name": "email", "Value": email}],
        )
    )


def test_a_code_mailed_while_the_worker_is_stopped_arrives_once_it_is_back(
    services: Services, idp: Any, idp_public: Any, pool: dict[str, Any], mailbox: Mailbox
) -> None:
    client_id = _public_client(idp, pool)
    services.worker.stop()

    assert _sign_up(idp_public, client_id, "patient@example.com")["UserConfirmed"] is False
    pending = OutboxMessage.objects.get(recipient="patient@example.com")
    time.sleep(1)
    pending.refresh_from_db()
    # The task waits in Redis.
    assert (pending.sent, mailbox.to("patient@example.com")) == (None, [])

    services.worker.start()

    code = mailbox.code_for("patient@example.com")
    idp_public.confirm_sign_up(
        ClientId=client_id, Username="patient@example.com", ConfirmationCode=code
    )
    user = idp.admin_get_user(UserPoolId=pool["Id"], Username="patient@example.com")
    assert user["UserStatus"] == "CONFIRMED"
    assert _sent(pending).attempts == 1


def test_a_code_mailed_while_redis_is_down_is_delivered_by_the_sweeper(
    services: Services,
    idp: Any,
    idp_public: Any,
    pool: dict[str, Any],
    endpoint: str,
    mailbox: Mailbox,
) -> None:
    client_id = _public_client(idp, pool)
    services.redis.stop()

    started = time.monotonic()
    assert _sign_up(idp_public, client_id, "outage@example.com")["UserConfirmed"] is False
    assert time.monotonic() - started < 5  # the enqueue failed softly and quickly
    pending = OutboxMessage.objects.get(recipient="outage@example.com")
    assert pending.sent is None
    assert pending.next_attempt <= timezone.now()  # due for the sweeper
    # Asked on the public host: live_server's "localhost" would go through the pool-domain
    # lookup, which needs the cache.
    public_host = urlsplit(settings.PUBLIC_URL).hostname
    health = requests.get(f"http://{public_host}:{urlsplit(endpoint).port}/healthz", timeout=10)
    assert health.status_code == 200
    assert health.json()["checks"]["broker"] == {"state": "down"}

    services.redis.start()

    # The worker reconnects, beat runs the sweeper (every 5 s here) and the mail goes out.
    code = mailbox.code_for("outage@example.com", timeout=45)
    idp_public.confirm_sign_up(
        ClientId=client_id, Username="outage@example.com", ConfirmationCode=code
    )
    assert _sent(pending).sent is not None


def test_a_temporarily_refused_send_is_retried_by_the_worker(
    services: Services, mailbox: Mailbox
) -> None:
    address = f"flaky{TEMPFAIL_TAG}@example.com"
    with transaction.atomic():
        message = messaging.queue_mail(to=address, subject="Code", body="111222")

    assert mailbox.code_for(address, timeout=20) == "111222"
    delivered = _sent(message)
    assert delivered.attempts == 2  # 451 from the sink, then accepted after the backoff
    assert "451" in delivered.last_error


def test_a_row_locked_by_one_sender_is_skipped_by_other_deliveries_and_sweeps(
    services: Services, mailbox: Mailbox
) -> None:
    """PostgreSQL's SKIP LOCKED: while one worker holds a row (mid-send), a racing task or
    sweep leaves it alone instead of sending it a second time."""
    due = timezone.now() - dt.timedelta(seconds=1)
    held = OutboxMessage.objects.create(recipient="held@example.com", body="1", next_attempt=due)
    OutboxMessage.objects.create(recipient="free@example.com", body="2", next_attempt=due)
    locked, release = threading.Event(), threading.Event()

    def hold_row() -> None:
        try:
            with transaction.atomic():
                OutboxMessage.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_row)
    holder.start()
    try:
        assert locked.wait(10)
        assert messaging.deliver(held.pk) == messaging.Delivery(done=True)
        assert messaging.requeue_due_messages() == 1  # only the free row
    finally:
        release.set()
        holder.join()

    assert mailbox.wait_for("free@example.com").body.strip() == "2"
    held.refresh_from_db()
    assert (held.attempts, held.sent, held.next_attempt) == (0, None, due)
    assert messaging.deliver(held.pk) == messaging.Delivery(done=True)
    held.refresh_from_db()
    assert held.sent is not None
    assert sorted(message.to for message in mailbox.to("free@example.com", "held@example.com")) == [
        ("free@example.com",),
        ("held@example.com",),
    ]
