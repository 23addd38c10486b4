"""Reading text messages the outbox sent, for MFA tests (API and browser alike)."""

from __future__ import annotations

import time

from accounts.models import OutboxMessage


def wait_for_sms(phone: str, after_id: int, timeout: float = 15) -> str:
    """The body of the first SMS to ``phone`` sent (by whichever worker) after ``after_id``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = (
            OutboxMessage.objects.filter(
                channel=OutboxMessage.Channel.SMS,
                recipient=phone,
                pk__gt=after_id,
                sent__isnull=False,
            )
            .order_by("pk")
            .first()
        )
        if message is not None:
            return message.body
        time.sleep(0.1)
    raise AssertionError(f"no SMS to {phone} was sent")
