"""MFA semantics a Cognito client relies on, found in review: the SetUserMFAPreference
refusal apps match for a missing authenticator, recovery codes that answer a challenge
without proving the address the code went to, and the choice a required-MFA pool offers
a user with a phone number and a verified authenticator but no preference.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.accounts.conftest import MakeClient, MakeUser
from tests.accounts.test_mfa import code_at, error_of, sign_in

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
