"""Celery tasks: each loads rows and calls one service."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from accounts.services import messaging


@shared_task(bind=True, max_retries=8, acks_late=True)
def deliver_outbox_message_task(self: Any, message_id: int) -> None:
    delivery = messaging.deliver(message_id)
    if delivery.done:
        return
    if self.request.is_eager:
        # Embedded: a retry here would run at once, inside the request that queued the mail.
        messaging.retry_in_process(message_id, delivery.retry_in)
        return
    # Past max_retries this raises MaxRetriesExceededError; the row stays unsent and the
    # sweeper picks it up once its next_attempt passes.
    raise self.retry(countdown=delivery.retry_in.total_seconds())


@shared_task
def sweep_outbox_task() -> int:
    """Re-queue due, unsent outbox messages (after a broker outage or exhausted retries)."""
    return messaging.requeue_due_messages()
