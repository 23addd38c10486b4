"""MFA over the wire: boto3 against the live server, pyotp as the authenticator app.

Factors and preferences (SetUserMFAPreference, AdminSetUserSettings, GetUser/AdminGetUser),
software tokens (AssociateSoftwareToken, VerifySoftwareToken, AdminDeleteSoftwareToken), the
SOFTWARE_TOKEN_MFA / SMS_MFA / EMAIL_OTP / SELECT_MFA_TYPE challenges, replay refusal,
lockout, expired Sessions, recovery codes, and the SMS webhook sender.
"""

from __future__ import annotations

import datetime as dt
import http.server
import io
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from botocore.exceptions import ClientError
from django.core.management import call_command
from django.utils import timezone

from accounts.models import AuditEvent, OutboxMessage, PoolUser, TotpDevice
from accounts.services import auth_flows, messaging, sms
from tests.accounts.conftest import PASSWORD, MakeClient, MakeUser
from tests.sms import wait_for_sms

SNS_ROLE = "arn:aws:iam::123456789012:role/cognito-sms"


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def sign_in(idp_public: Any, client_id: str, username: str, password: str = PASSWORD) -> Any:
    return idp_public.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )


def answer(
    idp_public: Any, client_id: str, step: dict[str, Any], **responses: str
) -> dict[str, Any]:
    return dict(
        idp_public.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName=step["ChallengeName"],
            Session=step["Session"],
            ChallengeResponses=responses,
        )
    )


def code_at(secret: str, steps_ahead: int = 0) -> str:
    """The authenticator's code ``steps_ahead`` 30-second steps from now (±1 is accepted)."""
    return str(pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead))


def enrol_totp(idp_public: Any, access_token: str, device: str = "Pixel") -> str:
    """AssociateSoftwareToken + VerifySoftwareToken + preferred TOTP; the secret."""
    secret = idp_public.associate_software_token(AccessToken=access_token)["SecretCode"]
    status = idp_public.verify_software_token(
        AccessToken=access_token, UserCode=code_at(secret), FriendlyDeviceName=device
    )["Status"]
    assert status == "SUCCESS"
    idp_public.set_user_mfa_preference(
        AccessToken=access_token,
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    return secret


def last_outbox_id() -> int:
    return OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.fixture
def password_client(make_client: MakeClient) -> str:
    client = make_client(ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    return str(client["ClientId"])


def test_totp_enrolment_then_sign_in_with_a_code_accepted_once(
    idp: Any, idp_public: Any, pool: dict[str, Any], make_user: MakeUser, password_client: str
) -> None:
    make_user("ana@example.com")
    signed_in = sign_in(idp_public, password_client, "ana@example.com")
    # The seed pool's MFA is OPTIONAL: no factor yet, so no challenge.
    access_token = signed_in["AuthenticationResult"]["AccessToken"]

    with pytest.raises(ClientError) as refused:
        idp_public.set_user_mfa_preference(
            AccessToken=access_token, SoftwareTokenMfaSettings={"Enabled": True}
        )
    assert error_of(refused) == (
        "InvalidParameterException",
        "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA",
    )
    secret = idp_public.associate_software_token(AccessToken=access_token)["SecretCode"]
    assert len(secret) >= 16
    assert secret.isalnum()
    assert secret.upper() == secret
    user = PoolUser.objects.get(email="ana@example.com")
    stored = TotpDevice.objects.get(user=user)
    assert secret not in stored.secret_encrypted
    assert not stored.verified

    with pytest.raises(ClientError) as unverified:
        idp_public.set_user_mfa_preference(
            AccessToken=access_token, SoftwareTokenMfaSettings={"Enabled": True}
        )
    assert error_of(unverified) == (
        "InvalidParameterException",
        "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA",
    )
    wrong = f"{(int(code_at(secret)) + 1) % 1_000_000:06d}"
    with pytest.raises(ClientError) as mismatch:
        idp_public.verify_software_token(AccessToken=access_token, UserCode=wrong)
    assert error_of(mismatch) == (
        "EnableSoftwareTokenMFAException",
        "Code mismatch and fail enable Software Token MFA",
    )
    verified = idp_public.verify_software_token(
        AccessToken=access_token, UserCode=code_at(secret), FriendlyDeviceName="Pixel"
    )
    assert verified["Status"] == "SUCCESS"
    assert "Session" not in verified
    idp_public.set_user_mfa_preference(
        AccessToken=access_token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    me = idp_public.get_user(AccessToken=access_token)
    assert me["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert me["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    admin_view = idp.admin_get_user(UserPoolId=pool["Id"], Username="ana@example.com")
    assert admin_view["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert admin_view["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"

    step = sign_in(idp_public, password_client, "ana@example.com")
    assert step["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert "AuthenticationResult" not in step
    assert step["ChallengeParameters"] == {
        "FRIENDLY_DEVICE_NAME": "Pixel",
        "USER_ID_FOR_SRP": user.username,
    }
    # The verification above spent this step's code; the next step's is within the window.
    next_code = code_at(secret, steps_ahead=1)
    done = answer(
        idp_public,
        password_client,
        step,
        USERNAME="ana@example.com",
        SOFTWARE_TOKEN_MFA_CODE=next_code,
    )
    assert done["AuthenticationResult"]["AccessToken"]

    replay_step = sign_in(idp_public, password_client, "ana@example.com")
    with pytest.raises(ClientError) as replayed:
        answer(
            idp_public,
            password_client,
            replay_step,
            USERNAME=user.username,
            SOFTWARE_TOKEN_MFA_CODE=next_code,
        )
    assert error_of(replayed) == ("CodeMismatchException", "Invalid code received for user")


@pytest.mark.usefixtures("lockout_clock")  # the lock outlasts a slow request
def test_wrong_codes_count_toward_the_lockout(
    idp_public: Any, make_user: MakeUser, password_client: str
) -> None:
    make_user("bo@example.com")
    token = sign_in(idp_public, password_client, "bo@example.com")["AuthenticationResult"]
    secret = enrol_totp(idp_public, token["AccessToken"])
    step = sign_in(idp_public, password_client, "bo@example.com")
    wrong = f"{(int(code_at(secret, 1)) + 500_000) % 1_000_000:06d}"
    for _ in range(5):
        with pytest.raises(ClientError) as mismatch:
            answer(
                idp_public,
                password_client,
                step,
                USERNAME="bo@example.com",
                SOFTWARE_TOKEN_MFA_CODE=wrong,
            )
        assert error_of(mismatch)[0] == "CodeMismatchException"
    # Locked now: even the right code, and the password itself, are refused unchecked.
    with pytest.raises(ClientError) as locked:
        answer(
            idp_public,
            password_client,
            step,
            USERNAME="bo@example.com",
            SOFTWARE_TOKEN_MFA_CODE=code_at(secret, 1),
        )
    assert error_of(locked) == ("NotAuthorizedException", "Password attempts exceeded")
    with pytest.raises(ClientError) as password_locked:
        sign_in(idp_public, password_client, "bo@example.com")
    assert error_of(password_locked) == ("NotAuthorizedException", "Password attempts exceeded")


def test_an_expired_or_foreign_session_is_refused(
    idp_public: Any,
    make_user: MakeUser,
    password_client: str,
    make_client: MakeClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_user("cy@example.com")
    token = sign_in(idp_public, password_client, "cy@example.com")["AuthenticationResult"]
    secret = enrol_totp(idp_public, token["AccessToken"])
    step = sign_in(idp_public, password_client, "cy@example.com")
    other_client = make_client(ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["ClientId"]
    with pytest.raises(ClientError) as foreign:
        answer(
            idp_public,
            other_client,
            step,
            USERNAME="cy@example.com",
            SOFTWARE_TOKEN_MFA_CODE="123456",
        )
    assert error_of(foreign) == ("NotAuthorizedException", "Invalid session for the user.")
    # The live server runs in this process: its clock moves past the 3-minute default.
    later = timezone.now() + dt.timedelta(minutes=3, seconds=5)
    monkeypatch.setattr(auth_flows.timezone, "now", lambda: later)
    with pytest.raises(ClientError) as expired:
        answer(
            idp_public,
            password_client,
            step,
            USERNAME="cy@example.com",
            SOFTWARE_TOKEN_MFA_CODE=code_at(secret, 1),
        )
    assert error_of(expired) == (
        "NotAuthorizedException",
        "Invalid session for the user, session is expired.",
    )


def test_recovery_code_answers_a_challenge_once_and_is_audited(
    idp: Any, idp_public: Any, pool: dict[str, Any], make_user: MakeUser, password_client: str
) -> None:
    make_user("di@example.com")
    token = sign_in(idp_public, password_client, "di@example.com")["AuthenticationResult"]
    out = io.StringIO()
    with pytest.raises(Exception, match="MFA factor"):
        call_command("generate_recovery_codes", pool["Id"], "di@example.com", stdout=out)
    enrol_totp(idp_public, token["AccessToken"])
    call_command("generate_recovery_codes", pool["Id"], "di@example.com", stdout=out)
    first_set = out.getvalue().split()
    out = io.StringIO()
    call_command("generate_recovery_codes", pool["Id"], "di@example.com", stdout=out)
    codes = out.getvalue().split()
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert all(len(code) == 11 and code[5] == "-" for code in codes)

    # Regenerating invalidated the first set.
    step = sign_in(idp_public, password_client, "di@example.com")
    with pytest.raises(ClientError) as old:
        answer(
            idp_public,
            password_client,
            step,
            USERNAME="di@example.com",
            SOFTWARE_TOKEN_MFA_CODE=first_set[0],
        )
    assert error_of(old)[0] == "CodeMismatchException"
    done = answer(
        idp_public,
        password_client,
        step,
        USERNAME="di@example.com",
        SOFTWARE_TOKEN_MFA_CODE=codes[0].upper(),
    )
    assert done["AuthenticationResult"]["IdToken"]
    user = PoolUser.objects.get(email="di@example.com")
    used = AuditEvent.objects.get(user=user, event="mfa_recovery_code_used")
    assert used.details == {"challenge": "SOFTWARE_TOKEN_MFA", "remaining": 9}

    again = sign_in(idp_public, password_client, "di@example.com")
    with pytest.raises(ClientError) as spent:
        answer(
            idp_public,
            password_client,
            again,
            USERNAME="di@example.com",
            SOFTWARE_TOKEN_MFA_CODE=codes[0],
        )
    assert error_of(spent)[0] == "CodeMismatchException"
    # Stored as digests only: ten rows, one spent, none holding a code in clear.
    digests = list(user.recovery_codes.values_list("code_digest", "used_at"))
    assert len(digests) == 10
    assert sum(used is not None for _, used in digests) == 1
    assert {digest for digest, _ in digests}.isdisjoint({*codes, *(c.upper() for c in codes)})


def test_email_otp_in_an_optional_pool_with_and_without_the_factor(
    idp: Any,
    idp_public: Any,
    pool: dict[str, Any],
    make_user: MakeUser,
    password_client: str,
    mailbox: Any,
) -> None:
    idp.set_user_pool_mfa_config(
        UserPoolId=pool["Id"],
        MfaConfiguration="OPTIONAL",
        EmailMfaConfiguration={"Message": "Sign-in code: {####}", "Subject": "Your code"},
    )
    make_user("eve@example.com")
    # OPTIONAL and no factor enabled: straight to the tokens.
    assert sign_in(idp_public, password_client, "eve@example.com")["AuthenticationResult"]

    idp.admin_set_user_mfa_preference(
        UserPoolId=pool["Id"],
        Username="eve@example.com",
        EmailMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    step = sign_in(idp_public, password_client, "eve@example.com")
    assert step["ChallengeName"] == "EMAIL_OTP"
    user = PoolUser.objects.get(email="eve@example.com")
    assert step["ChallengeParameters"] == {
        "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
        "CODE_DELIVERY_DESTINATION": "e***@e***",
        "USER_ID_FOR_SRP": user.username,
    }
    message = mailbox.wait_for("eve@example.com")
    assert message.subject == "Your code"
    code = message.body.strip().removeprefix("Sign-in code: ")
    assert len(code) == 6
    assert code.isdigit()
    done = answer(idp_public, password_client, step, USERNAME=user.username, EMAIL_OTP_CODE=code)
    assert done["AuthenticationResult"]["AccessToken"]
    # A code is single use.
    again = sign_in(idp_public, password_client, "eve@example.com")
    mailbox.wait_for("eve@example.com")
    with pytest.raises(ClientError) as reused:
        answer(idp_public, password_client, again, USERNAME=user.username, EMAIL_OTP_CODE=code)
    assert error_of(reused)[0] == "CodeMismatchException"


def test_an_empty_email_mfa_configuration_turns_email_mfa_on_with_default_texts(
    idp: Any,
    idp_public: Any,
    pool: dict[str, Any],
    make_user: MakeUser,
    password_client: str,
    mailbox: Any,
) -> None:
    # Passing the structure at all enables the factor; its members only change the texts.
    answered = idp.set_user_pool_mfa_config(
        UserPoolId=pool["Id"],
        MfaConfiguration="OPTIONAL",
        SoftwareTokenMfaConfiguration={"Enabled": False},
        EmailMfaConfiguration={},
    )
    stored = idp.get_user_pool_mfa_config(UserPoolId=pool["Id"])
    for result in (answered, stored):
        assert result["MfaConfiguration"] == "OPTIONAL"
        assert result["EmailMfaConfiguration"] == {}
    make_user("fay@example.com")
    idp.admin_set_user_mfa_preference(
        UserPoolId=pool["Id"],
        Username="fay@example.com",
        EmailMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    step = sign_in(idp_public, password_client, "fay@example.com")
    assert step["ChallengeName"] == "EMAIL_OTP"
    message = mailbox.wait_for("fay@example.com")
    assert message.subject == "Your sign-in code"
    code = message.body.strip().removeprefix("Your sign-in code is ")[:6]
    user = PoolUser.objects.get(email="fay@example.com")
    done = answer(idp_public, password_client, step, USERNAME=user.username, EMAIL_OTP_CODE=code)
    assert done["AuthenticationResult"]["AccessToken"]

    off = idp.set_user_pool_mfa_config(UserPoolId=pool["Id"], MfaConfiguration="OFF")
    assert "EmailMfaConfiguration" not in off


def test_sms_mfa_legacy_settings_and_select_mfa_type_with_two_factors(
    idp: Any, idp_public: Any, pool: dict[str, Any], make_user: MakeUser, password_client: str
) -> None:
    idp.set_user_pool_mfa_config(
        UserPoolId=pool["Id"],
        MfaConfiguration="OPTIONAL",
        SoftwareTokenMfaConfiguration={"Enabled": True},
        SmsMfaConfiguration={
            "SmsAuthenticationMessage": "Tessera code {####}",
            "SmsConfiguration": {"SnsCallerArn": SNS_ROLE, "ExternalId": "tessera"},
        },
    )
    phone = "+15555550123"
    make_user("fay@example.com", attributes={"phone_number": phone})
    idp.admin_set_user_settings(
        UserPoolId=pool["Id"],
        Username="fay@example.com",
        MFAOptions=[{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}],
    )
    admin_view = idp.admin_get_user(UserPoolId=pool["Id"], Username="fay@example.com")
    assert admin_view["MFAOptions"] == [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]
    assert admin_view["UserMFASettingList"] == ["SMS_MFA"]

    marker = last_outbox_id()
    step = sign_in(idp_public, password_client, "fay@example.com")
    assert step["ChallengeName"] == "SMS_MFA"
    assert step["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "SMS"
    assert step["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "+*******0123"
    text = wait_for_sms(phone, marker)
    assert text.startswith("Tessera code ")
    signed_in = answer(
        idp_public,
        password_client,
        step,
        USERNAME="fay@example.com",
        SMS_MFA_CODE=text.removeprefix("Tessera code "),
    )
    access_token = signed_in["AuthenticationResult"]["AccessToken"]
    # The number proved itself by receiving the code.
    assert PoolUser.objects.get(email="fay@example.com").phone_number_verified

    # A second factor and no preference: the user chooses.
    secret = idp_public.associate_software_token(AccessToken=access_token)["SecretCode"]
    idp_public.verify_software_token(AccessToken=access_token, UserCode=code_at(secret))
    idp_public.set_user_mfa_preference(
        AccessToken=access_token, SoftwareTokenMfaSettings={"Enabled": True}
    )
    choice = sign_in(idp_public, password_client, "fay@example.com")
    assert choice["ChallengeName"] == "SELECT_MFA_TYPE"
    assert json.loads(choice["ChallengeParameters"]["MFAS_CAN_CHOOSE"]) == [
        "SMS_MFA",
        "SOFTWARE_TOKEN_MFA",
    ]
    with pytest.raises(ClientError) as not_offered:
        answer(idp_public, password_client, choice, USERNAME="fay@example.com", ANSWER="EMAIL_OTP")
    assert error_of(not_offered)[0] == "InvalidParameterException"
    totp_step = answer(
        idp_public, password_client, choice, USERNAME="fay@example.com", ANSWER="SOFTWARE_TOKEN_MFA"
    )
    assert totp_step["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    done = answer(
        idp_public,
        password_client,
        totp_step,
        USERNAME="fay@example.com",
        SOFTWARE_TOKEN_MFA_CODE=code_at(secret, 1),
    )
    assert done["AuthenticationResult"]["AccessToken"]

    # Preferring SMS skips the choice; turning SMS off leaves TOTP alone.
    idp_public.set_user_mfa_preference(
        AccessToken=access_token, SMSMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    assert sign_in(idp_public, password_client, "fay@example.com")["ChallengeName"] == "SMS_MFA"
    idp.admin_set_user_settings(UserPoolId=pool["Id"], Username="fay@example.com", MFAOptions=[])
    admin_view = idp.admin_get_user(UserPoolId=pool["Id"], Username="fay@example.com")
    assert "MFAOptions" not in admin_view
    assert "PreferredMfaSetting" not in admin_view
    assert admin_view["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert sign_in(idp_public, password_client, "fay@example.com")["ChallengeName"] == (
        "SOFTWARE_TOKEN_MFA"
    )

    # AdminDeleteSoftwareToken: the factor and its sign-in challenge are gone.
    idp.admin_delete_software_token(UserPoolId=pool["Id"], Username="fay@example.com")
    assert "UserMFASettingList" not in idp.admin_get_user(
        UserPoolId=pool["Id"], Username="fay@example.com"
    )
    assert sign_in(idp_public, password_client, "fay@example.com")["AuthenticationResult"]


def test_preferences_refuse_factors_the_user_cannot_receive(
    idp: Any, idp_public: Any, pool: dict[str, Any], make_user: MakeUser
) -> None:
    make_user("gus@example.com")
    with pytest.raises(ClientError) as no_phone:
        idp.admin_set_user_settings(
            UserPoolId=pool["Id"],
            Username="gus@example.com",
            MFAOptions=[{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}],
        )
    assert error_of(no_phone)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as email_off:
        idp.admin_set_user_mfa_preference(
            UserPoolId=pool["Id"], Username="gus@example.com", EmailMfaSettings={"Enabled": True}
        )
    assert error_of(email_off)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as both:
        idp_public.associate_software_token(AccessToken="a" * 30, Session="s" * 30)
    assert error_of(both)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as bad_token:
        idp_public.associate_software_token(AccessToken="not-a-jwt")
    assert error_of(bad_token) == ("NotAuthorizedException", "Invalid Access Token")


class _Receiver(http.server.BaseHTTPRequestHandler):
    """A webhook endpoint that fails its first request with a 503, then accepts."""

    received: list[tuple[dict[str, str], bytes]]
    failures_left: int

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server = self.server
        server.received.append((dict(self.headers), body))  # type: ignore[attr-defined]
        if server.failures_left > 0:  # type: ignore[attr-defined]
            server.failures_left -= 1  # type: ignore[attr-defined]
            self.send_response(503)
        else:
            self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def webhook_receiver() -> Iterator[Any]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.received = []  # type: ignore[attr-defined]
    server.failures_left = 1  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_webhook_sender_signs_and_a_failed_post_is_retried_from_the_outbox(
    transactional_db: None, settings: Any, webhook_receiver: Any
) -> None:
    settings.SMS_SENDER = "webhook"
    settings.SMS_WEBHOOK_URL = f"http://127.0.0.1:{webhook_receiver.server_port}/sms"
    settings.SMS_WEBHOOK_SECRET = "s3cret"
    # Written directly and far from due, so only this test delivers it.
    message = OutboxMessage.objects.create(
        channel=OutboxMessage.Channel.SMS,
        recipient="+15555550199",
        body="Your authentication code is 424242.",
        next_attempt=timezone.now() + dt.timedelta(hours=1),
    )
    first = messaging.deliver(message.pk)
    assert not first.done
    message.refresh_from_db()
    assert message.sent is None
    assert "503" in message.last_error
    assert messaging.deliver(message.pk).done
    message.refresh_from_db()
    assert message.sent is not None
    assert message.attempts == 2

    assert len(webhook_receiver.received) == 2
    headers, body = webhook_receiver.received[-1]
    assert json.loads(body) == {
        "id": message.pk,
        "to": "+15555550199",
        "message": "Your authentication code is 424242.",
        "pool_id": None,
    }
    timestamp = headers["X-Tessera-Timestamp"]
    assert abs(int(timestamp) - time.time()) < 60
    assert headers["X-Tessera-Signature"] == sms.signature("s3cret", timestamp, body)
    assert headers["X-Tessera-Message-Id"] == str(message.pk)
