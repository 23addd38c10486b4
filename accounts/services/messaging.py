"""Outgoing mail through the outbox: written in the caller's transaction, handed to Celery
after commit (in-process when embedded), retried with backoff, never silently dropped.

`OutboxMessage.next_attempt` is when the sweeper (`sweep_outbox_task`, scheduled by Celery
beat) steps in: a grace period after queueing or after a failed send, during which the
on-commit task or its own retry is expected to have delivered the message; immediately
when the broker refused the task. Embedded (no broker, Celery eager) the serving process
sweeps itself: `start_embedded_sweeper`, started by config/wsgi.py, once at start (mail
whose in-process retry died with the previous process) and every OUTBOX_SWEEP_SECONDS.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connections, transaction
from django.utils import timezone

from accounts.models import OutboxMessage, UserPool

logger = logging.getLogger("tessera")

SWEEP_GRACE = dt.timedelta(seconds=60)
MAX_BACKOFF = dt.timedelta(minutes=30)
SWEEP_BATCH = 100
# Without a timeout smtplib waits forever on a silent server, holding the message's claim.
DEFAULT_SEND_TIMEOUT_SECONDS = 20
# How long past the send timeout a claim lasts: after that an attempt that died mid-send
# (process killed) no longer holds the message, and the sweeper finds it due.
CLAIM_MARGIN = dt.timedelta(seconds=30)
# A broker that is down must not stall the request that queued the mail: a couple of quick
# tries, then the row waits for the sweeper.
PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}


@dataclass(frozen=True)
class Delivery:
    """What one delivery attempt left to do: nothing (`done`), or a retry after `retry_in`."""

    done: bool
    retry_in: dt.timedelta = dt.timedelta(0)


def queue_mail(
    *, to: str, subject: str, body: str, html_body: str = "", pool: UserPool | None = None
) -> OutboxMessage:
    """Write an outbox row now; hand it to the worker once the surrounding transaction
    commits (nothing is sent for a transaction that rolls back)."""
    message = OutboxMessage.objects.create(
        pool=pool,
        recipient=to,
        subject=subject,
        body=body,
        html_body=html_body,
        next_attempt=timezone.now() + SWEEP_GRACE,
    )
    transaction.on_commit(partial(enqueue, message.pk), robust=True)
    return message


def enqueue(message_id: int) -> bool:
    """Hand one message to Celery; False (and the row due for the sweeper) when the broker
    refused it. Never raises: the mail is already safe in the outbox."""
    from accounts.tasks import deliver_outbox_message_task

    try:
        deliver_outbox_message_task.apply_async(
            (message_id,), retry=True, retry_policy=PUBLISH_RETRY_POLICY
        )
    except Exception as exc:
        OutboxMessage.objects.filter(pk=message_id, sent__isnull=True).update(
            next_attempt=timezone.now()
        )
        logger.warning("outbox %s: broker unavailable (%s), left for the sweeper", message_id, exc)
        return False
    return True


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff after the n-th failed attempt: 2 s, 4 s, 8 s, … capped at 30 min."""
    return min(dt.timedelta(seconds=2 ** min(attempts, 20)), MAX_BACKOFF)


def deliver(message_id: int) -> Delivery:
    """Send one outbox message, at most once however many tasks and sweeps race for it.

    Three steps, none holding a transaction while the server talks SMTP (on SQLite that
    blocked every writer for up to the send timeout): claim the message in a short
    transaction (``sending_until``; a concurrent attempt finds it claimed, or locked
    (SKIP LOCKED), and leaves it to the holder), send, then record the outcome in another.
    A claim outlives the send timeout, so only an attempt that died mid-send lets it
    lapse, and the sweeper then finds the message due.
    """
    message = _claim(message_id)
    if message is None:
        return Delivery(done=True)
    try:
        _send(message)
    except Exception as exc:
        delay = retry_delay(message.attempts)
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        message.next_attempt = timezone.now() + delay + SWEEP_GRACE
        message.sending_until = None
        message.save(update_fields=["last_error", "next_attempt", "sending_until"])
        logger.warning(
            "outbox %s: send attempt %s failed (%s), retrying in %ss",
            message_id,
            message.attempts,
            message.last_error,
            delay.total_seconds(),
        )
        return Delivery(done=False, retry_in=delay)
    message.sent = timezone.now()
    message.sending_until = None
    # Delivered: the code or temporary password it carried need not stay in the database.
    message.body = message.html_body = ""
    message.save(update_fields=["sent", "sending_until", "body", "html_body"])
    return Delivery(done=True)


def _send_timeout() -> float:
    return float(getattr(settings, "EMAIL_TIMEOUT", None) or DEFAULT_SEND_TIMEOUT_SECONDS)


def _claim(message_id: int) -> OutboxMessage | None:
    """The unsent, unclaimed message, now claimed by this attempt (counted in
    ``attempts``); None when it was sent or another attempt holds it."""
    now = timezone.now()
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, sent__isnull=True)
            # Read (and decrypted) when sent: a body this SECRET_KEY cannot decrypt is then
            # a failed attempt with its reason in last_error, not a crash of the claim.
            .defer("body", "html_body")
            .first()
        )
        if message is None or (message.sending_until and message.sending_until > now):
            return None
        message.attempts += 1
        message.sending_until = now + dt.timedelta(seconds=_send_timeout()) + CLAIM_MARGIN
        # The sweeper leaves a claimed message alone until its claim lapses.
        message.next_attempt = max(message.next_attempt, message.sending_until)
        message.save(update_fields=["attempts", "sending_until", "next_attempt"])
    return message


def _send(message: OutboxMessage) -> None:
    if message.channel == OutboxMessage.Channel.SMS:
        from accounts.services import sms  # sms queues through this module

        sms.send(message)
        return
    if message.channel != OutboxMessage.Channel.EMAIL:
        raise RuntimeError(f"no sender for channel {message.channel}")
    timeout = _send_timeout()
    mail = EmailMultiAlternatives(
        message.subject,
        message.body,
        settings.DEFAULT_FROM_EMAIL,
        [message.recipient],
        connection=get_connection(fail_silently=False, timeout=timeout),
    )
    if message.html_body:
        mail.attach_alternative(message.html_body, "text/html")
    mail.send(fail_silently=False)


def retry_in_process(message_id: int, delay: dt.timedelta) -> None:
    """Embedded mode has no worker to retry a failed send: a daemon timer does, after the
    same backoff (Celery's eager retries would run instantly, inside the request)."""
    timer = threading.Timer(delay.total_seconds(), _retry_in_process_now, args=(message_id,))
    timer.daemon = True
    timer.start()


def _retry_in_process_now(message_id: int) -> None:
    try:
        delivery = deliver(message_id)
        if not delivery.done:
            retry_in_process(message_id, delivery.retry_in)
    except Exception:
        logger.exception("outbox %s: in-process retry failed; left for the sweeper", message_id)
    finally:
        connections.close_all()


def requeue_due_messages() -> int:
    """The sweeper: hand unsent messages whose `next_attempt` has passed to the worker again
    (after a broker outage, a lost worker or exhausted retries). Claimed rows move their
    `next_attempt` a grace period on, so concurrent or repeated sweeps do not pile up tasks."""
    now = timezone.now()
    with transaction.atomic():
        due_ids = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(sent__isnull=True, next_attempt__lte=now)
            .order_by("next_attempt")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        OutboxMessage.objects.filter(pk__in=due_ids).update(next_attempt=now + SWEEP_GRACE)
    for position, message_id in enumerate(due_ids):
        if not enqueue(message_id):
            # Broker gone mid-sweep: the rest stay due for the next sweep.
            OutboxMessage.objects.filter(pk__in=due_ids[position:], sent__isnull=True).update(
                next_attempt=now
            )
            return position
    return len(due_ids)


# --- embedded mode: the serving process sweeps ------------------------------------------
_embedded_sweeper: threading.Thread | None = None
_embedded_sweeper_lock = threading.Lock()


def start_embedded_sweeper() -> threading.Thread | None:
    """Embedded mode (Celery eager, no worker or beat) has nobody else to sweep: a mail
    whose in-process retry timer died with the process would stay unsent forever. A daemon
    thread of the serving process sweeps at start and every OUTBOX_SWEEP_SECONDS; the
    messages it finds are sent in that thread (eager tasks). Once per process; nothing
    with a broker, where Celery beat runs ``sweep_outbox_task``."""
    global _embedded_sweeper
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        return None
    with _embedded_sweeper_lock:
        if _embedded_sweeper is None or not _embedded_sweeper.is_alive():
            interval = float(getattr(settings, "OUTBOX_SWEEP_SECONDS", 30.0))
            _embedded_sweeper = threading.Thread(
                target=run_embedded_sweeper,
                args=(threading.Event(), interval),
                name="tessera-outbox-sweeper",
                daemon=True,
            )
            _embedded_sweeper.start()
        return _embedded_sweeper


def run_embedded_sweeper(stop: threading.Event, interval: float) -> None:
    """Sweep now, then every ``interval`` seconds until ``stop`` is set. A failed sweep
    (database briefly unavailable) is logged and the next one tries again."""
    while True:
        try:
            requeue_due_messages()
        except Exception:
            logger.exception("outbox: embedded sweep failed; trying again in %ss", interval)
        finally:
            connections.close_all()
        if stop.wait(interval):
            return
