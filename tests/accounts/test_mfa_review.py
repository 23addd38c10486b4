"""MFA semantics a Cognito client relies on, found in review: the SetUserMFAPreference
refusal apps match for a missing authenticator, recovery codes that answer a challenge
without proving the address the code went to, and the choice a required-MFA pool offers
a user with a phone number and a verified authenticator but no preference.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from accounts.models import PoolUser
from accounts.services import recovery_codes
from tests.accounts.conftest import MakeClient, MakeUser
from tests.accounts.test_mfa import SNS_ROLE, answer, code_at, error_of, last_outbox_id, sign_in
from tests.sms import wait_for_sms

FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
# Modern Cognito's refusal (the AWS CLI, SDK issues and apps matching it verbatim, e.g.
# aws/aws-sdk-js-v3#4645): the same sentence as for SMS or email without a phone or address.
NO_TOTP_DELIVERY = "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA"


def test_turning_totp_on_without_a_verified_authenticator_is_refused_as_cognito_words_it(
    idp: Any, idp_public: Any, pool: dict[str, Any], make_client: MakeClient, make_user: MakeUser
) -> None:
    idp.set_user_pool_mfa_config(
        UserPoolId=pool["Id"],
        MfaConfiguration="OPTIONAL",
        SoftwareTokenMfaConfiguration={"Enabled": True},
    )
    client_id = make_client(ExplicitAuthFlows=FLOWS)["ClientId"]
    make_user("nia@example.com")
    access_token = sign_in(idp_public, client_id, "nia@example.com")["AuthenticationResult"][
        "AccessToken"
    ]

    with pytest.raises(ClientError) as never_associated:
        idp_public.set_user_mfa_preference(
            AccessToken=access_token,
            SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
        )
    assert error_of(never_associated) == ("InvalidParameterException", NO_TOTP_DELIVERY)
    with pytest.raises(ClientError) as admin_never_associated:
        idp.admin_set_user_mfa_preference(
            UserPoolId=pool["Id"],
            Username="nia@example.com",
            SoftwareTokenMfaSettings={"Enabled": True},
        )
    assert error_of(admin_never_associated) == ("InvalidParameterException", NO_TOTP_DELIVERY)

    # Associated but not verified is no authenticator either.
    secret = idp_public.associate_software_token(AccessToken=access_token)["SecretCode"]
    with pytest.raises(ClientError) as pending:
        idp_public.set_user_mfa_preference(
            AccessToken=access_token, SoftwareTokenMfaSettings={"Enabled": True}
        )
    assert error_of(pending) == ("InvalidParameterException", NO_TOTP_DELIVERY)

    idp_public.verify_software_token(AccessToken=access_token, UserCode=code_at(secret))
    idp_public.set_user_mfa_preference(
        AccessToken=access_token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    me = idp_public.get_user(AccessToken=access_token)
    assert me["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert me["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"


def test_a_recovery_code_answering_an_email_code_does_not_verify_the_address(
    idp: Any,
    idp_public: Any,
    username_pool: dict[str, Any],
    make_client: MakeClient,
    make_user: MakeUser,
    mailbox: Any,
) -> None:
    idp.set_user_pool_mfa_config(
        UserPoolId=username_pool["Id"], MfaConfiguration="OPTIONAL", EmailMfaConfiguration={}
    )
    client_id = make_client(user_pool_id=username_pool["Id"], ExplicitAuthFlows=FLOWS)["ClientId"]
    user = make_user(
        "oli",
        user_pool_id=username_pool["Id"],
        attributes={"email": "oli@example.com", "email_verified": "false"},
    )
    idp.admin_set_user_mfa_preference(
        UserPoolId=username_pool["Id"],
        Username="oli",
        EmailMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    codes = recovery_codes.generate(user)

    step = sign_in(idp_public, client_id, "oli")
    assert step["ChallengeName"] == "EMAIL_OTP"
    mailbox.wait_for("oli@example.com")
    done = answer(idp_public, client_id, step, USERNAME="oli", EMAIL_OTP_CODE=codes[0])
    assert done["AuthenticationResult"]["AccessToken"]
    # The recovery code signed the user in, but the address never received anything it
    # proved: it stays unverified (no alias, no recovery channel).
    assert PoolUser.objects.get(pk=user.pk).attributes.get("email_verified") == "false"

    # The mailed code does prove it.
    step = sign_in(idp_public, client_id, "oli")
    code = mailbox.code_for("oli@example.com")
    answer(idp_public, client_id, step, USERNAME="oli", EMAIL_OTP_CODE=code)
    assert PoolUser.objects.get(pk=user.pk).attributes.get("email_verified") == "true"


def test_a_recovery_code_cannot_finish_setting_up_email_mfa(
    idp: Any,
    idp_public: Any,
    username_pool: dict[str, Any],
    make_client: MakeClient,
    make_user: MakeUser,
    mailbox: Any,
) -> None:
    idp.set_user_pool_mfa_config(
        UserPoolId=username_pool["Id"], MfaConfiguration="ON", EmailMfaConfiguration={}
    )
    client_id = make_client(user_pool_id=username_pool["Id"], ExplicitAuthFlows=FLOWS)["ClientId"]
    user = make_user("pia", user_pool_id=username_pool["Id"])
    # Codes left from a factor the user no longer has (AdminDeleteSoftwareToken keeps them).
    codes = recovery_codes.generate(user)

    setup = sign_in(idp_public, client_id, "pia")
    assert setup["ChallengeName"] == "MFA_SETUP"
    email_step = answer(idp_public, client_id, setup, USERNAME="pia", EMAIL="pia@example.com")
    assert email_step["ChallengeName"] == "EMAIL_OTP"
    with pytest.raises(ClientError) as refused:
        answer(idp_public, client_id, email_step, USERNAME="pia", EMAIL_OTP_CODE=codes[0])
    assert error_of(refused) == (
        "CodeMismatchException",
        "Invalid code or auth state for the user.",
    )
    stored = PoolUser.objects.get(pk=user.pk)
    assert stored.attributes.get("email_verified") != "true"
    assert "EMAIL_OTP" not in (stored.mfa_settings or {}).get("enabled", [])
    # The code itself was not spent on the refusal.
    assert recovery_codes.remaining(stored) == 10

    # The code that reached the address completes the setup, as before.
    done = answer(
        idp_public,
        client_id,
        email_step,
        USERNAME="pia",
        EMAIL_OTP_CODE=mailbox.code_for("pia@example.com"),
    )
    assert done["AuthenticationResult"]["AccessToken"]
    stored = PoolUser.objects.get(pk=user.pk)
    assert stored.attributes.get("email_verified") == "true"
    assert stored.mfa_settings["enabled"] == ["EMAIL_OTP"]


def test_required_mfa_offers_the_choice_of_sms_and_a_verified_authenticator(
    idp: Any, idp_public: Any, make_client: MakeClient, make_user: MakeUser
) -> None:
    """MFA ON with SMS and TOTP, a phone number at sign-up and an authenticator verified
    afterwards with no preference set: Cognito asks the user to choose (SELECT_MFA_TYPE) —
    the set-up an Amplify maintainer describes in aws-amplify/amplify-js#4646."""
    pool = dict(idp.create_user_pool(PoolName="required-choice")["UserPool"])
    idp.set_user_pool_mfa_config(
        UserPoolId=pool["Id"],
        MfaConfiguration="ON",
        SoftwareTokenMfaConfiguration={"Enabled": True},
        SmsMfaConfiguration={"SmsConfiguration": {"SnsCallerArn": SNS_ROLE}},
    )
    client_id = make_client(user_pool_id=pool["Id"], ExplicitAuthFlows=FLOWS)["ClientId"]
    phone = "+15555550177"
    make_user("quinn", user_pool_id=pool["Id"], attributes={"phone_number": phone})

    marker = last_outbox_id()
    first = sign_in(idp_public, client_id, "quinn")
    assert first["ChallengeName"] == "SMS_MFA"
    text = wait_for_sms(phone, marker)
    code = "".join(character for character in text if character.isdigit())
    access_token = answer(idp_public, client_id, first, USERNAME="quinn", SMS_MFA_CODE=code)[
        "AuthenticationResult"
    ]["AccessToken"]
    secret = idp_public.associate_software_token(AccessToken=access_token)["SecretCode"]
    idp_public.verify_software_token(AccessToken=access_token, UserCode=code_at(secret))

    choice = sign_in(idp_public, client_id, "quinn")
    assert choice["ChallengeName"] == "SELECT_MFA_TYPE"
    assert json.loads(choice["ChallengeParameters"]["MFAS_CAN_CHOOSE"]) == [
        "SMS_MFA",
        "SOFTWARE_TOKEN_MFA",
    ]
    totp_step = answer(idp_public, client_id, choice, USERNAME="quinn", ANSWER="SOFTWARE_TOKEN_MFA")
    assert totp_step["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    done = answer(
        idp_public,
        client_id,
        totp_step,
        USERNAME="quinn",
        SOFTWARE_TOKEN_MFA_CODE=code_at(secret, 1),
    )
    assert done["AuthenticationResult"]["AccessToken"]


def test_a_factor_the_pool_does_not_offer_is_refused_with_the_same_sentence(
    idp: Any, username_pool: dict[str, Any], make_user: MakeUser
) -> None:
    """Cognito words every factor a user cannot turn on alike, whether the user or the pool
    lacks it (an MFA-OFF pool answers "delivery config" too)."""
    make_user(
        "sam",
        user_pool_id=username_pool["Id"],
        attributes={"phone_number": "+15555550188", "email": "sam@example.com"},
    )
    # The pool's MFA is OFF (CreateUserPool's default).
    with pytest.raises(ClientError) as pool_off:
        idp.admin_set_user_mfa_preference(
            UserPoolId=username_pool["Id"], Username="sam", SMSMfaSettings={"Enabled": True}
        )
    assert error_of(pool_off) == (
        "InvalidParameterException",
        "User does not have delivery config set to turn on SMS_MFA",
    )
    # OPTIONAL with TOTP only: neither SMS nor email is offered.
    idp.set_user_pool_mfa_config(
        UserPoolId=username_pool["Id"],
        MfaConfiguration="OPTIONAL",
        SoftwareTokenMfaConfiguration={"Enabled": True},
    )
    with pytest.raises(ClientError) as email_not_offered:
        idp.admin_set_user_mfa_preference(
            UserPoolId=username_pool["Id"],
            Username="sam",
            EmailMfaSettings={"Enabled": True, "PreferredMfa": True},
        )
    assert error_of(email_not_offered) == (
        "InvalidParameterException",
        "User does not have delivery config set to turn on EMAIL_OTP",
    )
    # Turning a factor off needs nothing.
    idp.admin_set_user_mfa_preference(
        UserPoolId=username_pool["Id"], Username="sam", SMSMfaSettings={"Enabled": False}
    )
    assert "UserMFASettingList" not in idp.admin_get_user(
        UserPoolId=username_pool["Id"], Username="sam"
    )
