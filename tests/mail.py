"""The mail the suite reads back, whichever way it was sent.

Embedded (`make test`), Celery runs in-process and pytest-django's locmem backend collects
mail in `django.core.mail.outbox`. Under `make test-services` a real worker sends SMTP to the
sink this module also runs (`python -m tests.mail --port P --directory D`), which writes each
accepted message as one file; TESSERA_MAIL_SINK_DIR names that directory.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import os
import re
import signal
import smtplib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from django.core.mail.backends.locmem import EmailBackend as LocmemEmailBackend

SINK_DIR_ENV = "TESSERA_MAIL_SINK_DIR"
RECIPIENTS_HEADER = "X-Sink-Rcpt-To"
# Recipients whose local part carries this tag get one 451 (temporary failure) before the
# sink accepts mail for them: how a services test proves a failed send is retried.
TEMPFAIL_TAG = "+tempfail"
CODE_PATTERN = re.compile(r"(?<!\d)(\d{6})(?!\d)")


@dataclass(frozen=True)
class Message:
    key: str
    to: tuple[str, ...]
    subject: str
    body: str


def sink_directory() -> Path | None:
    value = os.environ.get(SINK_DIR_ENV, "")
    return Path(value) if value else None


class Mailbox:
    """Mail sent since this mailbox was opened (one per test): pytest-django's locmem outbox,
    plus the SMTP sink's directory when there is one."""

    def __init__(self, sink_dir: Path | None = None) -> None:
        self._sink_dir = sink_dir
        # Sink files outlive tests; only what arrives from now on belongs to this test.
        self._before = {message.key for message in self._read()}
        self._returned: set[str] = set()

    def all(self) -> list[Message]:
        return [message for message in self._read() if message.key not in self._before]

    def to(self, *addresses: str) -> list[Message]:
        """What this test's addresses received. Exact counts use this rather than
        ``all()``: under make test-services a mail the previous test left in flight can
        reach the sink after this mailbox opened."""
        wanted = {address.lower() for address in addresses}
        return [
            message
            for message in self.all()
            if wanted & {recipient.lower() for recipient in message.to}
        ]

    def wait_for(
        self, address: str, timeout: float = 15, subject_contains: str | None = None
    ) -> Message:
        """The oldest message to `address` not returned before: a second call waits for the
        second mail (a resent code), not the first one again."""
        deadline = time.monotonic() + timeout
        while True:
            for message in self.all():
                if message.key in self._returned:
                    continue
                if address.lower() not in (recipient.lower() for recipient in message.to):
                    continue
                if subject_contains is not None and subject_contains not in message.subject:
                    continue
                self._returned.add(message.key)
                return message
            if time.monotonic() >= deadline:
                seen = [(message.to, message.subject) for message in self.all()]
                raise AssertionError(f"no mail to {address} within {timeout}s; mail seen: {seen}")
            time.sleep(0.05)

    def code_for(
        self, address: str, timeout: float = 15, subject_contains: str | None = None
    ) -> str:
        """The 6-digit code in the next message to `address`."""
        message = self.wait_for(address, timeout=timeout, subject_contains=subject_contains)
        match = CODE_PATTERN.search(message.body) or CODE_PATTERN.search(message.subject)
        if match is None:
            raise AssertionError(f"no 6-digit code in mail to {address}: {message.body!r}")
        return match.group(1)

    def _read(self) -> list[Message]:
        # In-process sends (embedded Celery, or a test calling the service directly) land in
        # locmem; a real worker's go through the sink.
        messages = list(_locmem_messages())
        if self._sink_dir is not None:
            messages += [_parse_sink_file(path) for path in sorted(self._sink_dir.glob("*.eml"))]
        return messages


def _locmem_messages() -> Iterator[Message]:
    from django.core import mail

    for index, sent in enumerate(getattr(mail, "outbox", [])):
        recipients = tuple(sent.to) + tuple(sent.cc) + tuple(sent.bcc)
        # The locmem outbox is cleared between tests, so list position plus identity is a
        # stable key within one test.
        yield Message(
            key=f"locmem-{index}-{id(sent)}", to=recipients, subject=sent.subject, body=sent.body
        )


def _parse_sink_file(path: Path) -> Message:
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    recipients = tuple(
        address.strip() for address in str(parsed[RECIPIENTS_HEADER] or "").split(",") if address
    )
    part = parsed.get_body(preferencelist=("plain",))
    body = part.get_content() if part is not None else ""
    return Message(key=path.name, to=recipients, subject=str(parsed["Subject"] or ""), body=body)


class FlakyEmailBackend(LocmemEmailBackend):
    """Django's locmem backend that first refuses `failures_left` sends the way a dropped SMTP
    connection does (settings.EMAIL_BACKEND = "tests.mail.FlakyEmailBackend")."""

    failures_left = 0

    def send_messages(self, email_messages: Any) -> int:
        if FlakyEmailBackend.failures_left > 0:
            FlakyEmailBackend.failures_left -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed (test)")
        return int(super().send_messages(email_messages))


class SinkHandler:
    """aiosmtpd handler: each accepted message becomes `<sequence>.eml` in the directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.sequence = 0
        self.tempfailed: set[str] = set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        recipients = [str(address) for address in envelope.rcpt_tos]
        first_tries = [
            address
            for address in recipients
            if TEMPFAIL_TAG in address.split("@")[0] and address not in self.tempfailed
        ]
        if first_tries:
            self.tempfailed.update(first_tries)
            return "451 4.3.0 Temporary failure, try again (test sink)"
        self.sequence += 1
        name = f"{time.time_ns():020d}-{self.sequence:06d}.eml"
        header = f"{RECIPIENTS_HEADER}: {', '.join(recipients)}\r\n".encode()
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode()
        # Write then rename, so a reader never sees half a message.
        partial = self.directory / f".{name}.partial"
        partial.write_bytes(header + content)
        partial.rename(self.directory / name)
        return "250 OK"


def serve(port: int, directory: Path) -> None:
    from aiosmtpd.controller import Controller

    directory.mkdir(parents=True, exist_ok=True)
    controller = Controller(SinkHandler(directory), hostname="127.0.0.1", port=port)
    controller.start()
    stopped = asyncio.Event()
    loop = asyncio.new_event_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopped.set)
    try:
        loop.run_until_complete(stopped.wait())
    finally:
        controller.stop()
        loop.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--directory", type=Path, required=True)
    arguments = parser.parse_args()
    serve(arguments.port, arguments.directory)
