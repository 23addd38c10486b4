"""GetUser, ChangePassword, UpdateUserAttributes, GetUserAttributeVerificationCode,
VerifyUserAttribute, DeleteUserAttributes and DeleteUser with a real access token."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

PASSWORD = "Correct-Horse-42!"
NEW_PASSWORD = "Battery-Staple-77?"
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def _client_id(idp: Any, pool_id: str, **settings: Any) -> str:
    response = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="app",
        ExplicitAuthFlows=FLOWS,
        PreventUserExistenceErrors="LEGACY",
        **settings,
    )
    return str(response["UserPoolClient"]["ClientId"])


def _sign_in(idp_public: Any, client_id: str, username: str, password: str = PASSWORD) -> str:
    response = idp_public.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return str(response["AuthenticationResult"]["AccessToken"])


def _registered(
    idp_public: Any, mailbox: Any, client_id: str, username: str, email: str, **extra: str
) -> str:
    """Sign up, confirm with the mailed code, sign in: the access token."""
    attributes = [{"Name": "email", "Value": email}] if username != email else []
    attributes += [{"Name": name, "Value": value} for name, value in extra.items()]
    idp_public.sign_up(
        ClientId=client_id, Username=username, Password=PASSWORD, UserAttributes=attributes
    )
    idp_public.confirm_sign_up(
        ClientId=client_id, Username=username, ConfirmationCode=mailbox.code_for(email)
    )
    return _sign_in(idp_public, client_id, username)


def _attributes(idp_public: Any, access_token: str) -> dict[str, str]:
    response = idp_public.get_user(AccessToken=access_token)
    return {item["Name"]: item["Value"] for item in response["UserAttributes"]}


def test_get_user_and_change_password(
    idp: Any, idp_public: Any, pool: dict[str, Any], mailbox: Any
) -> None:
    client_id = _client_id(idp, pool["Id"])
    token = _registered(
        idp_public, mailbox, client_id, "ann@example.com", "ann@example.com", name="Ann"
    )
    response = idp_public.get_user(AccessToken=token)
    attributes = {item["Name"]: item["Value"] for item in response["UserAttributes"]}
    assert response["Username"] == attributes["sub"]
    assert attributes["email"] == "ann@example.com"
    assert attributes["email_verified"] == "true"
    assert attributes["name"] == "Ann"
    assert "UserMFASettingList" not in response

    with pytest.raises(ClientError) as excinfo:
        idp_public.get_user(AccessToken="not-a-token")
    assert _error(excinfo) == ("NotAuthorizedException", "Invalid Access Token")

    with pytest.raises(ClientError) as excinfo:
        idp_public.change_password(
            AccessToken=token, PreviousPassword="Wrong-Password-1!", ProposedPassword=NEW_PASSWORD
        )
    assert _error(excinfo) == ("NotAuthorizedException", "Incorrect username or password.")
    with pytest.raises(ClientError) as excinfo:
        idp_public.change_password(
            AccessToken=token, PreviousPassword=PASSWORD, ProposedPassword="No-Numbers-Here!"
        )
    assert _error(excinfo) == (
        "InvalidPasswordException",
        "Password does not conform to policy: Password must have numeric characters",
    )

    idp_public.change_password(
        AccessToken=token, PreviousPassword=PASSWORD, ProposedPassword=NEW_PASSWORD
    )
    # The session survives a password change; the old password does not.
    assert _attributes(idp_public, token)["email"] == "ann@example.com"
    with pytest.raises(ClientError) as excinfo:
        _sign_in(idp_public, client_id, "ann@example.com", PASSWORD)
    assert _error(excinfo)[0] == "NotAuthorizedException"
    assert _sign_in(idp_public, client_id, "ann@example.com", NEW_PASSWORD)


def test_held_back_email_stays_until_the_new_one_is_verified(
    idp: Any, idp_public: Any, pool: dict[str, Any], mailbox: Any
) -> None:
    # The seed pool: email is the username and AttributesRequireVerificationBeforeUpdate=[email].
    client_id = _client_id(idp, pool["Id"])
    token = _registered(idp_public, mailbox, client_id, "old@example.com", "old@example.com")

    response = idp_public.update_user_attributes(
        AccessToken=token,
        UserAttributes=[
            {"Name": "email", "Value": "new@example.com"},
            {"Name": "name", "Value": "Renamed"},
        ],
    )
    assert response["CodeDeliveryDetailsList"] == [
        {"Destination": "n***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    ]
    attributes = _attributes(idp_public, token)
    assert attributes["email"] == "old@example.com"
    assert attributes["email_verified"] == "true"
    assert attributes["name"] == "Renamed"
    first_code = mailbox.code_for("new@example.com")
    assert _sign_in(idp_public, client_id, "old@example.com")
    with pytest.raises(ClientError):
        _sign_in(idp_public, client_id, "new@example.com")

    wrong = f"{(int(first_code) + 1) % 1_000_000:06d}"
    with pytest.raises(ClientError) as excinfo:
        idp_public.verify_user_attribute(AccessToken=token, AttributeName="email", Code=wrong)
    assert _error(excinfo)[0] == "CodeMismatchException"

    # A new code goes to the address still waiting for verification.
    resent = idp_public.get_user_attribute_verification_code(
        AccessToken=token, AttributeName="email"
    )
    assert resent["CodeDeliveryDetails"]["Destination"] == "n***@e***"
    code = mailbox.code_for("new@example.com")
    idp_public.verify_user_attribute(AccessToken=token, AttributeName="email", Code=code)
    attributes = _attributes(idp_public, token)
    assert attributes["email"] == "new@example.com"
    assert attributes["email_verified"] == "true"
    assert _sign_in(idp_public, client_id, "new@example.com")
    with pytest.raises(ClientError):
        _sign_in(idp_public, client_id, "old@example.com")

    with pytest.raises(ClientError) as excinfo:
        idp_public.verify_user_attribute(AccessToken=token, AttributeName="email", Code=code)
    assert _error(excinfo)[0] == "ExpiredCodeException"


def test_changed_email_is_unverified_until_its_code_is_entered(
    idp: Any, idp_public: Any, mailbox: Any
) -> None:
    pool_id = idp.create_user_pool(PoolName="usernames", AutoVerifiedAttributes=["email"])[
        "UserPool"
    ]["Id"]
    client_id = _client_id(idp, pool_id)
    token = _registered(idp_public, mailbox, client_id, "bob", "bob@example.com")
    assert _attributes(idp_public, token)["email_verified"] == "true"

    response = idp_public.update_user_attributes(
        AccessToken=token, UserAttributes=[{"Name": "email", "Value": "bob2@example.com"}]
    )
    assert response["CodeDeliveryDetailsList"][0]["Destination"] == "b***@e***"
    attributes = _attributes(idp_public, token)
    assert attributes["email"] == "bob2@example.com"
    assert attributes["email_verified"] == "false"

    with pytest.raises(ClientError) as excinfo:
        idp_public.get_user_attribute_verification_code(
            AccessToken=token, AttributeName="given_name"
        )
    assert _error(excinfo)[0] == "InvalidParameterException"
    idp_public.verify_user_attribute(
        AccessToken=token, AttributeName="email", Code=mailbox.code_for("bob2@example.com")
    )
    assert _attributes(idp_public, token)["email_verified"] == "true"


def test_client_attribute_permissions_and_account_deletion(
    idp: Any, idp_public: Any, pool: dict[str, Any], mailbox: Any
) -> None:
    client_id = _client_id(idp, pool["Id"])
    token = _registered(
        idp_public,
        mailbox,
        client_id,
        "carol@example.com",
        "carol@example.com",
        name="Carol",
        family_name="King",
    )
    with pytest.raises(ClientError) as excinfo:
        idp_public.update_user_attributes(
            AccessToken=token, UserAttributes=[{"Name": "email_verified", "Value": "true"}]
        )
    assert _error(excinfo) == (
        "NotAuthorizedException",
        "A client attempted to write unauthorized attribute",
    )

    narrow_client = _client_id(
        idp, pool["Id"], ReadAttributes=["email", "name"], WriteAttributes=["name"]
    )
    narrow_token = _sign_in(idp_public, narrow_client, "carol@example.com")
    assert set(_attributes(idp_public, narrow_token)) == {"sub", "email", "name"}
    with pytest.raises(ClientError) as excinfo:
        idp_public.update_user_attributes(
            AccessToken=narrow_token, UserAttributes=[{"Name": "family_name", "Value": "Queen"}]
        )
    assert _error(excinfo)[0] == "NotAuthorizedException"
    with pytest.raises(ClientError) as excinfo:
        idp_public.delete_user_attributes(
            AccessToken=narrow_token, UserAttributeNames=["family_name"]
        )
    assert _error(excinfo)[0] == "NotAuthorizedException"
    idp_public.update_user_attributes(
        AccessToken=narrow_token, UserAttributes=[{"Name": "name", "Value": "Caroline"}]
    )
    assert _attributes(idp_public, token)["name"] == "Caroline"

    idp_public.delete_user_attributes(AccessToken=token, UserAttributeNames=["family_name"])
    assert "family_name" not in _attributes(idp_public, token)

    idp_public.delete_user(AccessToken=token)
    with pytest.raises(ClientError) as excinfo:
        idp_public.get_user(AccessToken=token)
    assert _error(excinfo)[0] == "NotAuthorizedException"
    with pytest.raises(ClientError) as excinfo:
        idp.admin_get_user(UserPoolId=pool["Id"], Username="carol@example.com")
    assert _error(excinfo)[0] == "UserNotFoundException"
