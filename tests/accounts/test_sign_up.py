"""SignUp, ConfirmSignUp, ResendConfirmationCode, ForgotPassword and ConfirmForgotPassword
through real boto3 against the live server, reading codes from the mail actually sent."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import urllib.parse
from typing import Any

import pytest
from botocore.exceptions import ClientError

from accounts.models import OneTimeCode, OutboxMessage
from accounts.services import codes

PASSWORD = "Correct-Horse-42!"
NEW_PASSWORD = "Battery-Staple-77?"


def _code_in(message: Any) -> str:
    found = re.search(r"(?<!\d)\d{6}(?!\d)", message.body)
    assert found is not None, message.body
    return found.group(0)


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def _client(idp: Any, pool_id: str, **settings: Any) -> dict[str, Any]:
    settings.setdefault(
        "ExplicitAuthFlows", ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )
    settings.setdefault("PreventUserExistenceErrors", "LEGACY")
    response = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app", **settings)
    return dict(response["UserPoolClient"])


def _secret_hash(username: str, client: dict[str, Any]) -> str:
    digest = hmac.new(
        client["ClientSecret"].encode(),
        (username + client["ClientId"]).encode(),
        hashlib.sha256,
    ).digest()
    return base64.b64encode(digest).decode()


def _sign_in(idp_public: Any, client_id: str, username: str, password: str) -> dict[str, Any]:
    response = idp_public.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return dict(response["AuthenticationResult"])


def _attributes(idp: Any, pool_id: str, username: str) -> tuple[str, dict[str, str]]:
    user = idp.admin_get_user(UserPoolId=pool_id, Username=username)
    return user["UserStatus"], {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def test_sign_up_mails_a_code_that_confirms_the_user_once(
    idp: Any, idp_public: Any, pool: dict[str, Any], mailbox: Any
) -> None:
    client_id = _client(idp, pool["Id"])["ClientId"]
    response = idp_public.sign_up(
        ClientId=client_id,
        Username="user@example.com",
        Password=PASSWORD,
        UserAttributes=[{"Name": "name", "Value": "John Doe"}],
        ValidationData=[{"Name": "source", "Value": "tests"}],
    )
    assert response["UserConfirmed"] is False
    assert response["CodeDeliveryDetails"] == {
        "Destination": "u***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    message = mailbox.wait_for("user@example.com")
    assert message.subject == "Your verification code"
    code = _code_in(message)

    # The email is the sign-in name; the stored username is the sub.
    status, attributes = _attributes(idp, pool["Id"], "user@example.com")
    assert status == "UNCONFIRMED"
    assert attributes["sub"] == response["UserSub"]
    assert attributes["email"] == "user@example.com"
    assert attributes["email_verified"] == "false"
    assert (
        idp.admin_get_user(UserPoolId=pool["Id"], Username="user@example.com")["Username"]
        == response["UserSub"]
    )

    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ClientError) as excinfo:
        idp_public.confirm_sign_up(
            ClientId=client_id, Username="user@example.com", ConfirmationCode=wrong
        )
    assert _error(excinfo) == (
        "CodeMismatchException",
        "Invalid verification code provided, please try again.",
    )

    idp_public.confirm_sign_up(
        ClientId=client_id, Username="user@example.com", ConfirmationCode=code
    )
    status, attributes = _attributes(idp, pool["Id"], "user@example.com")
    assert status == "CONFIRMED"
    assert attributes["email_verified"] == "true"

    with pytest.raises(ClientError) as excinfo:
        idp_public.confirm_sign_up(
            ClientId=client_id, Username="user@example.com", ConfirmationCode=code
        )
    assert _error(excinfo) == (
        "NotAuthorizedException",
        "User cannot be confirmed. Current status is CONFIRMED",
    )

    with pytest.raises(ClientError) as excinfo:
        idp_public.sign_up(ClientId=client_id, Username="user@example.com", Password=PASSWORD)
    assert _error(excinfo) == (
        "UsernameExistsException",
        "An account with the given email already exists.",
    )
    assert _sign_in(idp_public, client_id, "user@example.com", PASSWORD)["AccessToken"]


def test_sign_up_enforces_the_password_policy_and_username_rules(
    idp: Any, idp_public: Any, pool: dict[str, Any]
) -> None:
    client_id = _client(idp, pool["Id"])["ClientId"]
    refusals = [
        (
            "a@example.com",
            "Sh0rt!",
            "Password did not conform with policy: Password not long enough",
        ),
        (
            "a@example.com",
            "no-uppercase-42!",
            "Password did not conform with policy: Password must have uppercase characters",
        ),
        (
            "a@example.com",
            "NoSymbolsHere42",
            "Password did not conform with policy: Password must have symbol characters",
        ),
    ]
    for username, password, message in refusals:
        with pytest.raises(ClientError) as excinfo:
            idp_public.sign_up(ClientId=client_id, Username=username, Password=password)
        assert _error(excinfo) == ("InvalidPasswordException", message)

    with pytest.raises(ClientError) as excinfo:
        idp_public.sign_up(ClientId=client_id, Username="not-an-email", Password=PASSWORD)
    assert _error(excinfo) == ("InvalidParameterException", "Username should be an email.")

    with pytest.raises(ClientError) as excinfo:
        idp_public.sign_up(
            ClientId=client_id,
            Username="b@example.com",
            Password=PASSWORD,
            UserAttributes=[{"Name": "custom:unknown", "Value": "x"}],
        )
    assert _error(excinfo)[0] == "InvalidParameterException"

    with pytest.raises(ClientError) as excinfo:
        idp_public.sign_up(ClientId=client_id, Username="c@example.com")
    assert _error(excinfo)[0] == "InvalidParameterException"

    with pytest.raises(ClientError) as excinfo:
        idp_public.sign_up(ClientId="nosuchclient", Username="d@example.com", Password=PASSWORD)
    assert _error(excinfo) == (
        "ResourceNotFoundException",
        "User pool client nosuchclient does not exist.",
    )
    assert idp.list_users(UserPoolId=pool["Id"])["Users"] == []


def test_pool_without_verification_leaves_the_user_for_an_administrator_to_confirm(
    idp: Any, idp_public: Any
) -> None:
    # Cognito (moto's AWS-verified test_sign_up): UserConfirmed false and no code sent;
    # only AdminConfirmSignUp (or a PreSignUp trigger) confirms such a user.
    pool_id = idp.create_user_pool(PoolName="no-verification")["UserPool"]["Id"]
    client_id = _client(idp, pool_id)["ClientId"]
    response = idp_public.sign_up(
        ClientId=client_id,
        Username="alice",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "alice@example.com"}],
    )
    assert response["UserConfirmed"] is False
    assert "CodeDeliveryDetails" not in response
    assert _attributes(idp, pool_id, "alice")[0] == "UNCONFIRMED"
    assert not OutboxMessage.objects.exists()

    with pytest.raises(ClientError) as excinfo:
        idp_public.sign_up(ClientId=client_id, Username="alice", Password=PASSWORD)
    assert _error(excinfo) == ("UsernameExistsException", "User already exists")
    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username="alice")
    assert _sign_in(idp_public, client_id, "alice", PASSWORD)["IdToken"]


def test_secret_hash_is_required_and_checked_with_the_typed_username(
    idp: Any, idp_public: Any, pool: dict[str, Any], mailbox: Any
) -> None:
    client = _client(idp, pool["Id"], GenerateSecret=True)
    client_id = client["ClientId"]
    with pytest.raises(ClientError) as excinfo:
        idp_public.sign_up(ClientId=client_id, Username="s@example.com", Password=PASSWORD)
    assert _error(excinfo) == (
        "NotAuthorizedException",
        f"Client {client_id} is configured for secret but secret was not received",
    )
    with pytest.raises(ClientError) as excinfo:
        idp_public.sign_up(
            ClientId=client_id,
            SecretHash=_secret_hash("other@example.com", client),
            Username="s@example.com",
            Password=PASSWORD,
        )
    assert _error(excinfo) == (
        "NotAuthorizedException",
        f"Unable to verify secret hash for client {client_id}",
    )
    idp_public.sign_up(
        ClientId=client_id,
        SecretHash=_secret_hash("s@example.com", client),
        Username="s@example.com",
        Password=PASSWORD,
    )
    code = mailbox.code_for("s@example.com")
    with pytest.raises(ClientError) as excinfo:
        idp_public.confirm_sign_up(
            ClientId=client_id, Username="s@example.com", ConfirmationCode=code
        )
    assert _error(excinfo)[0] == "NotAuthorizedException"
    idp_public.confirm_sign_up(
        ClientId=client_id,
        SecretHash=_secret_hash("s@example.com", client),
        Username="s@example.com",
        ConfirmationCode=code,
    )
    assert _attributes(idp, pool["Id"], "s@example.com")[0] == "CONFIRMED"


def test_codes_lock_after_five_wrong_tries_and_a_resent_code_replaces_the_old(
    idp: Any, idp_public: Any, pool: dict[str, Any], mailbox: Any
) -> None:
    client_id = _client(idp, pool["Id"])["ClientId"]
    idp_public.sign_up(ClientId=client_id, Username="lock@example.com", Password=PASSWORD)
    first_code = mailbox.code_for("lock@example.com")
    wrong = f"{(int(first_code) + 1) % 1_000_000:06d}"
    for _ in range(codes.MAX_FAILED_ATTEMPTS):
        with pytest.raises(ClientError) as excinfo:
            idp_public.confirm_sign_up(
                ClientId=client_id, Username="lock@example.com", ConfirmationCode=wrong
            )
        assert _error(excinfo)[0] == "CodeMismatchException"
    with pytest.raises(ClientError) as excinfo:
        idp_public.confirm_sign_up(
            ClientId=client_id, Username="lock@example.com", ConfirmationCode=first_code
        )
    assert _error(excinfo) == (
        "LimitExceededException",
        "Attempt limit exceeded, please try after some time.",
    )

    resent = idp_public.resend_confirmation_code(ClientId=client_id, Username="lock@example.com")
    assert resent["CodeDeliveryDetails"]["Destination"] == "l***@e***"
    second_code = mailbox.code_for("lock@example.com")
    if second_code != first_code:
        with pytest.raises(ClientError) as excinfo:
            idp_public.confirm_sign_up(
                ClientId=client_id, Username="lock@example.com", ConfirmationCode=first_code
            )
        assert _error(excinfo)[0] == "CodeMismatchException"
    idp_public.confirm_sign_up(
        ClientId=client_id, Username="lock@example.com", ConfirmationCode=second_code
    )
    assert _attributes(idp, pool["Id"], "lock@example.com")[0] == "CONFIRMED"

    with pytest.raises(ClientError) as excinfo:
        idp_public.resend_confirmation_code(ClientId=client_id, Username="lock@example.com")
    assert _error(excinfo) == ("InvalidParameterException", "User is already confirmed.")


def test_expired_and_unrequested_codes_are_refused(
    idp: Any, idp_public: Any, pool: dict[str, Any], mailbox: Any
) -> None:
    client_id = _client(idp, pool["Id"])["ClientId"]
    idp_public.sign_up(ClientId=client_id, Username="late@example.com", Password=PASSWORD)
    code = mailbox.code_for("late@example.com")
    OneTimeCode.objects.update(expires=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    with pytest.raises(ClientError) as excinfo:
        idp_public.confirm_sign_up(
            ClientId=client_id, Username="late@example.com", ConfirmationCode=code
        )
    assert _error(excinfo) == (
        "ExpiredCodeException",
        "Invalid code provided, please request a code again.",
    )
    # Only a keyed digest is stored, never the code itself.
    assert not OneTimeCode.objects.filter(code_digest__contains=code).exists()

    idp.admin_confirm_sign_up(UserPoolId=pool["Id"], Username="late@example.com")
    idp.admin_update_user_attributes(
        UserPoolId=pool["Id"],
        Username="late@example.com",
        UserAttributes=[{"Name": "email_verified", "Value": "true"}],
    )
    with pytest.raises(ClientError) as excinfo:
        idp_public.confirm_forgot_password(
            ClientId=client_id,
            Username="late@example.com",
            ConfirmationCode="123456",
            Password=NEW_PASSWORD,
        )
    assert _error(excinfo)[0] == "ExpiredCodeException"


def test_forgot_password_resets_with_a_one_hour_code_and_signs_out(
    idp: Any, idp_public: Any, pool: dict[str, Any], mailbox: Any
) -> None:
    client_id = _client(idp, pool["Id"])["ClientId"]
    idp_public.sign_up(ClientId=client_id, Username="reset@example.com", Password=PASSWORD)
    idp_public.confirm_sign_up(
        ClientId=client_id,
        Username="reset@example.com",
        ConfirmationCode=mailbox.code_for("reset@example.com"),
    )
    tokens = _sign_in(idp_public, client_id, "reset@example.com", PASSWORD)

    response = idp_public.forgot_password(ClientId=client_id, Username="reset@example.com")
    assert response["CodeDeliveryDetails"] == {
        "Destination": "r***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    message = mailbox.wait_for("reset@example.com")
    assert message.subject == "Your password reset code"
    assert "1 hour." in message.body
    code = _code_in(message)
    row = OneTimeCode.objects.get(purpose=codes.Purpose.FORGOT_PASSWORD)
    assert dt.timedelta(minutes=59) < row.expires - row.created <= dt.timedelta(hours=1)

    with pytest.raises(ClientError) as excinfo:
        idp_public.confirm_forgot_password(
            ClientId=client_id, Username="reset@example.com", ConfirmationCode=code, Password="weak"
        )
    assert _error(excinfo)[0] in ("InvalidPasswordException", "InvalidParameterException")
    with pytest.raises(ClientError) as excinfo:
        idp_public.confirm_forgot_password(
            ClientId=client_id,
            Username="reset@example.com",
            ConfirmationCode=code,
            Password="nouppercase-42!",
        )
    assert _error(excinfo) == (
        "InvalidPasswordException",
        "Password does not conform to policy: Password must have uppercase characters",
    )
    # The old password works until the reset is confirmed.
    assert _sign_in(idp_public, client_id, "reset@example.com", PASSWORD)

    idp_public.confirm_forgot_password(
        ClientId=client_id,
        Username="reset@example.com",
        ConfirmationCode=code,
        Password=NEW_PASSWORD,
    )
    with pytest.raises(ClientError) as excinfo:
        idp_public.confirm_forgot_password(
            ClientId=client_id,
            Username="reset@example.com",
            ConfirmationCode=code,
            Password=NEW_PASSWORD,
        )
    assert _error(excinfo) == (
        "ExpiredCodeException",
        "Invalid code provided, please request a code again.",
    )
    with pytest.raises(ClientError) as excinfo:
        idp_public.get_user(AccessToken=tokens["AccessToken"])
    assert _error(excinfo)[0] == "NotAuthorizedException"
    with pytest.raises(ClientError) as excinfo:
        _sign_in(idp_public, client_id, "reset@example.com", PASSWORD)
    assert _error(excinfo)[0] == "NotAuthorizedException"
    assert _sign_in(idp_public, client_id, "reset@example.com", NEW_PASSWORD)["AccessToken"]


def test_forgot_password_for_unknown_and_unverified_users(
    idp: Any, idp_public: Any, pool: dict[str, Any]
) -> None:
    legacy = _client(idp, pool["Id"])["ClientId"]
    hiding = _client(idp, pool["Id"], PreventUserExistenceErrors="ENABLED")["ClientId"]
    with pytest.raises(ClientError) as excinfo:
        idp_public.forgot_password(ClientId=legacy, Username="ghost@example.com")
    assert _error(excinfo) == ("UserNotFoundException", "Username/client id combination not found.")

    simulated = idp_public.forgot_password(ClientId=hiding, Username="ghost@example.com")
    assert simulated["CodeDeliveryDetails"] == {
        "Destination": "g***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    with pytest.raises(ClientError) as excinfo:
        idp_public.confirm_forgot_password(
            ClientId=hiding,
            Username="ghost@example.com",
            ConfirmationCode="123456",
            Password=NEW_PASSWORD,
        )
    assert _error(excinfo)[0] == "CodeMismatchException"
    assert (
        idp_public.resend_confirmation_code(ClientId=hiding, Username="ghost@example.com")[
            "CodeDeliveryDetails"
        ]["DeliveryMedium"]
        == "EMAIL"
    )

    # An unconfirmed user has no verified email to send a reset code to.
    idp_public.sign_up(ClientId=legacy, Username="pending@example.com", Password=PASSWORD)
    with pytest.raises(ClientError) as excinfo:
        idp_public.forgot_password(ClientId=legacy, Username="pending@example.com")
    assert _error(excinfo) == (
        "InvalidParameterException",
        "Cannot reset password for the user as there is no registered/verified email or "
        "phone_number",
    )
    # Only the sign-up code was mailed: unknown users get nothing, simulated or not.
    assert list(OutboxMessage.objects.values_list("recipient", flat=True)) == [
        "pending@example.com"
    ]


def test_code_mail_follows_the_users_locale_and_the_pools_template(
    idp: Any, idp_public: Any, mailbox: Any
) -> None:
    pool_id = idp.create_user_pool(
        PoolName="localized", AutoVerifiedAttributes=["email"], UsernameAttributes=["email"]
    )["UserPool"]["Id"]
    client_id = _client(idp, pool_id)["ClientId"]
    idp_public.sign_up(
        ClientId=client_id,
        Username="wang@example.com",
        Password=PASSWORD,
        UserAttributes=[{"Name": "locale", "Value": "zh-CN"}],
    )
    message = mailbox.wait_for("wang@example.com")
    assert message.subject == "您的验证码"
    assert "您的验证码是" in message.body

    custom_pool = idp.create_user_pool(
        PoolName="branded",
        AutoVerifiedAttributes=["email"],
        UsernameAttributes=["email"],
        VerificationMessageTemplate={
            "DefaultEmailOption": "CONFIRM_WITH_CODE",
            "EmailSubject": "Welcome to Acme",
            "EmailMessage": "Acme code: {####}",
        },
    )["UserPool"]["Id"]
    custom_client = _client(idp, custom_pool)["ClientId"]
    idp_public.sign_up(
        ClientId=custom_client,
        Username="wang@example.com",
        Password=PASSWORD,
        UserAttributes=[{"Name": "locale", "Value": "zh-CN"}],
    )
    message = mailbox.wait_for("wang@example.com")
    assert message.subject == "Welcome to Acme"
    code = message.body.removeprefix("Acme code: ").strip()
    assert len(code) == 6
    assert code.isdigit()
    idp_public.confirm_sign_up(
        ClientId=custom_client, Username="wang@example.com", ConfirmationCode=code
    )


def test_confirm_with_link_pools_mail_a_confirm_user_link(
    idp: Any, idp_public: Any, mailbox: Any, settings: Any, endpoint: str
) -> None:
    settings.PUBLIC_URL = endpoint
    pool_id = idp.create_user_pool(
        PoolName="by-link",
        AutoVerifiedAttributes=["email"],
        VerificationMessageTemplate={"DefaultEmailOption": "CONFIRM_WITH_LINK"},
    )["UserPool"]["Id"]
    client_id = _client(idp, pool_id)["ClientId"]
    idp_public.sign_up(
        ClientId=client_id,
        Username="linda",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "linda@example.com"}],
    )
    message = mailbox.wait_for("linda@example.com")
    assert message.subject == "Your verification link"
    link = next(line for line in message.body.splitlines() if "/confirmUser?" in line)
    url = urllib.parse.urlsplit(link.strip())
    assert f"{url.scheme}://{url.netloc}" == endpoint
    query = urllib.parse.parse_qs(url.query)
    assert query["client_id"] == [client_id]
    assert query["user_name"] == ["linda"]
    idp_public.confirm_sign_up(
        ClientId=client_id, Username="linda", ConfirmationCode=query["confirmation_code"][0]
    )
    assert _attributes(idp, pool_id, "linda")[0] == "CONFIRMED"
