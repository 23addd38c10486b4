"""Outgoing mail and SMS through the outbox: queued only after the transaction commits,
sent by a Celery task (in-process when embedded), retried with backoff, never dropped."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from accounts.models import OutboxMessage, UserPool

logger = logging.getLogger("tessera")
MAX_BACKOFF = dt.timedelta(minutes=30)


def queue_mail(
    *, to: str, subject: str, body: str, html_body: str = "", pool: UserPool | None = None
) -> OutboxMessage:
    """Write an outbox row now; hand it to the worker once the surrounding transaction
    commits (nothing is sent for a transaction that rolls back)."""
    message = OutboxMessage.objects.create(
        pool=pool, recipient=to, subject=subject, body=body, html_body=html_body
    )
    transaction.on_commit(lambda: _enqueue(message.pk))
    return message


def _enqueue(message_id: int) -> None:
    from accounts.tasks import deliver_outbox_message_task

    try:
        deliver_outbox_message_task.delay(message_id)
    except Exception:
        # Broker down: the row stays unsent and the sweeper hands it over later.
        logger.warning("outbox %s: broker unavailable, left for the sweeper", message_id)


def deliver(message_id: int) -> bool:
    """Send one outbox message; True when it is (or already was) sent."""
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update().filter(pk=message_id, sent__isnull=True)
        ).first()
        if message is None:
            return True
        message.attempts += 1
        try:
            if message.channel == OutboxMessage.Channel.EMAIL:
                mail = EmailMultiAlternatives(
                    message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.recipient]
                )
                if message.html_body:
                    mail.attach_alternative(message.html_body, "text/html")
                mail.send(fail_silently=False)
            else:
                raise RuntimeError(f"no sender for channel {message.channel}")
        except Exception as exc:
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            backoff = min(dt.timedelta(seconds=2**message.attempts), MAX_BACKOFF)
            message.next_attempt = timezone.now() + backoff
            message.save(update_fields=["attempts", "last_error", "next_attempt"])
            logger.warning("outbox %s: send failed (%s)", message_id, message.last_error)
            return False
        message.sent = timezone.now()
        message.save(update_fields=["attempts", "sent"])
        return True


def pending_message_ids(limit: int = 100) -> list[int]:
    """Unsent messages whose next attempt is due: what the sweeper re-queues."""
    return list(
        OutboxMessage.objects.filter(sent__isnull=True, next_attempt__lte=timezone.now())
        .order_by("next_attempt")
        .values_list("pk", flat=True)[:limit]
    )
