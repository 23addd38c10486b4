"""Reading text messages the outbox sent, for MFA tests (API and browser alike).

Tests send SMS through the ``file`` sender (tests/conftest.py; under make test-services the
worker too, scripts/test-services.sh): the outbox empties a message's body once it is sent,
so the text is read where the sender wrote it, as a gateway would receive it."""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.conf import settings


def wait_for_sms(phone: str, after_id: int, timeout: float = 15) -> str:
    """The text of the first SMS to ``phone`` sent (by whichever worker) whose outbox id is
    above ``after_id``."""
    path = Path(settings.SMS_FILE_PATH)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            sent = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
            matching = sorted(
                (record["id"], record["message"])
                for record in sent
                if record["to"] == phone and record["id"] > after_id
            )
            if matching:
                return str(matching[0][1])
        time.sleep(0.1)
    raise AssertionError(f"no SMS to {phone} was sent")
