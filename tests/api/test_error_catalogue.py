"""Cognito's error names and messages (reference §5) through boto3 against the live server,
for the rules no other module pins: wrong sign-in MFA codes, the password pattern Cognito
enforces, a RESET_REQUIRED user behind PreventUserExistenceErrors, unknown pools and
clients. Every refusal is also checked against botocore's list of errors for its
operation, so an application catching ``client.exceptions.<Name>`` around that call
catches it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from functools import cache
from typing import Any

import pyotp
import pytest
from botocore.exceptions import ClientError

from api import registry

PASSWORD = "Correct-Horse-9-Battery"
PATTERN_REFUSAL = (
    "1 validation error detected: Value at '{member}' failed to satisfy constraint: "
    "Member must satisfy regular expression pattern: ^[\\S]+.*[\\S]+$"
)


@cache
def _modelled_errors(operation: str) -> frozenset[str]:
    model = registry.operation_model(registry.IDP, operation)
    return frozenset(shape.name for shape in model.error_shapes)


def _refusal(call: Callable[..., Any], **params: Any) -> tuple[str, str]:
    """The (__type, message) ``call`` is refused with, which must be one of the errors
    botocore models for that operation."""
    with pytest.raises(ClientError) as refused:
        call(**params)
    code = refused.value.response["Error"]["Code"]
    assert code in _modelled_errors(refused.value.operation_name), (
        refused.value.operation_name,
        code,
    )
    return code, refused.value.response["Error"]["Message"]


def _client_id(idp: Any, pool_id: str, **settings: Any) -> str:
    settings.setdefault("ExplicitAuthFlows", ["ALLOW_USER_PASSWORD_AUTH"])
    created = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="catalogue", **settings)
    return str(created["UserPoolClient"]["ClientId"])


def _confirmed_user(idp: Any, pool_id: str, email: str, password: str = PASSWORD) -> None:
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=email, Password=password, Permanent=True
    )


def _sign_in(idp_public: Any, client_id: str, email: str, password: str = PASSWORD) -> Any:
    return idp_public.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )


def _code_other_than(*codes: str) -> str:
    """A six-digit code that is none of ``codes``."""
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in codes)


def test_wrong_sign_in_mfa_codes_get_cognitos_messages(
    idp: Any, idp_public: Any, pool: dict[str, Any], mailbox: Any
) -> None:
    idp.set_user_pool_mfa_config(
        UserPoolId=pool["Id"],
        MfaConfiguration="OPTIONAL",
        SoftwareTokenMfaConfiguration={"Enabled": True},
        EmailMfaConfiguration={},
    )
    client_id = _client_id(idp, pool["Id"])

    # An authenticator-app code: "Invalid code received for user".
    _confirmed_user(idp, pool["Id"], "app@example.com")
    access_token = _sign_in(idp_public, client_id, "app@example.com")["AuthenticationResult"][
        "AccessToken"
    ]
    secret = idp_public.associate_software_token(AccessToken=access_token)["SecretCode"]
    totp = pyotp.TOTP(secret)
    idp_public.verify_software_token(AccessToken=access_token, UserCode=totp.now())
    idp_public.set_user_mfa_preference(
        AccessToken=access_token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    step = _sign_in(idp_public, client_id, "app@example.com")
    assert step["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    now = time.time()
    accepted_now = [totp.at(now + 30 * offset) for offset in (-2, -1, 0, 1, 2)]
    assert _refusal(
        idp_public.respond_to_auth_challenge,
        ClientId=client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=step["Session"],
        ChallengeResponses={
            "USERNAME": "app@example.com",
            "SOFTWARE_TOKEN_MFA_CODE": _code_other_than(*accepted_now),
        },
    ) == ("CodeMismatchException", "Invalid code received for user")

    # A code sent by email (or SMS): "Invalid code or auth state for the user."
    _confirmed_user(idp, pool["Id"], "mail@example.com")
    idp.admin_set_user_mfa_preference(
        UserPoolId=pool["Id"],
        Username="mail@example.com",
        EmailMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    step = _sign_in(idp_public, client_id, "mail@example.com")
    assert step["ChallengeName"] == "EMAIL_OTP"
    mailed = re.findall(r"\b\d{6}\b", mailbox.wait_for("mail@example.com").body)
    assert _refusal(
        idp_public.respond_to_auth_challenge,
        ClientId=client_id,
        ChallengeName="EMAIL_OTP",
        Session=step["Session"],
        ChallengeResponses={
            "USERNAME": "mail@example.com",
            "EMAIL_OTP_CODE": _code_other_than(*mailed),
        },
    ) == ("CodeMismatchException", "Invalid code or auth state for the user.")


def test_passwords_may_hold_inner_spaces_but_not_edge_ones(
    idp: Any, idp_public: Any, pool: dict[str, Any]
) -> None:
    client_id = _client_id(idp, pool["Id"])
    # The space is one of Cognito's policy symbols: this password meets the seed policy.
    spaced = "Correct horse 9 battery"
    idp_public.sign_up(ClientId=client_id, Username="spaced@example.com", Password=spaced)
    idp.admin_confirm_sign_up(UserPoolId=pool["Id"], Username="spaced@example.com")
    signed_in = _sign_in(idp_public, client_id, "spaced@example.com", spaced)
    access_token = signed_in["AuthenticationResult"]["AccessToken"]

    assert _refusal(
        idp.admin_set_user_password,
        UserPoolId=pool["Id"],
        Username="spaced@example.com",
        Password=" Leading-Passw0rd!",
        Permanent=True,
    ) == ("InvalidParameterException", PATTERN_REFUSAL.format(member="password"))
    assert _refusal(
        idp_public.change_password,
        AccessToken=access_token,
        PreviousPassword=spaced,
        ProposedPassword="Trailing-Passw0rd! ",
    ) == ("InvalidParameterException", PATTERN_REFUSAL.format(member="proposedPassword"))
    idp_public.change_password(
        AccessToken=access_token, PreviousPassword=spaced, ProposedPassword="Another horse 7 Jump"
    )
    assert _sign_in(idp_public, client_id, "spaced@example.com", "Another horse 7 Jump")[
        "AuthenticationResult"
    ]["AccessToken"]


def test_reset_required_user_is_a_generic_refusal_when_existence_errors_are_prevented(
    idp: Any, idp_public: Any, pool: dict[str, Any]
) -> None:
    hiding = _client_id(idp, pool["Id"], PreventUserExistenceErrors="ENABLED")
    legacy = _client_id(idp, pool["Id"], PreventUserExistenceErrors="LEGACY")
    _confirmed_user(idp, pool["Id"], "reset@example.com")
    idp.admin_reset_user_password(UserPoolId=pool["Id"], Username="reset@example.com")

    assert _refusal(
        _sign_in, idp_public=idp_public, client_id=legacy, email="reset@example.com", password="x1"
    ) == ("PasswordResetRequiredException", "Password reset required for the user")
    # An imported user's status would tell an attacker the account exists.
    assert _refusal(
        _sign_in, idp_public=idp_public, client_id=hiding, email="reset@example.com", password="x1"
    ) == ("NotAuthorizedException", "Incorrect username or password.")


def test_a_flow_the_client_does_not_allow_is_named_as_cognito_names_it(
    idp: Any, idp_public: Any, pool: dict[str, Any]
) -> None:
    srp_only = _client_id(idp, pool["Id"], ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])
    password_only = _client_id(idp, pool["Id"])
    credentials = {"USERNAME": "anyone@example.com", "PASSWORD": PASSWORD}
    refusals = [
        (
            idp_public.initiate_auth,
            {
                "ClientId": password_only,
                "AuthFlow": "USER_SRP_AUTH",
                "AuthParameters": {"USERNAME": "anyone@example.com", "SRP_A": "1f"},
            },
            "USER_SRP_AUTH is not enabled for the client.",
        ),
        (
            idp_public.initiate_auth,
            {"ClientId": srp_only, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": credentials},
            "USER_PASSWORD_AUTH flow not enabled for this client",
        ),
        (
            idp.admin_initiate_auth,
            {
                "UserPoolId": pool["Id"],
                "ClientId": srp_only,
                "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                "AuthParameters": credentials,
            },
            "Auth flow not enabled for this client",
        ),
    ]
    for call, params, message in refusals:
        assert _refusal(call, **params) == ("InvalidParameterException", message)


def test_unknown_pools_and_clients_are_named_in_the_message(idp: Any, idp_public: Any) -> None:
    missing_pool = "us-east-1_Missing99"
    missing_client = "1example23456789clientid00"
    refusals: list[tuple[Any, dict[str, Any]]] = [
        (idp.describe_user_pool, {"UserPoolId": missing_pool}),
        (idp.list_users, {"UserPoolId": missing_pool}),
        (idp.admin_get_user, {"UserPoolId": missing_pool, "Username": "x"}),
        (
            idp.describe_user_pool_client,
            {"UserPoolId": missing_pool, "ClientId": missing_client},
        ),
    ]
    for call, params in refusals:
        assert _refusal(call, **params) == (
            "ResourceNotFoundException",
            f"User pool {missing_pool} does not exist.",
        ), call
    client_refusals: list[tuple[Any, dict[str, Any]]] = [
        (
            idp_public.initiate_auth,
            {
                "ClientId": missing_client,
                "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": "x", "PASSWORD": "y"},
            },
        ),
        (idp_public.sign_up, {"ClientId": missing_client, "Username": "x", "Password": PASSWORD}),
        (idp_public.forgot_password, {"ClientId": missing_client, "Username": "x"}),
        (
            idp_public.confirm_sign_up,
            {"ClientId": missing_client, "Username": "x", "ConfirmationCode": "123456"},
        ),
    ]
    for call, params in client_refusals:
        assert _refusal(call, **params) == (
            "ResourceNotFoundException",
            f"User pool client {missing_client} does not exist.",
        ), call
