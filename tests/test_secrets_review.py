"""Secrets stay out of error reports and logs (developers' guide: secrets never leave
their store in clear).

An unhandled error on a page is logged by ``django.request`` with the request and the
traceback; Django's AdminEmailHandler (and the debug page) render it with the POST data
and, in the HTML report, every frame's local variables. The pages that receive passwords,
codes, client secrets and tokens are marked ``sensitive_post_parameters`` /
``sensitive_variables`` so those reports show stars instead (Django, "Filtering error
reports").
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import secrets
import subprocess
import sys
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.views.debug import ExceptionReporter

ROOT = Path(__file__).resolve().parent.parent
CALLBACK_URL = "https://app.example/callback"
PASSWORD = "Leaky-Password-7-Secret"


def _error_reports(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What AdminEmailHandler would mail for each logged request error: the text report
    (request, POST) and the HTML one (with frame locals)."""
    reports: list[str] = []
    for record in caplog.records:
        if record.name == "django.request" and record.exc_info:
            request = getattr(record, "request", None)
            exc_type, exc_value, tb = record.exc_info
            reporter = ExceptionReporter(request, exc_type, exc_value, tb, is_email=True)
            reports.append(reporter.get_traceback_text())
            reports.append(reporter.get_traceback_html())
    assert reports, "no request error was logged"
    return reports


def _fail(*args: Any, **kwargs: Any) -> None:
    """Stands in for a dependency that breaks (database, cache) below a view."""
    raise RuntimeError("backing store unavailable")


@pytest.fixture
def oauth_client(idp: Any, pool: dict[str, Any]) -> dict[str, Any]:
    response = idp.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="Secrets review app",
        GenerateSecret=True,
        CallbackURLs=[CALLBACK_URL],
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email"],
        AllowedOAuthFlowsUserPoolClient=True,
        SupportedIdentityProviders=["COGNITO"],
    )
    return dict(response["UserPoolClient"])


def test_hosted_login_error_report_hides_the_password(
    oauth_client: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from accounts.services import auth_flows

    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    query = urllib.parse.urlencode(
        {
            "client_id": oauth_client["ClientId"],
            "response_type": "code",
            "scope": "openid email",
            "redirect_uri": CALLBACK_URL,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    monkeypatch.setattr(auth_flows.lockout, "ensure_not_locked", _fail)
    browser = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = browser.post(f"/login?{query}", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 500
    for report in _error_reports(caplog):
        assert "backing store unavailable" in report  # the report is about this error
        assert PASSWORD not in report


def test_token_endpoint_error_report_hides_client_secret_and_code(
    oauth_client: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from oauth.services import grants

    code, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    monkeypatch.setattr(grants, "redeem_authorization_code", _fail)
    caller = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = caller.post(
            "/oauth2/token",
            urllib.parse.urlencode(
                {
                    "grant_type": "authorization_code",
                    "client_id": oauth_client["ClientId"],
                    "client_secret": oauth_client["ClientSecret"],
                    "code": code,
                    "code_verifier": verifier,
                    "redirect_uri": CALLBACK_URL,
                }
            ),
            content_type="application/x-www-form-urlencoded",
        )
    assert response.status_code == 500, response.content
    for report in _error_reports(caplog):
        assert "backing store unavailable" in report
        for secret in (oauth_client["ClientSecret"], code, verifier):
            assert secret not in report


def _production_checks(**overrides: str) -> subprocess.CompletedProcess[str]:
    """The system checks' ids with settings loaded as ``TESSERA_ENV=production``, a
    SECRET_KEY and ``overrides``; EMAIL_URL and SMS_SENDER are unset unless given."""
    env = {k: v for k, v in os.environ.items() if k not in ("EMAIL_URL", "SMS_SENDER")}
    env.update(
        TESSERA_ENV="production",
        SECRET_KEY="production-test-key-" + "x" * 40,
        DJANGO_SETTINGS_MODULE="config.settings",
        **overrides,
    )
    script = (
        "import django; django.setup(); from django.core.checks import run_checks; "
        "print(' '.join(sorted(message.id for message in run_checks())))"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_production_warns_when_codes_would_be_printed_to_the_log() -> None:
    """The console mail backend and SMS sender print every code and temporary password to
    the server's log: the embedded defaults; in production a system check says so (on
    migrate and `manage.py check`) without refusing to start (CONTRACT.md requires only
    SECRET_KEY)."""
    defaults = _production_checks()
    assert defaults.returncode == 0, defaults.stderr
    assert {"tessera.W002", "tessera.W003"} <= set(defaults.stdout.split())

    configured = _production_checks(
        EMAIL_URL="smtp://mail.example:25",
        SMS_SENDER="webhook",
        SMS_WEBHOOK_URL="https://sms.example/hook",
        SMS_WEBHOOK_SECRET="s" * 32,
    )
    assert configured.returncode == 0, configured.stderr
    assert not {"tessera.W002", "tessera.W003"} & set(configured.stdout.split())


class _Collect(logging.Handler):
    """Formats every record as the console handler does (message and traceback)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(logging.Formatter().format(record))


def test_api_internal_error_logs_neither_the_body_nor_its_password(
    idp: Any,
    idp_public: Any,
    pool: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The JSON API answers an unexpected error with InternalErrorException and logs the
    operation and traceback (logger ``tessera``), never the request body; Django's own
    record of the 500 carries no POST data for a JSON body."""
    from accounts.services import auth_flows

    client_id = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="api", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    monkeypatch.setattr(auth_flows.lockout, "ensure_not_locked", _fail)
    handler = _Collect()
    tessera_logger = logging.getLogger("tessera")
    tessera_logger.addHandler(handler)
    try:
        with (
            caplog.at_level(logging.ERROR, logger="django.request"),
            pytest.raises(idp_public.exceptions.InternalErrorException),
        ):
            idp_public.initiate_auth(
                ClientId=client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": "alice@example.com", "PASSWORD": PASSWORD},
            )
    finally:
        tessera_logger.removeHandler(handler)
    logged = "\n".join(handler.lines)
    assert "AWSCognitoIdentityProviderService.InitiateAuth" in logged
    assert "backing store unavailable" in logged
    assert PASSWORD not in logged
    django_records = [r for r in caplog.records if r.name == "django.request"]
    assert django_records, "Django logged no 500"
    for record in django_records:
        request = getattr(record, "request", None)
        report = ExceptionReporter(request, *(record.exc_info or (None, None, None)))
        assert PASSWORD not in report.get_traceback_text()
