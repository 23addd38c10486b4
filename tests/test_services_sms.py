"""MFA codes on the real services of make test-services: an EMAIL_OTP code through Redis, the
Celery worker and the SMTP sink, and an SMS_MFA code through the worker's webhook sender to a
receiver this test runs (HMAC-signed JSON, a refused first POST retried by the worker).
Collected only under make test-services (marker `services`)."""

from __future__ import annotations

import http.server
import json
import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail

from accounts.models import OutboxMessage
from accounts.services import sms
from tests.mail import CODE_PATTERN, Mailbox
from tests.services import Services

pytestmark = pytest.mark.services

PASSWORD = "Correct-Horse-9-Battery"
PHONE = "+15555550177"


class SmsGateway:
    """The far side of SMS_WEBHOOK_URL: records each POST, refusing the first with a 503."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.refuse_next = True
        gateway = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.requests.append((dict(self.headers), body))
                status = 503 if gateway.refuse_next else 202
                gateway.refuse_next = False
                self.send_response(status)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"

    def accepted(self, timeout: float = 30) -> tuple[dict[str, str], bytes]:
        """The request the gateway accepted (after the refused one)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.requests) >= 2:
                return self.requests[-1]
            time.sleep(0.1)
        raise AssertionError(f"the gateway got {len(self.requests)} request(s)")


@pytest.fixture
def sms_gateway(services: Services) -> Iterator[SmsGateway]:
    """A gateway, and the worker restarted with SMS_SENDER=webhook pointing at it; the
    worker goes back to its own settings afterwards."""
    gateway = SmsGateway(secret=secrets.token_hex(16))
    threading.Thread(target=gateway.server.serve_forever, daemon=True).start()
    worker = services.worker
    saved = dict(worker.env)
    worker.stop()
    worker.env.update(
        SMS_SENDER="webhook", SMS_WEBHOOK_URL=gateway.url, SMS_WEBHOOK_SECRET=gateway.secret
    )
    worker.start()
    try:
        yield gateway
    finally:
        worker.stop()
        worker.env.clear()
        worker.env.update(saved)
        worker.start()
        gateway.server.shutdown()
        gateway.server.server_close()


def _user_and_client(idp: Any, pool: dict[str, Any], email: str, **attributes: str) -> str:
    idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username=email,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            *({"Name": name, "Value": value} for name, value in attributes.items()),
        ],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=pool["Id"], Username=email, Password=PASSWORD, Permanent=True
    )
    client = idp.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="mfa-services",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
    )
    return str(client["UserPoolClient"]["ClientId"])


def _sign_in(idp_public: Any, client_id: str, email: str) -> dict[str, Any]:
    return dict(
        idp_public.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
        )
    )


def test_email_otp_travels_through_the_worker_and_the_smtp_sink(
    services: Services, idp: Any, idp_public: Any, pool: dict[str, Any], mailbox: Mailbox
) -> None:
    idp.set_user_pool_mfa_config(
        UserPoolId=pool["Id"],
        MfaConfiguration="OPTIONAL",
        EmailMfaConfiguration={"Subject": "Your sign-in code"},
    )
    client_id = _user_and_client(idp, pool, "otp-services@example.com")
    idp.admin_set_user_mfa_preference(
        UserPoolId=pool["Id"],
        Username="otp-services@example.com",
        EmailMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    step = _sign_in(idp_public, client_id, "otp-services@example.com")
    assert step["ChallengeName"] == "EMAIL_OTP"

    message = mailbox.wait_for("otp-services@example.com")
    assert message.key.endswith(".eml")  # read from the SMTP sink's directory
    assert message.subject == "Your sign-in code"
    assert mail.outbox == []  # nothing was sent from the test process itself
    done = idp_public.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="EMAIL_OTP",
        Session=step["Session"],
        ChallengeResponses={
            "USERNAME": "otp-services@example.com",
            "EMAIL_OTP_CODE": CODE_PATTERN.findall(message.body)[-1],
        },
    )
    assert done["AuthenticationResult"]["AccessToken"]


def test_sms_mfa_code_reaches_the_webhook_signed_and_retried(
    sms_gateway: SmsGateway, idp: Any, idp_public: Any, pool: dict[str, Any]
) -> None:
    idp.set_user_pool_mfa_config(
        UserPoolId=pool["Id"],
        MfaConfiguration="OPTIONAL",
        SmsMfaConfiguration={
            "SmsAuthenticationMessage": "Your Tessera code is {####}",
            "SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/sms"},
        },
    )
    client_id = _user_and_client(idp, pool, "sms-services@example.com", phone_number=PHONE)
    idp.admin_set_user_mfa_preference(
        UserPoolId=pool["Id"],
        Username="sms-services@example.com",
        SMSMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    step = _sign_in(idp_public, client_id, "sms-services@example.com")
    assert step["ChallengeName"] == "SMS_MFA"
    assert step["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "+*******0177"

    headers, body = sms_gateway.accepted()
    payload = json.loads(body)
    assert payload["to"] == PHONE
    assert payload["pool_id"] == pool["Id"]
    assert headers["X-Tessera-Signature"] == sms.signature(
        sms_gateway.secret, headers["X-Tessera-Timestamp"], body
    )
    # The refused POST and the accepted one carried the same message.
    assert json.loads(sms_gateway.requests[0][1]) == payload
    row = OutboxMessage.objects.get(pk=payload["id"])
    assert row.channel == OutboxMessage.Channel.SMS
    deadline = time.monotonic() + 10
    while row.sent is None and time.monotonic() < deadline:
        time.sleep(0.1)
        row.refresh_from_db()
    assert row.sent is not None
    assert row.attempts == 2

    code = payload["message"].removeprefix("Your Tessera code is ")
    done = idp_public.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="SMS_MFA",
        Session=step["Session"],
        ChallengeResponses={"USERNAME": "sms-services@example.com", "SMS_MFA_CODE": code},
    )
    assert done["AuthenticationResult"]["AccessToken"]
