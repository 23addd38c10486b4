"""Mail on the real services of make test-services: Redis → Celery worker → SMTP sink, and
what happens when the worker or Redis is down. Collected only under make test-services
(marker `services`); embedded runs deselect them."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from django.core import mail
from django.db import transaction
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


def test_mail_queued_while_the_worker_is_stopped_arrives_once_it_is_back(
    services: Services, mailbox: Mailbox
) -> None:
    services.worker.stop()
    with transaction.atomic():
        message = messaging.queue_mail(to="patient@example.com", subject="Code", body="654321")
    time.sleep(1)
    message.refresh_from_db()
    assert (message.sent, mailbox.all()) == (None, [])  # waiting in Redis

    services.worker.start()

    assert mailbox.code_for("patient@example.com") == "654321"
    assert _sent(message).attempts == 1


def test_mail_queued_while_redis_is_down_is_delivered_by_the_sweeper(
    services: Services, idp: Any, pool: dict[str, Any], endpoint: str, mailbox: Mailbox
) -> None:
    services.redis.stop()

    started = time.monotonic()
    response = idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username="outage@example.com",
        UserAttributes=[{"Name": "email", "Value": "outage@example.com"}],
        TemporaryPassword="Temporary-Passw0rd!",
    )
    assert response["User"]["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert time.monotonic() - started < 5  # the enqueue failed softly and quickly
    pending = OutboxMessage.objects.get(recipient="outage@example.com")
    assert pending.sent is None
    assert pending.next_attempt <= timezone.now()  # due for the sweeper
    health = requests.get(f"{endpoint}/healthz", timeout=10)
    assert health.status_code == 200
    assert health.json()["checks"]["broker"] == {"state": "down"}

    services.redis.start()

    # The worker reconnects, beat runs the sweeper (every 5 s here) and the mail goes out.
    invitation = mailbox.wait_for("outage@example.com", timeout=45)
    assert "Temporary-Passw0rd!" in invitation.body
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
