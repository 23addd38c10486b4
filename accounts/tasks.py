"""Celery tasks: each loads rows and calls one service."""

from __future__ import annotations

from celery import shared_task

from accounts.services import messaging


@shared_task(bind=True, max_retries=8, acks_late=True)
def deliver_outbox_message_task(self: object, message_id: int) -> None:
    if not messaging.deliver(message_id):
        retries = self.request.retries  # type: ignore[attr-defined]
        raise self.retry(countdown=min(2 ** (retries + 1), 600))  # type: ignore[attr-defined]


@shared_task
def sweep_outbox_task() -> int:
    """Re-queue due, unsent messages (after a broker outage or exhausted retries)."""
    ids = messaging.pending_message_ids()
    for message_id in ids:
        deliver_outbox_message_task.delay(message_id)
    return len(ids)
