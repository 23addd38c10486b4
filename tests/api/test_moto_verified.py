"""moto's AWS-verified Cognito tests, ported to run against Tessera.

Each test here is one from getmoto/moto tests/test_cognitoidp/test_cognitoidp.py marked
``@pytest.mark.aws_verified`` / ``@cognitoidp_aws_verified``: moto's authors ran them against
real Cognito, so their assertions about response shapes, challenge names, error codes and
token claims record what AWS returned. The setup follows moto's decorator
(tests/test_cognitoidp/__init__.py): a pool created with CreateUserPool's defaults plus the
decorator's options, then one app client "TestAppClient". Where Tessera has no counterpart
for a step (moto's IAM role for SMS), the adaptation is noted at the step.

TOTP: where AWS needs a code of a later time-step than one already used ("Your software token
has already been used once"), moto's test sleeps until the code changes; we take the next
step's code instead, which the RFC 6238 drift window accepts, so the test does not wait.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
import pyotp
from pycognito.aws_srp import AWSSRP

# moto's passwords: eight characters, satisfying Cognito's default policy.
MOTO_PASSWORD = "P2$Sword"
# An SNS role ARN stands in for the IAM role moto creates for SMS MFA; Tessera sends SMS
# through its own configured provider and only stores the ARN.
SNS_CALLER_ARN = "arn:aws:iam::123456789012:role/test-role-sms"


def _claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def _aws_verified_pool(
    idp: Any,
    *,
    username_attributes: list[str] | None = None,
    read_attributes: list[str] | None = None,
    explicit_auth_flows: list[str] | None = None,
    generate_secret: bool = False,
    recovery: list[dict[str, Any]] | None = None,
    verified_attributes: list[str] | None = None,
    with_mfa: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """moto's ``cognitoidp_aws_verified`` setup: (CreateUserPool, CreateUserPoolClient)."""
    pool_args: dict[str, Any] = {}
    if username_attributes:
        pool_args["UsernameAttributes"] = username_attributes
    if recovery:
        pool_args["AccountRecoverySetting"] = {"RecoveryMechanisms": recovery}
    if with_mfa:
        pool_args["MfaConfiguration"] = with_mfa
        pool_args["SmsConfiguration"] = {"SnsCallerArn": SNS_CALLER_ARN}
    if verified_attributes:
        pool_args["AutoVerifiedAttributes"] = verified_attributes
    user_pool = idp.create_user_pool(PoolName=f"TestUserPool_{uuid.uuid4().hex[:6]}", **pool_args)
    pool_id = user_pool["UserPool"]["Id"]
    if with_mfa:
        idp.set_user_pool_mfa_config(
            UserPoolId=pool_id,
            SoftwareTokenMfaConfiguration={"Enabled": True},
            MfaConfiguration=with_mfa,
        )
    client_args: dict[str, Any] = {}
    if read_attributes:
        client_args["ReadAttributes"] = read_attributes
    if explicit_auth_flows:
        client_args["ExplicitAuthFlows"] = explicit_auth_flows
    if generate_secret:
        client_args["GenerateSecret"] = True
    user_pool_client = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="TestAppClient", **client_args
    )
    return user_pool, user_pool_client


def _next_code(totp: pyotp.TOTP) -> str:
    """The code of the next time-step: later than any code used so far."""
    return totp.at(time.time() + 30)


def _confirmed_srp_user(
    idp: Any, user_pool: dict[str, Any], user_pool_client: dict[str, Any]
) -> tuple[AWSSRP, str, str]:
    """moto's setup: SignUp with SECRET_HASH, then AdminConfirmSignUp; returns the pycognito
    SRP client for the user, the username and the SECRET_HASH."""
    username = str(uuid.uuid4())
    user_pool_id = user_pool["UserPool"]["Id"]
    client_id = user_pool_client["UserPoolClient"]["ClientId"]
    client_secret = user_pool_client["UserPoolClient"]["ClientSecret"]
    secret_hash = AWSSRP.get_secret_hash(
        username=username, client_id=client_id, client_secret=client_secret
    )
    idp.sign_up(
        ClientId=client_id, Username=username, Password=MOTO_PASSWORD, SecretHash=secret_hash
    )
    idp.admin_confirm_sign_up(UserPoolId=user_pool_id, Username=username)
    aws_srp = AWSSRP(
        username=username,
        password=MOTO_PASSWORD,
        pool_id=user_pool_id,
        client_id=client_id,
        client_secret=client_secret,
        client=idp,
    )
    return aws_srp, username, secret_hash


def _srp_sign_in(idp: Any, client_id: str, aws_srp: AWSSRP) -> dict[str, Any]:
    """USER_SRP_AUTH and the PASSWORD_VERIFIER answer; the second response."""
    auth_params = aws_srp.get_auth_params()
    result = idp.initiate_auth(
        ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=auth_params
    )
    challenge_response = aws_srp.process_challenge(result["ChallengeParameters"], auth_params)
    return dict(
        idp.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName=result["ChallengeName"],
            ChallengeResponses=challenge_response,
        )
    )


def _answer_software_token_mfa(
    idp: Any,
    client_id: str,
    challenge: dict[str, Any],
    totp: pyotp.TOTP,
    username: str,
    secret_hash: str,
) -> None:
    """Answer SOFTWARE_TOKEN_MFA with a fresh code and expect the three tokens."""
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    result = idp.respond_to_auth_challenge(
        ClientId=client_id,
        Session=challenge["Session"],
        ChallengeName=challenge["ChallengeName"],
        ChallengeResponses={
            "SOFTWARE_TOKEN_MFA_CODE": _next_code(totp),
            "USERNAME": username,
            "SECRET_HASH": secret_hash,
        },
    )
    assert result["AuthenticationResult"]["AccessToken"]
    assert result["AuthenticationResult"]["IdToken"]
    assert result["AuthenticationResult"]["RefreshToken"]


def _sign_up_and_sign_in_with_srp(
    idp: Any, user_pool: dict[str, Any], user_pool_client: dict[str, Any]
) -> dict[str, Any]:
    """moto's ``user_authentication_flow(with_mfa=False)``: SignUp with SECRET_HASH,
    AdminConfirmSignUp, USER_SRP_AUTH through pycognito, then a REFRESH_TOKEN sign-in."""
    aws_srp, username, secret_hash = _confirmed_srp_user(idp, user_pool, user_pool_client)
    user_pool_id = user_pool["UserPool"]["Id"]
    client_id = user_pool_client["UserPoolClient"]["ClientId"]
    result = _srp_sign_in(idp, client_id, aws_srp)
    refresh_token = result["AuthenticationResult"]["RefreshToken"]

    result = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN",
        AuthParameters={"SECRET_HASH": secret_hash, "REFRESH_TOKEN": refresh_token},
    )
    assert result["AuthenticationResult"]["IdToken"] is not None
    assert result["AuthenticationResult"]["AccessToken"] is not None
    assert result["AuthenticationResult"]["TokenType"] == "Bearer"
    return {
        "user_pool_id": user_pool_id,
        "client_id": client_id,
        "secret_hash": secret_hash,
        "refresh_token": refresh_token,
        "username": username,
        "password": MOTO_PASSWORD,
    }


def test_authorize_user_with_force_password_change_status(idp: Any) -> None:
    user_pool, user_pool_client = _aws_verified_pool(idp)
    pool_id = user_pool["UserPool"]["Id"]
    client_id = user_pool_client["UserPoolClient"]["ClientId"]
    username = "test@example.com"
    temp_password = "Tempor@ryPassword123"
    new_password = "NewP@ssword456"

    aws_srp = AWSSRP(
        username=username,
        password=temp_password,
        pool_id=pool_id,
        client_id=client_id,
        client=idp,
    )
    idp.admin_create_user(UserPoolId=pool_id, Username=username, TemporaryPassword=temp_password)

    result = _srp_sign_in(idp, client_id, aws_srp)
    assert result["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert result["Session"] is not None

    result = idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=result["Session"],
        ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": new_password},
    )
    assert result["AuthenticationResult"]["TokenType"] == "Bearer"
    assert result["AuthenticationResult"]["AccessToken"] is not None
    assert result["AuthenticationResult"]["RefreshToken"] is not None


def test_group_in_access_token(idp: Any) -> None:
    user_pool, user_pool_client = _aws_verified_pool(
        idp, read_attributes=["given_name"], explicit_auth_flows=["ADMIN_NO_SRP_AUTH"]
    )
    username = str(uuid.uuid4())
    temporary_password = MOTO_PASSWORD
    user_pool_id = user_pool["UserPool"]["Id"]
    group_name = str(uuid.uuid4())
    client_id = user_pool_client["UserPoolClient"]["ClientId"]

    idp.create_group(GroupName=group_name, UserPoolId=user_pool_id)
    idp.admin_create_user(
        UserPoolId=user_pool_id,
        Username=username,
        TemporaryPassword=temporary_password,
        UserAttributes=[{"Name": "given_name", "Value": str(uuid.uuid4())}],
    )
    idp.admin_add_user_to_group(UserPoolId=user_pool_id, Username=username, GroupName=group_name)

    result = idp.admin_initiate_auth(
        UserPoolId=user_pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_NO_SRP_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": temporary_password},
    )
    assert result["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert result["Session"] is not None

    # AWS accepted the temporary password again as the new one.
    result = idp.admin_respond_to_auth_challenge(
        UserPoolId=user_pool_id,
        Session=result["Session"],
        ClientId=client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": MOTO_PASSWORD},
    )
    assert _claims(result["AuthenticationResult"]["AccessToken"])["cognito:groups"] == [group_name]


def test_user_authentication_flow_mfa_on(idp: Any) -> None:
    user_pool, user_pool_client = _aws_verified_pool(idp, generate_secret=True, with_mfa="ON")
    client_id = user_pool_client["UserPoolClient"]["ClientId"]
    aws_srp, username, secret_hash = _confirmed_srp_user(idp, user_pool, user_pool_client)

    result = _srp_sign_in(idp, client_id, aws_srp)
    assert result["ChallengeName"] == "MFA_SETUP"

    resp = idp.associate_software_token(Session=result["Session"])
    totp = pyotp.TOTP(resp["SecretCode"])
    resp = idp.verify_software_token(Session=resp["Session"], UserCode=totp.now())
    assert resp["Status"] == "SUCCESS"

    # Sign in again without answering MFA_SETUP: the verified token now asks for a code.
    challenge = _srp_sign_in(idp, client_id, aws_srp)
    _answer_software_token_mfa(idp, client_id, challenge, totp, username, secret_hash)


def test_user_authentication_flow_mfa_optional(idp: Any) -> None:
    user_pool, user_pool_client = _aws_verified_pool(idp, generate_secret=True, with_mfa="OPTIONAL")
    client_id = user_pool_client["UserPoolClient"]["ClientId"]
    aws_srp, username, secret_hash = _confirmed_srp_user(idp, user_pool, user_pool_client)

    access_token = _srp_sign_in(idp, client_id, aws_srp)["AuthenticationResult"]["AccessToken"]
    resp = idp.associate_software_token(AccessToken=access_token)
    totp = pyotp.TOTP(resp["SecretCode"])
    resp = idp.verify_software_token(AccessToken=access_token, UserCode=totp.now())
    assert resp["Status"] == "SUCCESS"
    idp.set_user_mfa_preference(
        AccessToken=access_token,
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
    )

    challenge = _srp_sign_in(idp, client_id, aws_srp)
    _answer_software_token_mfa(idp, client_id, challenge, totp, username, secret_hash)


def test_forgot_password_with_email_delivery_details(idp: Any) -> None:
    user_pool, user_pool_client = _aws_verified_pool(
        idp, recovery=[{"Name": "verified_email", "Priority": 1}]
    )
    user_pool_id = user_pool["UserPool"]["Id"]
    client_id = user_pool_client["UserPoolClient"]["ClientId"]
    username = str(uuid.uuid4())

    # AWS took "True" (capitalised) for email_verified.
    idp.admin_create_user(
        UserPoolId=user_pool_id,
        Username=username,
        UserAttributes=[
            {"Name": "email", "Value": "test@test.com"},
            {"Name": "email_verified", "Value": "True"},
        ],
    )
    idp.admin_set_user_password(
        UserPoolId=user_pool_id, Username=username, Password="secretP2ss!", Permanent=True
    )

    result = idp.forgot_password(ClientId=client_id, Username=username)
    assert result["CodeDeliveryDetails"]["Destination"] == "t***@t***"
    assert result["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert result["CodeDeliveryDetails"]["AttributeName"] == "email"


def test_sign_up_variants(idp: Any) -> None:
    """moto's four AWS-verified SignUp tests: test_sign_up, test_sign_up_with_unverified_email,
    test_sign_up_with_verified_email, test_sign_up_with_verified_but_not_supplied_email."""
    recovery = [{"Name": "verified_email", "Priority": 1}]

    _, plain_client = _aws_verified_pool(idp)
    result = idp.sign_up(
        ClientId=plain_client["UserPoolClient"]["ClientId"],
        Username=str(uuid.uuid4()),
        Password=MOTO_PASSWORD,
    )
    assert result["UserConfirmed"] is False
    assert result["UserSub"] is not None
    assert "CodeDeliveryDetails" not in result

    _, unverified_client = _aws_verified_pool(idp, recovery=recovery)
    result = idp.sign_up(
        ClientId=unverified_client["UserPoolClient"]["ClientId"],
        Username=str(uuid.uuid4()),
        Password=MOTO_PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "test@test.com"}],
    )
    assert result["UserConfirmed"] is False
    assert result["UserSub"] is not None
    assert "CodeDeliveryDetails" not in result

    _, verified_client = _aws_verified_pool(idp, recovery=recovery, verified_attributes=["email"])
    result = idp.sign_up(
        ClientId=verified_client["UserPoolClient"]["ClientId"],
        Username=str(uuid.uuid4()),
        Password=MOTO_PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "test@test.com"}],
    )
    assert result["UserConfirmed"] is False
    assert result["UserSub"] is not None
    assert result["CodeDeliveryDetails"] == {
        "Destination": "t***@t***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }

    result = idp.sign_up(
        ClientId=verified_client["UserPoolClient"]["ClientId"],
        Username=str(uuid.uuid4()),
        Password=MOTO_PASSWORD,
    )
    assert result["UserConfirmed"] is False
    assert result["UserSub"] is not None
    assert "CodeDeliveryDetails" not in result


def test_initiate_auth_refresh_token(idp: Any) -> None:
    user_pool, user_pool_client = _aws_verified_pool(idp, generate_secret=True)
    result = _sign_up_and_sign_in_with_srp(idp, user_pool, user_pool_client)

    auth_result = idp.initiate_auth(
        ClientId=result["client_id"],
        AuthFlow="REFRESH_TOKEN",
        AuthParameters={
            "REFRESH_TOKEN": result["refresh_token"],
            "SECRET_HASH": result["secret_hash"],
        },
    )["AuthenticationResult"]

    access_payload = _claims(auth_result["AccessToken"])
    assert access_payload["username"] == result["username"]
    assert access_payload["client_id"] == result["client_id"]
    id_payload = _claims(auth_result["IdToken"])
    assert id_payload["sub"] == access_payload["sub"]
    assert id_payload["cognito:username"] == result["username"]
    assert id_payload["aud"] == result["client_id"]


def test_initiate_auth_user_password_auth(idp: Any) -> None:
    user_pool, user_pool_client = _aws_verified_pool(
        idp, generate_secret=True, explicit_auth_flows=["USER_PASSWORD_AUTH"]
    )
    result = _sign_up_and_sign_in_with_srp(idp, user_pool, user_pool_client)
    user_pool_id = result["user_pool_id"]
    client_id = result["client_id"]
    username = result["username"]

    idp.admin_set_user_mfa_preference(
        Username=username,
        UserPoolId=user_pool_id,
        SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False},
    )
    # "Moto returns empty values - AWS returns no values"
    user = idp.admin_get_user(UserPoolId=user_pool_id, Username=username)
    assert "UserMFASettingList" not in user
    assert "PreferredMfaSetting" not in user

    auth_result = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={
            "USERNAME": username,
            "PASSWORD": result["password"],
            "SECRET_HASH": result["secret_hash"],
        },
    )["AuthenticationResult"]
    assert auth_result["RefreshToken"] is not None
    assert auth_result["TokenType"] == "Bearer"

    access_payload = _claims(auth_result["AccessToken"])
    assert access_payload["username"] == username
    assert access_payload["client_id"] == client_id
    assert "email" not in access_payload
    id_payload = _claims(auth_result["IdToken"])
    assert id_payload["sub"] == access_payload["sub"]
    assert id_payload["cognito:username"] == username
    assert id_payload["aud"] == client_id
    assert "email" not in id_payload


def test_initiate_auth_user_password_auth_with_email(idp: Any) -> None:
    user_pool, user_pool_client = _aws_verified_pool(
        idp,
        generate_secret=True,
        explicit_auth_flows=["USER_PASSWORD_AUTH"],
        username_attributes=["email"],
    )
    username = "test@moto.com"
    password = "SuperS3cret!"
    client_id = user_pool_client["UserPoolClient"]["ClientId"]
    client_secret = user_pool_client["UserPoolClient"]["ClientSecret"]
    user_pool_id = user_pool["UserPool"]["Id"]

    secret_hash = AWSSRP.get_secret_hash(
        username=username, client_id=client_id, client_secret=client_secret
    )
    idp.sign_up(ClientId=client_id, Username=username, Password=password, SecretHash=secret_hash)
    idp.admin_confirm_sign_up(UserPoolId=user_pool_id, Username=username)
    auth_result = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password, "SECRET_HASH": secret_hash},
    )["AuthenticationResult"]

    access_payload = _claims(auth_result["AccessToken"])
    assert access_payload["username"] == access_payload["sub"]
    assert access_payload["client_id"] == client_id
    assert "email" not in access_payload
    id_payload = _claims(auth_result["IdToken"])
    assert id_payload["sub"] == access_payload["sub"]
    assert id_payload["cognito:username"] == id_payload["sub"]
    assert id_payload["aud"] == client_id
    assert id_payload["email"] == username


def test_initiate_mfa_auth_user_password_auth_with_force_change_password_status(
    idp: Any,
) -> None:
    user_pool, user_pool_client = _aws_verified_pool(
        idp, explicit_auth_flows=["USER_PASSWORD_AUTH"], with_mfa="ON"
    )
    username = str(uuid.uuid4())
    user_pool_id = user_pool["UserPool"]["Id"]
    client_id = user_pool_client["UserPoolClient"]["ClientId"]
    temporary_password = MOTO_PASSWORD
    idp.admin_create_user(
        UserPoolId=user_pool_id, Username=username, TemporaryPassword=temporary_password
    )

    result = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": temporary_password},
    )
    assert result["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert result.get("AuthenticationResult") is None

    new_password = "P2$Sword2"
    result = idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=result["Session"],
        ChallengeResponses={"NEW_PASSWORD": new_password, "USERNAME": username},
    )
    assert result["ChallengeName"] == "MFA_SETUP"
    assert result["Session"]

    assoc_response = idp.associate_software_token(Session=result["Session"])
    totp = pyotp.TOTP(assoc_response["SecretCode"])
    verify_response = idp.verify_software_token(
        Session=assoc_response["Session"], UserCode=totp.now()
    )
    assert verify_response["Status"] == "SUCCESS"

    # moto's test answers MFA_SETUP with a code too; the VerifySoftwareToken Session is what
    # completes it, so that code stays unused and the next step's code signs in below.
    result = idp.respond_to_auth_challenge(
        ClientId=client_id,
        Session=verify_response["Session"],
        ChallengeName=result["ChallengeName"],
        ChallengeResponses={"SOFTWARE_TOKEN_MFA_CODE": _next_code(totp), "USERNAME": username},
    )
    assert result["ChallengeParameters"] == {}
    assert result["AuthenticationResult"]["AccessToken"]
    assert result["AuthenticationResult"]["RefreshToken"]
    assert result["AuthenticationResult"]["IdToken"]

    result = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": new_password},
    )
    assert result["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    result = idp.respond_to_auth_challenge(
        ClientId=client_id,
        Session=result["Session"],
        ChallengeName=result["ChallengeName"],
        ChallengeResponses={
            "SOFTWARE_TOKEN_MFA_CODE": _next_code(totp),
            "USERNAME": username,
        },
    )
    assert result["ChallengeParameters"] == {}
    assert result["AuthenticationResult"]["AccessToken"]
    assert result["AuthenticationResult"]["RefreshToken"]
    assert result["AuthenticationResult"]["IdToken"]
