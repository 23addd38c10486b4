"""Text messages (SMS MFA codes) through the outbox, sent by a pluggable sender.

``queue_sms`` writes an ``OutboxMessage`` with channel SMS in the caller's transaction; the
outbox (accounts.services.messaging) hands it to Celery after commit, retries failures with
backoff and sweeps what is left, exactly as for mail, so a code is never silently lost.
The sender is chosen by ``settings.SMS_SENDER``:

- ``console`` (the embedded default): the message is written to the log and stdout;
- ``file``: one JSON line per message appended to ``settings.SMS_FILE_PATH``;
- ``webhook``: an HTTPS POST of ``{"id", "to", "message", "pool_id"}`` as JSON to
  ``settings.SMS_WEBHOOK_URL`` — the bridge to an SMS gateway. The body is signed with
  HMAC-SHA256 under ``settings.SMS_WEBHOOK_SECRET`` over ``"<timestamp>.<body>"`` (the
  scheme Stripe and Slack use: the timestamp, sent in ``X-Tessera-Timestamp``, lets the
  receiver refuse replays), in ``X-Tessera-Signature: v1=<hex>``. Anything but a 2xx is a
  failure the outbox retries; ``X-Tessera-Message-Id`` lets the receiver drop duplicates.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import sys
import time
import urllib.error
import urllib.request
from functools import partial
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import OutboxMessage, UserPool
from accounts.services import messaging

logger = logging.getLogger("tessera.sms")

SIGNATURE_HEADER = "X-Tessera-Signature"
TIMESTAMP_HEADER = "X-Tessera-Timestamp"
MESSAGE_ID_HEADER = "X-Tessera-Message-Id"
DEFAULT_WEBHOOK_TIMEOUT_SECONDS = 10


class SmsSender(Protocol):
    def send(self, message: OutboxMessage) -> None:
        """Hand ``message`` on, or raise (the outbox retries)."""


class ConsoleSender:
    def send(self, message: OutboxMessage) -> None:
        line = f"SMS to {message.recipient}: {message.body}"
        logger.info(line)
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


class FileSender:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def send(self, message: OutboxMessage) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        record = {
            "id": message.pk,
            "to": message.recipient,
            "message": message.body,
            "pool_id": message.pool_id,
            "created": message.created.isoformat(),
        }
        with self.path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(record, ensure_ascii=False) + "\n")


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``v1=`` + hex HMAC-SHA256 of ``"<timestamp>." + body`` under ``secret``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


class WebhookSender:
    def __init__(self, url: str, secret: str, timeout: float) -> None:
        if not url or not secret:
            raise RuntimeError("SMS_SENDER=webhook needs SMS_WEBHOOK_URL and SMS_WEBHOOK_SECRET")
        self.url = url
        self.secret = secret
        self.timeout = timeout

    def send(self, message: OutboxMessage) -> None:
        body = json.dumps(
            {
                "id": message.pk,
                "to": message.recipient,
                "message": message.body,
                "pool_id": message.pool_id,
            },
            ensure_ascii=False,
        ).encode()
        timestamp = str(int(time.time()))
        request = urllib.request.Request(  # noqa: S310 - the operator's configured URL
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: signature(self.secret, timestamp, body),
                MESSAGE_ID_HEADER: str(message.pk),
                "User-Agent": "Tessera-SMS/1",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"SMS webhook answered {exc.code}") from None
        if not 200 <= status < 300:
            raise RuntimeError(f"SMS webhook answered {status}")


def get_sender() -> SmsSender:
    """The sender ``settings.SMS_SENDER`` names (read at send time, so tests and workers
    may switch it)."""
    name = getattr(settings, "SMS_SENDER", "console")
    if name == "console":
        return ConsoleSender()
    if name == "file":
        return FileSender(settings.SMS_FILE_PATH)
    if name == "webhook":
        return WebhookSender(
            settings.SMS_WEBHOOK_URL,
            settings.SMS_WEBHOOK_SECRET,
            float(getattr(settings, "SMS_WEBHOOK_TIMEOUT", DEFAULT_WEBHOOK_TIMEOUT_SECONDS)),
        )
    raise RuntimeError(f"unknown SMS_SENDER {name!r}")


def send(message: OutboxMessage) -> None:
    """Deliver one SMS outbox row (called by the outbox's delivery)."""
    get_sender().send(message)


def queue_sms(*, to: str, body: str, pool: UserPool | None = None) -> OutboxMessage:
    """Write an SMS outbox row now; hand it to the worker once the surrounding transaction
    commits, exactly like accounts.services.messaging.queue_mail."""
    message = OutboxMessage.objects.create(
        pool=pool,
        channel=OutboxMessage.Channel.SMS,
        recipient=to,
        body=body,
        next_attempt=timezone.now() + messaging.SWEEP_GRACE,
    )
    transaction.on_commit(partial(messaging.enqueue, message.pk), robust=True)
    return message
