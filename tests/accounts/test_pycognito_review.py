"""pycognito's ``Cognito`` class as an application uses it, unchanged, against Tessera: only
``boto3_client_kwargs={"endpoint_url": ...}`` (README, "Pointing Cognito clients at Tessera").

pycognito verifies every token it receives against ``<endpoint_url>/<poolId>``: it fetches
the JWKS from ``<endpoint_url>/<poolId>/.well-known/jwks.json`` and requires
``iss == <endpoint_url>/<poolId>``, so these tests serve with ``PUBLIC_URL`` = the endpoint,
as a deployment whose clients use ``PUBLIC_URL`` as their endpoint does.
"""

from __future__ import annotations

import re
import time
from typing import Any

import jwt
import pyotp
import pytest
import requests
from botocore.exceptions import ClientError
from pycognito import Cognito
from pycognito.exceptions import (
    ForceChangePasswordException,
    SMSMFAChallengeException,
    SoftwareTokenMFAChallengeException,
    TokenVerificationException,
)
from pycognito.utils import RequestsSrpAuth

from accounts.models import OutboxMessage
from tests.accounts.conftest import PASSWORD, MakeClient
from tests.conftest import REGION
from tests.sms import wait_for_sms

FLOWS = [
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
]
# Cognito's default invitation: "Your username is {username} and temporary password is {####}."
TEMPORARY_PASSWORD = re.compile(r"temporary password is (\S+)\.\s*$")
SNS_ROLE = "arn:aws:iam::123456789012:role/cognito-sms"
NEW_PASSWORD = "Battery-Staple-7-Horse"
THIRD_PASSWORD = "Staple-Horse-5-Correct"


@pytest.fixture
def public_url(settings: Any, endpoint: str) -> str:
    settings.PUBLIC_URL = endpoint
    return endpoint


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error["Code"], error["Message"]


def _user(pool_id: str, client: dict[str, Any], endpoint: str, **kwargs: Any) -> Cognito:
    """A ``Cognito`` as an app's backend makes it: no AWS credentials, only the endpoint."""
    return Cognito(
        pool_id,
        client["ClientId"],
        client_secret=client.get("ClientSecret"),
        boto3_client_kwargs={"endpoint_url": endpoint},
        **kwargs,
    )


def _admin(
    pool_id: str, client: dict[str, Any], endpoint: str, key: tuple[str, str], **kwargs: Any
) -> Cognito:
    """A ``Cognito`` holding an access key, for pycognito's admin_* methods."""
    return Cognito(
        pool_id,
        client["ClientId"],
        client_secret=client.get("ClientSecret"),
        access_key=key[0],
        secret_key=key[1],
        boto3_client_kwargs={"endpoint_url": endpoint},
        **kwargs,
    )


def _totp(secret: str, steps_ahead: int = 0) -> str:
    return str(pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead))


def test_pycognito_self_service_lifecycle_with_verified_tokens(
    public_url: str, pool: dict[str, Any], make_client: MakeClient, mailbox: Any
) -> None:
    client = make_client(ExplicitAuthFlows=FLOWS)
    email = "ada@example.com"
    ada = _user(pool["Id"], client, public_url, username=email)

    # register + confirm_sign_up with the code from the mail actually sent.
    ada.set_base_attributes(email=email, name="Ada")
    registered = ada.register(email, PASSWORD)
    assert registered["UserConfirmed"] is False
    assert registered["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    with pytest.raises(ClientError) as unconfirmed:
        ada.authenticate(PASSWORD)
    assert _error(unconfirmed) == ("UserNotConfirmedException", "User is not confirmed.")
    ada.confirm_sign_up(mailbox.code_for(email))

    # authenticate (SRP) verifies both tokens against the pool's JWKS and issuer.
    ada.authenticate(PASSWORD)
    assert ada.token_type == "Bearer"
    assert ada.access_claims["token_use"] == "access"
    assert ada.access_claims["iss"] == f"{public_url}/{pool['Id']}"
    assert ada.id_claims["email"] == email
    assert ada.id_claims["aud"] == client["ClientId"]
    ada.verify_tokens()
    assert ada.check_token(renew=False) is False

    first_access = ada.access_token
    ada.renew_access_token()
    assert ada.access_token != first_access
    assert ada.refresh_token

    me = ada.get_user()
    assert (me.email, me.name, me.email_verified) == (email, "Ada", True)
    assert me.sub == ada.id_claims["sub"]

    ada.update_profile({"name": "Ada Lovelace"})
    assert ada.get_user().name == "Ada Lovelace"

    ada.change_password(PASSWORD, NEW_PASSWORD)
    with pytest.raises(ClientError) as refused:
        _user(pool["Id"], client, public_url, username=email).authenticate(PASSWORD)
    assert _error(refused) == ("NotAuthorizedException", "Incorrect username or password.")

    # logout = GlobalSignOut: the access token stops working.
    signed_out_token = ada.access_token
    ada.logout()
    assert ada.access_token is None
    assert ada.refresh_token is None
    with pytest.raises(ClientError) as revoked:
        ada.client.get_user(AccessToken=signed_out_token)
    assert _error(revoked) == ("NotAuthorizedException", "Access Token has been revoked")

    # forgotten password: the code by mail, then sign in with the new one.
    ada.initiate_forgot_password()
    ada.confirm_forgot_password(mailbox.code_for(email), THIRD_PASSWORD)
    ada.authenticate(THIRD_PASSWORD)
    assert ada.get_user().name == "Ada Lovelace"

    ada.delete_user()
    with pytest.raises(ClientError) as gone:
        _user(pool["Id"], client, public_url, username=email).authenticate(THIRD_PASSWORD)
    # A client created without PreventUserExistenceErrors is LEGACY, as in Cognito's API.
    assert _error(gone) == ("UserNotFoundException", "User does not exist.")


def test_pycognito_through_another_address_than_public_url(
    public_url: str, pool: dict[str, Any], make_client: MakeClient, mailbox: Any
) -> None:
    """README: pycognito checks iss == <endpoint_url>/<poolId> and fetches the JWKS there, so
    a backend reaching Tessera at another address than PUBLIC_URL (here 127.0.0.1 for
    localhost) sets ``pool_domain_url`` to PUBLIC_URL; the API calls keep the endpoint."""
    internal = public_url.replace("//localhost:", "//127.0.0.1:")
    assert internal != public_url
    client = make_client(ExplicitAuthFlows=FLOWS)
    email = "grace@example.com"
    grace = _user(pool["Id"], client, internal, username=email)
    grace.register(email, PASSWORD)
    grace.confirm_sign_up(mailbox.code_for(email))
    with pytest.raises(TokenVerificationException, match="Invalid issuer"):
        grace.authenticate(PASSWORD)

    grace.pool_domain_url = public_url
    grace.authenticate(PASSWORD)
    assert grace.access_claims["iss"] == f"{public_url}/{pool['Id']}"
    assert grace.get_user().email == email


def test_pycognito_admin_methods(
    public_url: str,
    idp: Any,
    access_key: tuple[str, str],
    make_client: MakeClient,
    mailbox: Any,
) -> None:
    pool_id = idp.create_user_pool(PoolName="usernames", AutoVerifiedAttributes=["email"])[
        "UserPool"
    ]["Id"]
    client = make_client(user_pool_id=pool_id, ExplicitAuthFlows=FLOWS)
    admin = _admin(pool_id, client, public_url, access_key)

    created = admin.admin_create_user(
        "grace",
        temporary_password="Temporary-Pass-1",
        additional_kwargs={"MessageAction": "SUPPRESS"},
        email="grace@example.com",
        email_verified=True,
        name="Grace",
    )
    assert created["User"]["Username"] == "grace"
    assert created["User"]["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert admin.username == "grace"  # pycognito keeps what it created

    # The invited user's first sign-in: SRP, then NEW_PASSWORD_REQUIRED.
    grace = _user(pool_id, client, public_url, username="grace")
    with pytest.raises(ForceChangePasswordException):
        grace.authenticate("Temporary-Pass-1")
    grace.new_password_challenge("Temporary-Pass-1", PASSWORD)
    assert grace.access_claims["username"] == "grace"

    user = admin.admin_get_user()
    assert (user.user_status, user.enabled, user.username) == ("CONFIRMED", True, "grace")
    assert (user.email, user.email_verified, user.name) == ("grace@example.com", True, "Grace")

    admin.admin_update_profile({"name": "Grace Hopper"})
    assert admin.admin_get_user().name == "Grace Hopper"

    admin.admin_authenticate(PASSWORD)  # ADMIN_NO_SRP_AUTH, the legacy flow name
    assert admin.id_claims["name"] == "Grace Hopper"

    # A second user, signed up and confirmed by the administrator.
    ada = _user(pool_id, client, public_url, username="ada")
    ada.set_base_attributes(email="ada@example.com")
    ada.register("ada", PASSWORD)
    ada.resend_confirmation_code("ada")
    # Under make test-services a worker sends them: wait, don't count what is there yet.
    mailbox.wait_for("ada@example.com")  # the sign-up code
    mailbox.wait_for("ada@example.com")  # the resent one
    admin.admin_confirm_sign_up("ada")
    listed = {user.username: user for user in admin.get_users()}
    assert set(listed) == {"grace", "ada"}
    assert listed["ada"].email == "ada@example.com"
    confirmed = admin.client.admin_get_user(UserPoolId=pool_id, Username="ada")
    assert confirmed["UserStatus"] == "CONFIRMED"

    idp.create_group(UserPoolId=pool_id, GroupName="admins", Description="Admins", Precedence=1)
    idp.create_group(UserPoolId=pool_id, GroupName="readers")
    group = admin.get_group("admins")
    assert (group.group_name, group.description, group.precedence) == ("admins", "Admins", 1)
    assert sorted(g.group_name for g in admin.get_groups()) == ["admins", "readers"]

    admin.admin_add_user_to_group("ada", "admins")
    admin.admin_add_user_to_group("ada", "readers")
    assert sorted(admin.admin_list_groups_for_user("ada")) == ["admins", "readers"]
    ada.authenticate(PASSWORD)
    assert ada.access_claims["cognito:groups"] == ["admins", "readers"]
    admin.admin_remove_user_from_group("ada", "admins")
    assert admin.admin_list_groups_for_user("ada") == ["readers"]

    admin.admin_disable_user("ada")
    with pytest.raises(ClientError) as disabled:
        ada.authenticate(PASSWORD)
    assert _error(disabled) == ("NotAuthorizedException", "User is disabled.")
    admin.admin_enable_user("ada")
    ada.authenticate(PASSWORD)

    # AdminConfirmSignUp verifies no address: the user proves the email before a reset.
    ada.send_verification("email")
    ada.validate_verification(mailbox.code_for("ada@example.com"), "email")
    assert ada.get_user().email_verified is True

    admin.admin_reset_password("ada")
    code = mailbox.code_for("ada@example.com")
    with pytest.raises(ClientError) as reset_required:
        ada.authenticate(PASSWORD)
    assert _error(reset_required) == (
        "PasswordResetRequiredException",
        "Password reset required for the user",
    )
    ada.confirm_forgot_password(code, NEW_PASSWORD)
    ada.authenticate(NEW_PASSWORD)

    described = admin.describe_user_pool_client(pool_id, client["ClientId"])
    assert described["ClientId"] == client["ClientId"]
    admin.admin_update_user_pool_client(
        pool_id, client["ClientId"], ClientName="renamed", ExplicitAuthFlows=FLOWS
    )
    assert admin.describe_user_pool_client(pool_id, client["ClientId"])["ClientName"] == "renamed"

    admin.admin_delete_user()  # the user the admin object names: grace
    assert {user.username for user in admin.get_users()} == {"ada"}


def test_pycognito_software_token_and_sms_mfa(
    public_url: str, idp: Any, pool: dict[str, Any], make_client: MakeClient, mailbox: Any
) -> None:
    idp.set_user_pool_mfa_config(
        UserPoolId=pool["Id"],
        MfaConfiguration="OPTIONAL",
        SoftwareTokenMfaConfiguration={"Enabled": True},
        SmsMfaConfiguration={
            "SmsAuthenticationMessage": "Code {####}",
            "SmsConfiguration": {"SnsCallerArn": SNS_ROLE, "ExternalId": "tessera"},
        },
    )
    client = make_client(ExplicitAuthFlows=FLOWS)
    email, phone = "mfa@example.com", "+15555550199"
    user = _user(pool["Id"], client, public_url, username=email)
    user.set_base_attributes(email=email, phone_number=phone)
    user.register(email, PASSWORD)
    user.confirm_sign_up(mailbox.code_for(email))
    user.authenticate(PASSWORD)

    secret = user.associate_software_token()
    assert user.verify_software_token(_totp(secret)) is True  # FriendlyDeviceName=""
    user.set_user_mfa_preference(False, True, "SOFTWARE_TOKEN")
    settings = user.client.get_user(AccessToken=user.access_token)
    assert settings["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"

    again = _user(pool["Id"], client, public_url, username=email)
    with pytest.raises(SoftwareTokenMFAChallengeException):
        again.authenticate(PASSWORD)
    assert again.mfa_tokens["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    # The next window's code: the one VerifySoftwareToken took is spent.
    again.respond_to_software_token_mfa_challenge(_totp(secret, 1))
    assert again.access_claims["username"] == user.access_claims["username"]

    # SMS preferred: pycognito's SMS_MFA path, the code from the text actually sent.
    again.set_user_mfa_preference(True, True, "SMS")
    assert again.client.get_user(AccessToken=again.access_token)["PreferredMfaSetting"] == "SMS_MFA"
    marker = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    by_sms = _user(pool["Id"], client, public_url, username=email)
    with pytest.raises(SMSMFAChallengeException):
        by_sms.authenticate(PASSWORD)
    by_sms.respond_to_sms_mfa_challenge(wait_for_sms(phone, marker).removeprefix("Code "))
    assert by_sms.id_claims["phone_number_verified"] is True

    # Both disabled: no MFA preference, sign-in answers tokens straight away.
    by_sms.set_user_mfa_preference(False, False)
    assert "PreferredMfaSetting" not in by_sms.client.get_user(AccessToken=by_sms.access_token)
    _user(pool["Id"], client, public_url, username=email).authenticate(PASSWORD)


def test_pycognito_with_a_client_secret(
    public_url: str, pool: dict[str, Any], make_client: MakeClient, mailbox: Any
) -> None:
    """Every call pycognito signs with SECRET_HASH / SecretHash of its ``username`` — here
    the email, a sign-in alias of the user whose internal username is the sub."""
    client = make_client(ExplicitAuthFlows=FLOWS, GenerateSecret=True)
    email = "secret@example.com"
    user = _user(pool["Id"], client, public_url, username=email)
    user.register(email, PASSWORD)
    user.resend_confirmation_code(email)
    mailbox.wait_for(email)
    user.confirm_sign_up(mailbox.code_for(email))

    user.authenticate(PASSWORD)
    first_access = user.access_token
    user.renew_access_token()
    assert user.access_token != first_access

    user.initiate_forgot_password()
    user.confirm_forgot_password(mailbox.code_for(email), NEW_PASSWORD)
    user.authenticate(NEW_PASSWORD)

    without_secret = _user(pool["Id"], {"ClientId": client["ClientId"]}, public_url, username=email)
    with pytest.raises(ClientError) as refused:
        without_secret.authenticate(NEW_PASSWORD)
    assert _error(refused) == (
        "NotAuthorizedException",
        f"Client {client['ClientId']} is configured for secret but secret was not received",
    )


def test_pycognito_requests_auth_plugin(
    public_url: str, pool: dict[str, Any], make_client: MakeClient, mailbox: Any
) -> None:
    """pycognito.utils.RequestsSrpAuth signs in (SRP) on first use and puts the access token
    in the Authorization header of the app's requests; the token is good for GetUser."""
    client = make_client(ExplicitAuthFlows=FLOWS)
    email = "plugin@example.com"
    user = _user(pool["Id"], client, public_url, username=email)
    user.register(email, PASSWORD)
    user.confirm_sign_up(mailbox.code_for(email))

    auth = RequestsSrpAuth(
        username=email,
        password=PASSWORD,
        user_pool_id=pool["Id"],
        client_id=client["ClientId"],
        user_pool_region=REGION,
        boto3_client_kwargs={"endpoint_url": public_url},
    )
    prepared = requests.Request("GET", "https://api.example/things", auth=auth).prepare()
    scheme, token = str(prepared.headers["Authorization"]).split(" ")
    assert scheme == "Bearer"
    assert jwt.decode(token, options={"verify_signature": False})["client_id"] == client["ClientId"]
    assert auth.cognito_client.client.get_user(AccessToken=token)["UserAttributes"]

    # An app coming back after the access token expired: check_token renews it by refresh.
    unchecked_key = "check_token reads exp without verifying the signature"
    stale = jwt.encode({"exp": int(time.time()) - 60}, unchecked_key)
    auth.cognito_client.access_token = stale
    renewed = requests.Request("GET", "https://api.example/things", auth=auth).prepare()
    renewed_token = str(renewed.headers["Authorization"]).removeprefix("Bearer ")
    assert renewed_token not in (stale, token)
    assert auth.cognito_client.client.get_user(AccessToken=renewed_token)["Username"]


def test_pycognito_invitation_and_user_objects_in_an_email_pool(
    public_url: str,
    access_key: tuple[str, str],
    pool: dict[str, Any],
    make_client: MakeClient,
    mailbox: Any,
) -> None:
    """admin_create_user without a password: Tessera generates one and mails the invitation;
    UserObj.save() writes back every attribute pycognito read, the email included."""
    client = make_client(ExplicitAuthFlows=FLOWS)
    email = "invited@example.com"
    admin = _admin(pool["Id"], client, public_url, access_key, username=email)
    created = admin.admin_create_user(email, email=email, email_verified="true", name="Invited")
    assert created["User"]["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    invitation = mailbox.wait_for(email)
    temporary = TEMPORARY_PASSWORD.search(invitation.body)
    assert temporary is not None, invitation.body

    invited = _user(pool["Id"], client, public_url, username=email)
    invited.new_password_challenge(temporary.group(1), PASSWORD)
    assert invited.id_claims["email"] == email

    profile = invited.get_user()
    profile.name = "Renamed"
    profile.save()  # UpdateUserAttributes with email and name as read
    after = admin.admin_get_user()
    assert (after.name, after.email, after.email_verified) == ("Renamed", email, True)
    assert after.user_status == "CONFIRMED"

    after.name = "Renamed by admin"
    after.save(admin=True)  # AdminUpdateUserAttributes by the email alias
    assert admin.admin_get_user().name == "Renamed by admin"
    invited.authenticate(PASSWORD)  # the email still signs in

    after.delete(admin=True)  # AdminDeleteUser by the email alias
    assert admin.get_users() == []
