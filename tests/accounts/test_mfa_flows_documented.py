"""The MFA sign-in flows AWS documents, step by step, with the challenges, order and
parameters the Cognito developer guide and the AWS CLI examples show:

- MFA required (ON): the first sign-in sets up TOTP (MFA_SETUP → AssociateSoftwareToken with
  the Session → VerifySoftwareToken → MFA_SETUP answered with the new Session → tokens); later
  sign-ins, by password or SRP, answer SOFTWARE_TOKEN_MFA;
- MFA OPTIONAL: no challenge without a factor; the factor's challenge with one; SELECT_MFA_TYPE
  with two and no preference; the preferred one straight away;
- an administrator-created (FORCE_CHANGE_PASSWORD) user of an MFA-ON pool: NEW_PASSWORD_REQUIRED
  first, then MFA_SETUP.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pyotp
import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP
from pycognito.exceptions import SoftwareTokenMFAChallengeException

from accounts.models import PoolUser
from tests.accounts.conftest import PASSWORD, MakeClient, MakeUser

FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def code_at(secret: str, steps_ahead: int = 0) -> str:
    return str(pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead))


def mfa_on_pool(idp: Any, name: str) -> dict[str, Any]:
    pool = dict(idp.create_user_pool(PoolName=name, UsernameAttributes=["email"])["UserPool"])
    config = idp.set_user_pool_mfa_config(
        UserPoolId=pool["Id"],
        MfaConfiguration="ON",
        SoftwareTokenMfaConfiguration={"Enabled": True},
    )
    assert config["MfaConfiguration"] == "ON"
    assert idp.get_user_pool_mfa_config(UserPoolId=pool["Id"])["SoftwareTokenMfaConfiguration"] == {
        "Enabled": True
    }
    return pool


def set_up_totp(idp_public: Any, client_id: str, step: dict[str, Any], username: str) -> str:
    """Answer an MFA_SETUP challenge the documented way; the secret enrolled."""
    assert step["ChallengeName"] == "MFA_SETUP"
    associated = idp_public.associate_software_token(Session=step["Session"])
    secret = associated["SecretCode"]
    assert len(secret) >= 16
    assert associated["Session"] != step["Session"]
    verified = idp_public.verify_software_token(
        Session=associated["Session"], UserCode=code_at(secret), FriendlyDeviceName="phone"
    )
    assert verified["Status"] == "SUCCESS"
    done = idp_public.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="MFA_SETUP",
        Session=verified["Session"],
        ChallengeResponses={"USERNAME": username},
    )
    assert done["ChallengeParameters"] == {}
    assert done["AuthenticationResult"]["TokenType"] == "Bearer"
    assert "ChallengeName" not in done
    return str(secret)


def test_mfa_on_first_sign_in_sets_up_totp_then_every_sign_in_asks_for_it(
    idp: Any, idp_public: Any, make_client: MakeClient, make_user: MakeUser
) -> None:
    pool = mfa_on_pool(idp, "mfa-required")
    client_id = make_client(user_pool_id=pool["Id"], ExplicitAuthFlows=FLOWS)["ClientId"]
    user = make_user("hana@example.com", user_pool_id=pool["Id"])

    step = idp_public.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "hana@example.com", "PASSWORD": PASSWORD},
    )
    assert step["ChallengeName"] == "MFA_SETUP"
    assert "AuthenticationResult" not in step
    assert step["ChallengeParameters"] == {
        "MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]',
        "USER_ID_FOR_SRP": user.username,
    }
    # MFA_SETUP cannot be skipped: answering before a verified token is refused.
    with pytest.raises(ClientError) as unverified:
        idp_public.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="MFA_SETUP",
            Session=step["Session"],
            ChallengeResponses={"USERNAME": "hana@example.com"},
        )
    assert error_of(unverified) == (
        "InvalidParameterException",
        "User has not verified software token mfa",
    )
    secret = set_up_totp(idp_public, client_id, step, "hana@example.com")
    # Each Session is single-use.
    with pytest.raises(ClientError) as reused:
        idp_public.associate_software_token(Session=step["Session"])
    assert error_of(reused)[0] == "NotAuthorizedException"
    settings = idp.admin_get_user(UserPoolId=pool["Id"], Username="hana@example.com")
    assert settings["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert settings["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"

    # Next sign-in, with a real SRP client: PASSWORD_VERIFIER, then SOFTWARE_TOKEN_MFA.
    srp_client = AWSSRP(
        username="hana@example.com",
        password=PASSWORD,
        pool_id=pool["Id"],
        client_id=client_id,
        client=idp_public,
    )
    with pytest.raises(SoftwareTokenMFAChallengeException) as challenged:
        srp_client.authenticate_user()
    mfa_step = challenged.value.get_tokens()
    assert mfa_step["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert mfa_step["ChallengeParameters"] == {
        "FRIENDLY_DEVICE_NAME": "phone",
        "USER_ID_FOR_SRP": user.username,
    }
    done = idp_public.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=mfa_step["Session"],
        ChallengeResponses={
            "USERNAME": user.username,
            "SOFTWARE_TOKEN_MFA_CODE": code_at(secret, 1),
        },
    )
    assert done["AuthenticationResult"]["RefreshToken"]


def test_mfa_on_with_sms_sends_a_code_to_a_user_with_a_phone_number(
    idp: Any, idp_public: Any, make_client: MakeClient, make_user: MakeUser
) -> None:
    pool = mfa_on_pool(idp, "mfa-required-sms")
    idp.set_user_pool_mfa_config(
        UserPoolId=pool["Id"],
        MfaConfiguration="ON",
        SmsMfaConfiguration={
            "SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/sms"}
        },
    )
    client_id = make_client(user_pool_id=pool["Id"], ExplicitAuthFlows=FLOWS)["ClientId"]
    make_user(
        "ivy@example.com", user_pool_id=pool["Id"], attributes={"phone_number": "+4915112345678"}
    )
    make_user("jon@example.com", user_pool_id=pool["Id"])

    def first_step(name: str) -> dict[str, Any]:
        return dict(
            idp_public.initiate_auth(
                ClientId=client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
            )
        )

    with_phone = first_step("ivy@example.com")
    assert with_phone["ChallengeName"] == "SMS_MFA"
    assert with_phone["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "+*********5678"
    without_phone = first_step("jon@example.com")
    assert without_phone["ChallengeName"] == "MFA_SETUP"
    assert json.loads(without_phone["ChallengeParameters"]["MFAS_CAN_SETUP"]) == [
        "SMS_MFA",
        "SOFTWARE_TOKEN_MFA",
    ]


def test_mfa_optional_without_with_and_with_a_preferred_factor(
    idp: Any,
    idp_public: Any,
    pool: dict[str, Any],
    make_client: MakeClient,
    make_user: MakeUser,
    mailbox: Any,
) -> None:
    idp.set_user_pool_mfa_config(
        UserPoolId=pool["Id"],
        MfaConfiguration="OPTIONAL",
        SoftwareTokenMfaConfiguration={"Enabled": True},
        EmailMfaConfiguration={"Subject": "Your sign-in code"},
    )
    client_id = make_client(ExplicitAuthFlows=FLOWS)["ClientId"]
    user = make_user("kai@example.com")

    def first_step() -> dict[str, Any]:
        return dict(
            idp_public.initiate_auth(
                ClientId=client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": "kai@example.com", "PASSWORD": PASSWORD},
            )
        )

    # No factor: tokens straight away.
    signed_in = first_step()
    assert "ChallengeName" not in signed_in
    access_token = signed_in["AuthenticationResult"]["AccessToken"]

    # One factor, enabled but not preferred: its challenge.
    secret = idp_public.associate_software_token(AccessToken=access_token)["SecretCode"]
    idp_public.verify_software_token(AccessToken=access_token, UserCode=code_at(secret))
    idp_public.set_user_mfa_preference(
        AccessToken=access_token, SoftwareTokenMfaSettings={"Enabled": True}
    )
    assert first_step()["ChallengeName"] == "SOFTWARE_TOKEN_MFA"

    # Two factors, none preferred: SELECT_MFA_TYPE, then the chosen factor's challenge.
    idp_public.set_user_mfa_preference(AccessToken=access_token, EmailMfaSettings={"Enabled": True})
    me = idp_public.get_user(AccessToken=access_token)
    assert me["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]
    assert "PreferredMfaSetting" not in me
    choice = first_step()
    assert choice["ChallengeName"] == "SELECT_MFA_TYPE"
    assert choice["ChallengeParameters"] == {
        "MFAS_CAN_CHOOSE": '["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]',
        "USER_ID_FOR_SRP": user.username,
    }
    email_step = idp_public.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="SELECT_MFA_TYPE",
        Session=choice["Session"],
        ChallengeResponses={"USERNAME": "kai@example.com", "ANSWER": "EMAIL_OTP"},
    )
    assert email_step["ChallengeName"] == "EMAIL_OTP"
    assert email_step["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL"
    assert email_step["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "k***@e***"
    code = mailbox.code_for("kai@example.com")
    done = idp_public.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="EMAIL_OTP",
        Session=email_step["Session"],
        ChallengeResponses={"USERNAME": "kai@example.com", "EMAIL_OTP_CODE": code},
    )
    assert done["AuthenticationResult"]["IdToken"]

    # A preferred factor is asked for straight away.
    idp_public.set_user_mfa_preference(
        AccessToken=access_token, EmailMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    assert first_step()["ChallengeName"] == "EMAIL_OTP"
    assert idp_public.get_user(AccessToken=access_token)["PreferredMfaSetting"] == "EMAIL_OTP"


def test_force_change_password_user_sets_a_password_then_sets_up_mfa(
    idp: Any, idp_public: Any, make_client: MakeClient
) -> None:
    pool = mfa_on_pool(idp, "mfa-required-admin-created")
    client_id = make_client(user_pool_id=pool["Id"], ExplicitAuthFlows=FLOWS)["ClientId"]
    idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username="lea@example.com",
        TemporaryPassword="Temporary-Pass-1",
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email_verified", "Value": "true"}],
    )
    step = idp_public.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "lea@example.com", "PASSWORD": "Temporary-Pass-1"},
    )
    assert step["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    internal = PoolUser.objects.get(pool_id=pool["Id"], email="lea@example.com").username
    assert step["ChallengeParameters"]["USER_ID_FOR_SRP"] == internal
    setup = idp_public.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=step["Session"],
        ChallengeResponses={"USERNAME": internal, "NEW_PASSWORD": PASSWORD},
    )
    assert setup["ChallengeName"] == "MFA_SETUP"
    assert setup["ChallengeParameters"] == {
        "MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]',
        "USER_ID_FOR_SRP": internal,
    }
    set_up_totp(idp_public, client_id, setup, internal)
    user = idp.admin_get_user(UserPoolId=pool["Id"], Username="lea@example.com")
    assert user["UserStatus"] == "CONFIRMED"
    assert user["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    # The new password is the password now, and MFA follows it.
    again = idp_public.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "lea@example.com", "PASSWORD": PASSWORD},
    )
    assert again["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def test_mfa_setup_with_email_sends_an_email_otp_then_enables_it(
    idp: Any, idp_public: Any, make_client: MakeClient, make_user: MakeUser, mailbox: Any
) -> None:
    """Email MFA set up during sign-in, as Amplify answers MFA_SETUP with ``EMAIL``."""
    pool = mfa_on_pool(idp, "mfa-required-email")
    idp.set_user_pool_mfa_config(
        UserPoolId=pool["Id"],
        MfaConfiguration="ON",
        EmailMfaConfiguration={"Subject": "Your sign-in code"},
    )
    client_id = make_client(user_pool_id=pool["Id"], ExplicitAuthFlows=FLOWS)["ClientId"]
    make_user("max@example.com", user_pool_id=pool["Id"], attributes={"email_verified": "false"})
    step = idp_public.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "max@example.com", "PASSWORD": PASSWORD},
    )
    assert step["ChallengeName"] == "MFA_SETUP"
    assert json.loads(step["ChallengeParameters"]["MFAS_CAN_SETUP"]) == [
        "SOFTWARE_TOKEN_MFA",
        "EMAIL_OTP",
    ]
    email_step = idp_public.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="MFA_SETUP",
        Session=step["Session"],
        ChallengeResponses={"USERNAME": "max@example.com", "EMAIL": "max@example.com"},
    )
    assert email_step["ChallengeName"] == "EMAIL_OTP"
    assert email_step["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "m***@e***"
    # Not enabled until the code comes back.
    assert "UserMFASettingList" not in idp.admin_get_user(
        UserPoolId=pool["Id"], Username="max@example.com"
    )
    done = idp_public.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="EMAIL_OTP",
        Session=email_step["Session"],
        ChallengeResponses={
            "USERNAME": "max@example.com",
            "EMAIL_OTP_CODE": mailbox.code_for("max@example.com"),
        },
    )
    assert done["AuthenticationResult"]["AccessToken"]
    user = idp.admin_get_user(UserPoolId=pool["Id"], Username="max@example.com")
    assert user["UserMFASettingList"] == ["EMAIL_OTP"]
    assert user["PreferredMfaSetting"] == "EMAIL_OTP"
    attributes = {item["Name"]: item["Value"] for item in user["UserAttributes"]}
    assert attributes["email_verified"] == "true"
