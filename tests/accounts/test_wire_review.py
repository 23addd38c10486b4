"""Wire behaviour found in review against AWS-verified evidence (see tests/api/test_moto_verified.py
for the moto tests themselves)."""

from __future__ import annotations

from typing import Any


def _attributes(user: dict[str, Any], key: str = "UserAttributes") -> dict[str, str]:
    return {item["Name"]: item["Value"] for item in user[key]}


def test_boolean_attributes_are_taken_in_any_case_and_stored_lower_case(idp: Any) -> None:
    # AWS accepted email_verified "True" (moto's AWS-verified
    # test_forgot_password_with_email_delivery_details); Tessera refused it as "must be true
    # or false". Stored lower case, so the address counts as verified everywhere.
    pool_id = idp.create_user_pool(
        PoolName="booleans", Schema=[{"Name": "vip", "AttributeDataType": "Boolean"}]
    )["UserPool"]["Id"]
    created = idp.admin_create_user(
        UserPoolId=pool_id,
        Username="bob",
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": "bob@example.com"},
            {"Name": "email_verified", "Value": "True"},
            {"Name": "custom:vip", "Value": "FALSE"},
        ],
    )["User"]
    assert _attributes(created, "Attributes")["email_verified"] == "true"
    assert _attributes(created, "Attributes")["custom:vip"] == "false"

    idp.admin_update_user_attributes(
        UserPoolId=pool_id,
        Username="bob",
        UserAttributes=[{"Name": "custom:vip", "Value": "True"}],
    )
    stored = _attributes(idp.admin_get_user(UserPoolId=pool_id, Username="bob"))
    assert stored["custom:vip"] == "true"
    assert stored["email_verified"] == "true"
    # The email is a verified channel: ListUsers' indexed filter sees the same user.
    listed = idp.list_users(UserPoolId=pool_id, Filter='email = "bob@example.com"')["Users"]
    assert [user["Username"] for user in listed] == ["bob"]
