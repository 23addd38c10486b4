"""Admin user management over the wire: real boto3 against the live server."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import OutboxMessage, PoolUser, UserStatus
from accounts.services import passwords
from core.errors import NotAuthorizedException
from oauth.models import AppClient, RefreshToken
from oauth.services import tokens

STRONG_PASSWORD = "Correct-Horse-42"


def _error(excinfo: pytest.ExceptionInfo[Any]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def _attributes(listed: list[dict[str, str]]) -> dict[str, str]:
    return {item["Name"]: item["Value"] for item in listed}


def _stored(pool_id: str, username: str) -> PoolUser:
    return PoolUser.objects.select_related("pool").get(pool_id=pool_id, username=username)


@pytest.fixture
def plain_pool(idp: Any) -> dict[str, Any]:
    """Plain usernames, email as a verified alias, a required name, two custom attributes
    and a custom invitation."""
    response = idp.create_user_pool(
        PoolName="plain-pool",
        Policies={"PasswordPolicy": {"MinimumLength": 10, "RequireNumbers": True}},
        AliasAttributes=["email"],
        Schema=[
            {"Name": "name", "AttributeDataType": "String", "Mutable": True, "Required": True},
            {"Name": "tenant", "AttributeDataType": "String", "Mutable": False},
            {"Name": "plan", "AttributeDataType": "String", "Mutable": True},
        ],
        AdminCreateUserConfig={
            "InviteMessageTemplate": {
                "EmailSubject": "Welcome aboard",
                "EmailMessage": "Hello {username}, your first password is {####}",
            }
        },
    )
    return dict(response["UserPool"])


def _create(idp: Any, pool_id: str, username: str, **attributes: str) -> dict[str, Any]:
    response = idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=[{"Name": name, "Value": value} for name, value in attributes.items()],
        TemporaryPassword=STRONG_PASSWORD,
        MessageAction="SUPPRESS",
    )
    return dict(response["User"])


def test_admin_create_user_with_email_username_invites_with_generated_password(
    idp: Any, pool: dict[str, Any], mailbox: Any
) -> None:
    pool_id = pool["Id"]
    before = timezone.now()
    user = idp.admin_create_user(
        UserPoolId=pool_id,
        Username="ana@example.com",
        UserAttributes=[{"Name": "name", "Value": "Ana"}],
    )["User"]

    attributes = _attributes(user["Attributes"])
    assert user["Username"] == attributes["sub"]
    uuid.UUID(user["Username"])
    assert attributes["email"] == "ana@example.com"
    assert attributes["name"] == "Ana"
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert user["Enabled"] is True
    assert "MFAOptions" not in user
    assert user["UserCreateDate"] >= before.replace(microsecond=0)

    invitation = mailbox.wait_for("ana@example.com")
    assert invitation.subject == "Your temporary password"
    assert "Your username is ana@example.com and temporary password is " in invitation.body
    # Cognito's default text ends "{####}. "; generated passwords never contain ".".
    temporary = invitation.body.split("temporary password is ")[1].split()[0].rstrip(".")
    stored = _stored(pool_id, user["Username"])
    assert passwords.check_user_password(stored, temporary)
    # The generated password itself meets the pool's 12-character, all-classes policy.
    passwords.validate_password_policy(stored.pool, temporary, sign_up=False)
    assert stored.temporary_password_expires is not None
    assert stored.password_set_at is not None
    expected_expiry = stored.password_set_at + dt.timedelta(days=7)
    assert stored.temporary_password_expires == expected_expiry

    # The email and the sub both name the user.
    for name in ("ana@example.com", user["Username"]):
        found = idp.admin_get_user(UserPoolId=pool_id, Username=name)
        assert found["Username"] == user["Username"]
        assert _attributes(found["UserAttributes"]) == attributes

    with pytest.raises(idp.exceptions.UsernameExistsException) as duplicate:
        idp.admin_create_user(UserPoolId=pool_id, Username="ana@example.com")
    assert _error(duplicate) == (
        "UsernameExistsException",
        "An account with the given email already exists.",
    )
    with pytest.raises(idp.exceptions.InvalidParameterException) as not_email:
        idp.admin_create_user(UserPoolId=pool_id, Username="ana")
    assert _error(not_email) == ("InvalidParameterException", "Username should be an email.")
    with pytest.raises(idp.exceptions.InvalidPasswordException) as weak:
        idp.admin_create_user(
            UserPoolId=pool_id, Username="weak@example.com", TemporaryPassword="Short1!"
        )
    assert _error(weak) == (
        "InvalidPasswordException",
        "Password does not conform to policy: Password not long enough",
    )
    with pytest.raises(idp.exceptions.ResourceNotFoundException) as no_pool:
        idp.admin_create_user(UserPoolId="us-east-1_Missing00", Username="x@example.com")
    assert _error(no_pool)[1] == "User pool us-east-1_Missing00 does not exist."


def test_admin_create_user_template_suppress_and_resend(
    idp: Any, plain_pool: dict[str, Any], mailbox: Any
) -> None:
    pool_id = plain_pool["Id"]
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username="bob",
        UserAttributes=[
            {"Name": "name", "Value": "Bob"},
            {"Name": "email", "Value": "bob@example.com"},
        ],
        TemporaryPassword="first-password-1",
        DesiredDeliveryMediums=["EMAIL"],
    )
    invitation = mailbox.wait_for("bob@example.com")
    assert invitation.subject == "Welcome aboard"
    assert invitation.body.strip() == "Hello bob, your first password is first-password-1"

    with pytest.raises(idp.exceptions.UsernameExistsException) as duplicate:
        idp.admin_create_user(
            UserPoolId=pool_id, Username="bob", UserAttributes=[{"Name": "name", "Value": "B"}]
        )
    assert _error(duplicate) == ("UsernameExistsException", "User account already exists")

    idp.admin_create_user(
        UserPoolId=pool_id,
        Username="quiet",
        UserAttributes=[
            {"Name": "name", "Value": "Quiet"},
            {"Name": "email", "Value": "quiet@example.com"},
        ],
        MessageAction="SUPPRESS",
    )
    resent = idp.admin_create_user(UserPoolId=pool_id, Username="bob", MessageAction="RESEND")
    assert resent["User"]["Username"] == "bob"
    second = mailbox.wait_for("bob@example.com")
    new_password = second.body.split("your first password is ")[1].split()[0]
    assert new_password != "first-password-1"
    stored = _stored(pool_id, "bob")
    assert passwords.check_user_password(stored, new_password)
    assert not passwords.check_user_password(stored, "first-password-1")
    assert not OutboxMessage.objects.filter(recipient="quiet@example.com").exists()
    assert not [m for m in mailbox.all() if "quiet@example.com" in m.to]

    with pytest.raises(idp.exceptions.UserNotFoundException) as missing:
        idp.admin_create_user(UserPoolId=pool_id, Username="nobody", MessageAction="RESEND")
    assert _error(missing) == ("UserNotFoundException", "User does not exist.")
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username="bob", Password="settled-password-1", Permanent=True
    )
    with pytest.raises(idp.exceptions.UnsupportedUserStateException) as confirmed:
        idp.admin_create_user(UserPoolId=pool_id, Username="bob", MessageAction="RESEND")
    assert _error(confirmed)[1] == "Resend not possible. bob status is not FORCE_CHANGE_PASSWORD."


def test_phone_number_usernames(idp: Any, mailbox: Any) -> None:
    pool_id = idp.create_user_pool(PoolName="phones", UsernameAttributes=["phone_number"])[
        "UserPool"
    ]["Id"]
    user = idp.admin_create_user(
        UserPoolId=pool_id,
        Username="+15550100200",
        UserAttributes=[{"Name": "email", "Value": "pat@example.com"}],
        DesiredDeliveryMediums=["SMS"],
    )["User"]
    assert _attributes(user["Attributes"])["phone_number"] == "+15550100200"
    assert user["Username"] == _attributes(user["Attributes"])["sub"]
    assert (
        idp.admin_get_user(UserPoolId=pool_id, Username="+15550100200")["Username"]
        == (user["Username"])
    )
    # SMS was asked for, not email: no invitation mail goes out. Under make test-services a
    # worker sends mail later, so the outbox row (written with the request) is what proves it.
    assert not OutboxMessage.objects.filter(recipient="pat@example.com").exists()
    assert not [message for message in mailbox.all() if "pat@example.com" in message.to]
    with pytest.raises(idp.exceptions.InvalidParameterException) as not_phone:
        idp.admin_create_user(UserPoolId=pool_id, Username="pat@example.com")
    assert _error(not_phone)[1] == "Username should be a phone number."


@pytest.mark.parametrize(
    ("username", "attributes", "message"),
    [
        (
            "no-name",
            {},
            "Attributes did not conform to the schema: name: The attribute is required\n",
        ),
        (
            "shoes",
            {"name": "S", "shoe_size": "44"},
            "Attributes did not conform to the schema: shoe_size: "
            "Attribute does not exist in the schema.\n",
        ),
        (
            "custom",
            {"name": "C", "custom:nope": "x"},
            "Attributes did not conform to the schema: "
            "Type for attribute {custom:nope} could not be determined\n",
        ),
        (
            "flag",
            {"name": "F", "email_verified": "yes"},
            "Attributes did not conform to the schema: email_verified: "
            "Attribute value must be true or false\n",
        ),
        (
            "stamp",
            {"name": "T", "updated_at": "-5", "birthdate": "1990-1-1"},
            "Attributes did not conform to the schema: "
            "updated_at: Number must be greater than or equal to 0\n"
            "birthdate: String must be no shorter than 10 characters\n",
        ),
        (
            "nan",
            {"name": "T", "updated_at": "NaN"},
            "Attributes did not conform to the schema: updated_at: Number could not be parsed\n",
        ),
        ("mail", {"name": "M", "email": "not-an-email"}, "Invalid email address format."),
        ("phone", {"name": "P", "phone_number": "555-1234"}, "Invalid phone number format."),
        (
            "dan@example.com",
            {"name": "D"},
            "Username cannot be of email format, since user pool is configured for email alias.",
        ),
    ],
)
def test_admin_create_user_checks_the_schema(
    idp: Any, plain_pool: dict[str, Any], username: str, attributes: dict[str, str], message: str
) -> None:
    with pytest.raises(idp.exceptions.InvalidParameterException) as error:
        _create(idp, plain_pool["Id"], username, **attributes)
    assert _error(error) == ("InvalidParameterException", message)
    assert not PoolUser.objects.filter(pool_id=plain_pool["Id"]).exists()


def test_verified_alias_is_unique_unless_forced(idp: Any, plain_pool: dict[str, Any]) -> None:
    pool_id = plain_pool["Id"]
    verified = {"name": "N", "email": "shared@example.com", "email_verified": "true"}
    _create(idp, pool_id, "first", **verified)
    with pytest.raises(idp.exceptions.AliasExistsException) as taken:
        _create(idp, pool_id, "second", **verified)
    assert _error(taken) == (
        "AliasExistsException",
        "An account with the given email already exists.",
    )
    # Unverified, the same address is no sign-in alias, so there is no conflict.
    _create(idp, pool_id, "third", name="N", email="shared@example.com")

    idp.admin_create_user(
        UserPoolId=pool_id,
        Username="second",
        UserAttributes=[{"Name": k, "Value": v} for k, v in verified.items()],
        ForceAliasCreation=True,
        MessageAction="SUPPRESS",
    )
    first = _attributes(idp.admin_get_user(UserPoolId=pool_id, Username="first")["UserAttributes"])
    assert first["email"] == "shared@example.com"
    assert first["email_verified"] == "false"
    # The verified alias now signs in "second".
    assert idp.admin_get_user(UserPoolId=pool_id, Username="shared@example.com")["Username"] == (
        "second"
    )


def test_enable_disable_delete(idp: Any, pool: dict[str, Any]) -> None:
    pool_id = pool["Id"]
    sub = _create(idp, pool_id, "eve@example.com")["Username"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="web")["UserPoolClient"][
        "ClientId"
    ]
    issued = tokens.issue_token_set(
        client=AppClient.objects.get(client_id=client_id), user=_stored(pool_id, sub)
    )
    refresh = RefreshToken.objects.get(user__username=sub)

    assert idp.admin_disable_user(UserPoolId=pool_id, Username="eve@example.com")
    user = idp.admin_get_user(UserPoolId=pool_id, Username="eve@example.com")
    assert user["Enabled"] is False
    refresh.refresh_from_db()
    assert issued.refresh_token
    assert refresh.revoked is not None
    with pytest.raises(NotAuthorizedException):
        tokens.authenticate_access_token(issued.access_token)
    assert _stored(pool_id, sub).tokens_valid_after is not None
    assert user["UserLastModifiedDate"] >= user["UserCreateDate"]

    idp.admin_enable_user(UserPoolId=pool_id, Username="eve@example.com")
    assert idp.admin_get_user(UserPoolId=pool_id, Username=sub)["Enabled"] is True

    idp.admin_delete_user(UserPoolId=pool_id, Username="eve@example.com")
    for call in (idp.admin_get_user, idp.admin_delete_user, idp.admin_enable_user):
        with pytest.raises(idp.exceptions.UserNotFoundException) as gone:
            call(UserPoolId=pool_id, Username="eve@example.com")
        assert _error(gone) == ("UserNotFoundException", "User does not exist.")


def test_admin_set_user_password(idp: Any, pool: dict[str, Any]) -> None:
    pool_id = pool["Id"]
    sub = _create(idp, pool_id, "sam@example.com")["Username"]
    with pytest.raises(idp.exceptions.InvalidPasswordException) as weak:
        idp.admin_set_user_password(
            UserPoolId=pool_id, Username=sub, Password="NoSymbolsHere42", Permanent=True
        )
    assert _error(weak) == (
        "InvalidPasswordException",
        "Password does not conform to policy: Password must have symbol characters",
    )

    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=sub, Password="Permanent-Pass-1", Permanent=True
    )
    stored = _stored(pool_id, sub)
    assert stored.status == UserStatus.CONFIRMED
    assert stored.temporary_password_expires is None
    assert passwords.check_user_password(stored, "Permanent-Pass-1")

    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=sub, Password="Temporary-Pass-1", Permanent=False
    )
    stored = _stored(pool_id, sub)
    assert stored.status == UserStatus.FORCE_CHANGE_PASSWORD
    assert stored.temporary_password_expires is not None
    assert passwords.check_user_password(stored, "Temporary-Pass-1")
    with pytest.raises(idp.exceptions.UserNotFoundException):
        idp.admin_set_user_password(
            UserPoolId=pool_id, Username="nobody@example.com", Password="Whatever-Pass-1"
        )


def test_admin_update_and_delete_user_attributes(idp: Any, plain_pool: dict[str, Any]) -> None:
    pool_id = plain_pool["Id"]
    _create(idp, pool_id, "owner", name="Owner", email="owner@example.com", email_verified="true")
    _create(idp, pool_id, "kim", name="Kim", email="kim@example.com", email_verified="true")
    _create(idp, pool_id, "lee", name="Lee", **{"custom:tenant": "acme"})

    def attributes(username: str) -> dict[str, str]:
        found = idp.admin_get_user(UserPoolId=pool_id, Username=username)
        return _attributes(found["UserAttributes"])

    def update(username: str, **values: str) -> None:
        idp.admin_update_user_attributes(
            UserPoolId=pool_id,
            Username=username,
            UserAttributes=[{"Name": name, "Value": value} for name, value in values.items()],
        )

    update("kim", name="Kimberly", **{"custom:plan": "gold"})
    assert attributes("kim")["name"] == "Kimberly"
    assert attributes("kim")["custom:plan"] == "gold"
    # A new address is unverified unless the same call verifies it.
    update("kim", email="kim@new.example.com")
    assert attributes("kim")["email_verified"] == "false"
    update("kim", email="kim@newer.example.com", email_verified="true")
    assert attributes("kim")["email_verified"] == "true"
    assert idp.admin_get_user(UserPoolId=pool_id, Username="kim@newer.example.com")["Username"] == (
        "kim"
    )

    with pytest.raises(idp.exceptions.AliasExistsException) as taken:
        update("kim", email="owner@example.com", email_verified="true")
    assert _error(taken)[1] == "An account with the given email already exists."
    with pytest.raises(idp.exceptions.InvalidParameterException) as immutable:
        update("lee", **{"custom:tenant": "other"})
    assert _error(immutable)[1] == (
        "Invalid user attributes: user.custom:tenant: Attribute cannot be updated.\n"
    )
    with pytest.raises(idp.exceptions.InvalidParameterException) as unknown:
        update("lee", favourite_colour="blue")
    assert _error(unknown)[1] == (
        "Invalid user attributes: user.favourite_colour: Attribute does not exist in the schema.\n"
    )
    assert attributes("lee")["custom:tenant"] == "acme"

    idp.admin_delete_user_attributes(
        UserPoolId=pool_id, Username="kim", UserAttributeNames=["custom:plan", "email"]
    )
    remaining = attributes("kim")
    assert "custom:plan" not in remaining
    assert "email" not in remaining
    assert "email_verified" not in remaining
    with pytest.raises(idp.exceptions.InvalidParameterException) as required:
        idp.admin_delete_user_attributes(
            UserPoolId=pool_id, Username="kim", UserAttributeNames=["name"]
        )
    assert _error(required)[1] == "Invalid user attributes: user.name: The attribute is required\n"
    with pytest.raises(idp.exceptions.InvalidParameterException) as missing:
        idp.admin_delete_user_attributes(
            UserPoolId=pool_id, Username="kim", UserAttributeNames=["custom:foo", "custom:bar"]
        )
    assert _error(missing)[1] == (
        "Invalid user attributes: user.custom:foo: Attribute does not exist in the schema.\n"
        "user.custom:bar: Attribute does not exist in the schema.\n"
    )


def test_admin_email_change_waits_for_verification_when_the_pool_says_so(
    idp: Any, pool: dict[str, Any], mailbox: Any
) -> None:
    """The seed pool auto-verifies email and holds a verified email back until the new
    address is proven (AttributesRequireVerificationBeforeUpdate)."""
    pool_id = pool["Id"]
    _create(idp, pool_id, "vic@example.com", email_verified="true")
    _create(idp, pool_id, "wes@example.com", email_verified="true")

    idp.admin_update_user_attributes(
        UserPoolId=pool_id,
        Username="vic@example.com",
        UserAttributes=[{"Name": "email", "Value": "vic@new.example.com"}],
    )
    held = _attributes(
        idp.admin_get_user(UserPoolId=pool_id, Username="vic@example.com")["UserAttributes"]
    )
    assert (held["email"], held["email_verified"]) == ("vic@example.com", "true")
    assert len(mailbox.code_for("vic@new.example.com")) == 6

    with pytest.raises(idp.exceptions.AliasExistsException):
        idp.admin_update_user_attributes(
            UserPoolId=pool_id,
            Username="vic@example.com",
            UserAttributes=[{"Name": "email", "Value": "wes@example.com"}],
        )
    # An administrator who vouches for the address changes it at once.
    idp.admin_update_user_attributes(
        UserPoolId=pool_id,
        Username="vic@example.com",
        UserAttributes=[
            {"Name": "email", "Value": "vic@direct.example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
    )
    moved = idp.admin_get_user(UserPoolId=pool_id, Username="vic@direct.example.com")
    assert _attributes(moved["UserAttributes"])["email_verified"] == "true"


def test_admin_confirm_sign_up_only_from_unconfirmed(idp: Any, pool: dict[str, Any]) -> None:
    pool_id = pool["Id"]
    sub = _create(idp, pool_id, "una@example.com")["Username"]
    PoolUser.objects.filter(username=sub).update(status=UserStatus.UNCONFIRMED)

    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username="una@example.com")
    user = idp.admin_get_user(UserPoolId=pool_id, Username="una@example.com")
    assert user["UserStatus"] == "CONFIRMED"
    with pytest.raises(idp.exceptions.NotAuthorizedException) as again:
        idp.admin_confirm_sign_up(UserPoolId=pool_id, Username="una@example.com")
    assert _error(again) == (
        "NotAuthorizedException",
        "User cannot be confirmed. Current status is CONFIRMED",
    )


def test_admin_reset_user_password(idp: Any, pool: dict[str, Any], mailbox: Any) -> None:
    pool_id = pool["Id"]
    _create(idp, pool_id, "rae@example.com", email_verified="true")
    _create(idp, pool_id, "ron@example.com")

    with pytest.raises(idp.exceptions.NotAuthorizedException) as invited:
        idp.admin_reset_user_password(UserPoolId=pool_id, Username="rae@example.com")
    assert _error(invited)[1] == "User password cannot be reset in the current state."

    for username in ("rae@example.com", "ron@example.com"):
        idp.admin_set_user_password(
            UserPoolId=pool_id, Username=username, Password=STRONG_PASSWORD, Permanent=True
        )
    with pytest.raises(idp.exceptions.InvalidParameterException) as unverified:
        idp.admin_reset_user_password(UserPoolId=pool_id, Username="ron@example.com")
    assert _error(unverified)[1] == (
        "Cannot reset password for the user as there is no registered/verified email or "
        "phone_number"
    )

    idp.admin_reset_user_password(UserPoolId=pool_id, Username="rae@example.com")
    user = idp.admin_get_user(UserPoolId=pool_id, Username="rae@example.com")
    assert user["UserStatus"] == "RESET_REQUIRED"
    code = mailbox.code_for("rae@example.com")
    assert len(code) == 6

    idp.admin_disable_user(UserPoolId=pool_id, Username="rae@example.com")
    with pytest.raises(idp.exceptions.NotAuthorizedException) as disabled:
        idp.admin_reset_user_password(UserPoolId=pool_id, Username="rae@example.com")
    assert _error(disabled)[1] == "User is disabled."


def test_admin_get_user_reports_mfa_settings(idp: Any, pool: dict[str, Any]) -> None:
    pool_id = pool["Id"]
    sub = _create(idp, pool_id, "mia@example.com")["Username"]
    plain = idp.admin_get_user(UserPoolId=pool_id, Username=sub)
    assert "UserMFASettingList" not in plain
    assert "PreferredMfaSetting" not in plain
    PoolUser.objects.filter(username=sub).update(
        mfa_settings={
            "enabled": ["SOFTWARE_TOKEN_MFA"],
            "preferred": "SOFTWARE_TOKEN_MFA",
            "mfa_options": [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}],
        }
    )
    user = idp.admin_get_user(UserPoolId=pool_id, Username=sub)
    assert user["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert user["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    assert user["MFAOptions"] == [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]


def test_list_users_over_the_wire(idp: Any, pool: dict[str, Any]) -> None:
    pool_id = pool["Id"]
    for index in range(7):
        _create(idp, pool_id, f"member{index}@example.com", family_name=f"Family{index % 2}")
    idp.admin_disable_user(UserPoolId=pool_id, Username="member3@example.com")

    everyone = idp.list_users(UserPoolId=pool_id)
    assert len(everyone["Users"]) == 7
    assert "PaginationToken" not in everyone
    assert all(user["UserStatus"] == "FORCE_CHANGE_PASSWORD" for user in everyone["Users"])

    found = idp.list_users(UserPoolId=pool_id, Filter='email = "member4@example.com"')["Users"]
    assert [_attributes(user["Attributes"])["email"] for user in found] == ["member4@example.com"]
    odd = idp.list_users(UserPoolId=pool_id, Filter='family_name ^= "Family1"')["Users"]
    assert len(odd) == 3
    disabled = idp.list_users(UserPoolId=pool_id, Filter='status = "Disabled"')["Users"]
    assert [user["Enabled"] for user in disabled] == [False]

    only = idp.list_users(UserPoolId=pool_id, AttributesToGet=["email", "unknown"], Limit=1)
    assert [item["Name"] for item in only["Users"][0]["Attributes"]] == ["email"]

    pages = idp.get_paginator("list_users").paginate(
        UserPoolId=pool_id, PaginationConfig={"PageSize": 3}
    )
    sizes = [len(page["Users"]) for page in pages]
    assert sizes == [3, 3, 1]
    usernames = [
        user["Username"]
        for page in idp.get_paginator("list_users").paginate(
            UserPoolId=pool_id, PaginationConfig={"PageSize": 2}
        )
        for user in page["Users"]
    ]
    assert len(usernames) == len(set(usernames)) == 7

    with pytest.raises(idp.exceptions.InvalidParameterException) as bad_attribute:
        idp.list_users(UserPoolId=pool_id, Filter='custom:tenant = "acme"')
    assert _error(bad_attribute)[1] == "Invalid search attribute: custom:tenant"
    with pytest.raises(idp.exceptions.InvalidParameterException) as unparsable:
        idp.list_users(UserPoolId=pool_id, Filter="email = unquoted")
    assert _error(unparsable)[1] == "Error while parsing filter"
    with pytest.raises(idp.exceptions.InvalidParameterException) as bad_token:
        idp.list_users(UserPoolId=pool_id, PaginationToken="forged-token")
    assert _error(bad_token)[1] == "Invalid pagination token."
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.list_users(UserPoolId=pool_id, Limit=61)
