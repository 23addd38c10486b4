"""The mail outbox: written with the transaction, sent after commit, retried, never lost.

These run in both modes: embedded, Celery is eager; under make test-services the committed
mail goes through Redis, the worker and the SMTP sink, and `mailbox` reads it from there.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.models import OutboxMessage
from accounts.services import messaging
from accounts.services.messaging import Delivery
from accounts.tasks import deliver_outbox_message_task
from config.celery import app as celery_app
from tests.mail import FlakyEmailBackend, Mailbox


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Tasks run in-process, as embedded, even under make test-services: for tests whose
    rows live in an uncommitted test transaction a real worker could not see."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def flaky_mail(settings: Any) -> Iterator[type[FlakyEmailBackend]]:
    settings.EMAIL_BACKEND = "tests.mail.FlakyEmailBackend"
    yield FlakyEmailBackend
    FlakyEmailBackend.failures_left = 0


def _wait_until_sent(message: OutboxMessage, timeout: float = 10) -> OutboxMessage:
    # The worker marks the row sent just after the SMTP sink accepted the message.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.sent is not None:
            return message
        time.sleep(0.05)
    raise AssertionError(f"outbox message {message.pk} not marked sent: {message.last_error!r}")


@pytest.mark.django_db(transaction=True)
def test_mail_is_written_with_the_transaction_and_dropped_when_it_rolls_back(
    mailbox: Mailbox,
) -> None:
    def queue_then_fail() -> None:
        with transaction.atomic():
            messaging.queue_mail(to="rolled-back@example.com", subject="Never", body="never")
            assert OutboxMessage.objects.filter(recipient="rolled-back@example.com").exists()
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError, match="roll back"):
        queue_then_fail()
    assert not OutboxMessage.objects.filter(recipient="rolled-back@example.com").exists()

    with transaction.atomic():
        kept = messaging.queue_mail(to="committed@example.com", subject="Kept", body="sent")
        assert mailbox.to("committed@example.com", "rolled-back@example.com") == []  # not yet
    delivered = mailbox.wait_for("committed@example.com")

    assert (delivered.subject, delivered.body.strip()) == ("Kept", "sent")
    assert _wait_until_sent(kept).attempts == 1
    # Mail goes out in commit order, so the rolled-back one would have come first.
    sent = mailbox.to("committed@example.com", "rolled-back@example.com")
    assert [message.to for message in sent] == [("committed@example.com",)]


@pytest.mark.django_db
def test_a_failed_send_backs_off_and_is_delivered_exactly_once(
    flaky_mail: type[FlakyEmailBackend],
    mailbox: Mailbox,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        message = messaging.queue_mail(to="retry@example.com", subject="Code", body="123456")
    flaky_mail.failures_left = 2

    before = timezone.now()
    assert messaging.deliver(message.pk) == Delivery(done=False, retry_in=dt.timedelta(seconds=2))
    message.refresh_from_db()
    assert (message.attempts, message.sent) == (1, None)
    assert message.last_error.startswith("SMTPServerDisconnected")
    # The sweeper leaves the row to the task's own retry for a grace period.
    assert message.next_attempt >= before + dt.timedelta(seconds=2) + messaging.SWEEP_GRACE
    assert messaging.deliver(message.pk) == Delivery(done=False, retry_in=dt.timedelta(seconds=4))

    assert messaging.deliver(message.pk) == Delivery(done=True)
    assert mailbox.code_for("retry@example.com") == "123456"
    message.refresh_from_db()
    assert message.attempts == 3
    assert message.sent is not None
    # A late duplicate task (a sweep racing a retry) finds nothing left to send.
    assert messaging.deliver(message.pk) == Delivery(done=True)
    assert len(mail.outbox) == 1


def test_backoff_doubles_and_is_capped() -> None:
    delays = [messaging.retry_delay(attempt).total_seconds() for attempt in (1, 2, 3, 10, 50)]
    assert delays == [2, 4, 8, 1024, messaging.MAX_BACKOFF.total_seconds()]


@pytest.mark.django_db(transaction=True)
def test_eager_send_failure_neither_reaches_the_request_nor_loops_and_retries_later(
    idp: Any,
    pool: dict[str, Any],
    flaky_mail: type[FlakyEmailBackend],
    mailbox: Mailbox,
    eager_celery: None,
) -> None:
    flaky_mail.failures_left = 1
    response = idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username="invitee@example.com",
        UserAttributes=[{"Name": "email", "Value": "invitee@example.com"}],
    )
    assert response["User"]["UserStatus"] == "FORCE_CHANGE_PASSWORD"

    invitation = OutboxMessage.objects.get(recipient="invitee@example.com")
    # One attempt, not Celery's eager retries run back to back inside the request.
    assert (invitation.attempts, invitation.sent) == (1, None)
    delivered = mailbox.wait_for("invitee@example.com", timeout=10)
    assert delivered.subject == "Your temporary password"
    assert _wait_until_sent(invitation).attempts == 2


@pytest.mark.django_db
def test_eager_task_does_not_raise_when_the_send_fails(
    flaky_mail: type[FlakyEmailBackend],
    django_capture_on_commit_callbacks: Any,
    eager_celery: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scheduled: list[tuple[int, dt.timedelta]] = []
    monkeypatch.setattr(messaging, "retry_in_process", lambda *args: scheduled.append(args))
    with django_capture_on_commit_callbacks(execute=False):
        message = messaging.queue_mail(to="eager@example.com", subject="Hi", body="hello")
    flaky_mail.failures_left = 1

    result = deliver_outbox_message_task.delay(message.pk)

    assert result.successful()
    assert scheduled == [(message.pk, dt.timedelta(seconds=2))]
    message.refresh_from_db()
    assert message.attempts == 1


@pytest.mark.django_db
def test_the_sweeper_requeues_only_due_unsent_messages(
    mailbox: Mailbox, django_capture_on_commit_callbacks: Any, eager_celery: None
) -> None:
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=False):
        due = messaging.queue_mail(to="due@example.com", subject="Due", body="due")
        waiting = messaging.queue_mail(to="waiting@example.com", subject="Later", body="later")
        done = messaging.queue_mail(to="done@example.com", subject="Done", body="done")
    waiting_since = waiting.next_attempt
    OutboxMessage.objects.filter(pk=due.pk).update(next_attempt=now - dt.timedelta(seconds=1))
    OutboxMessage.objects.filter(pk=done.pk).update(
        next_attempt=now - dt.timedelta(seconds=1), sent=now
    )

    assert messaging.requeue_due_messages() == 1

    assert mailbox.wait_for("due@example.com").subject == "Due"
    sent = mailbox.to("due@example.com", "waiting@example.com", "done@example.com")
    assert [message.to for message in sent] == [("due@example.com",)]
    waiting.refresh_from_db()
    assert (waiting.next_attempt, waiting.sent) == (waiting_since, None)  # still in its grace
    assert messaging.requeue_due_messages() == 0


@pytest.mark.django_db
def test_a_refused_enqueue_leaves_the_row_due_for_the_sweeper(
    django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broker_down(*args: object, **kwargs: object) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(deliver_outbox_message_task, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        message = messaging.queue_mail(to="later@example.com", subject="Hi", body="hello")

    message.refresh_from_db()
    assert message.sent is None
    assert message.next_attempt <= timezone.now()


@pytest.mark.django_db
def test_a_waiting_body_is_encrypted_at_rest_and_a_sent_one_is_emptied(
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Bodies carry verification codes and temporary passwords (guide: secrets encrypted at
    rest): encrypted while the message waits, gone once it is delivered."""
    with django_capture_on_commit_callbacks(execute=False):
        queued = messaging.queue_mail(
            to="secret@example.com",
            subject="Your temporary password",
            body="Your temporary password is Tmp-Secret-4821",
            html_body="<p>Tmp-Secret-4821</p>",
        )

    def stored() -> tuple[str, str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT body, html_body FROM accounts_outboxmessage WHERE id = %s", [queued.pk]
            )
            body, html_body = cursor.fetchone()
        return body, html_body

    body, html_body = stored()
    assert "Tmp-Secret-4821" not in body + html_body
    waiting = OutboxMessage.objects.get(pk=queued.pk)
    assert waiting.body == "Your temporary password is Tmp-Secret-4821"  # read back in clear
    assert waiting.html_body == "<p>Tmp-Secret-4821</p>"

    assert messaging.deliver(queued.pk) == messaging.Delivery(done=True)
    assert stored() == ("", "")
    assert OutboxMessage.objects.get(pk=queued.pk).sent is not None


@pytest.mark.django_db
def test_a_body_the_secret_key_cannot_decrypt_is_a_failed_attempt_with_its_reason(
    django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        queued = messaging.queue_mail(to="rotated@example.com", subject="Code", body="123456")
    settings.SECRET_KEY = "another-secret-key-after-a-rotation-" + "x" * 20

    delivery = messaging.deliver(queued.pk)

    assert delivery.done is False
    failed = OutboxMessage.objects.only("attempts", "last_error", "sent").get(pk=queued.pk)
    assert (failed.attempts, failed.sent) == (1, None)
    assert "cannot be decrypted with this SECRET_KEY" in failed.last_error
