"""User-pool groups over the wire: CRUD, memberships by username or alias, paging."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def _create_user(idp: Any, pool_id: str, email: str) -> str:
    """A user of the email-as-username pool; returns the stored username (the sub)."""
    user = idp.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        UserAttributes=[{"Name": "email", "Value": email}],
        MessageAction="SUPPRESS",
    )["User"]
    return str(user["Username"])


def _all_pages(call: Any, key: str, **kwargs: Any) -> list[Any]:
    items: list[Any] = []
    while True:
        page = call(**kwargs)
        items += page[key]
        if "NextToken" not in page:
            return items
        kwargs["NextToken"] = page["NextToken"]


def test_group_lifecycle(idp: Any, pool: dict[str, Any]) -> None:
    pool_id = pool["Id"]
    role = "arn:aws:iam::123456789012:role/admins"
    created = idp.create_group(
        UserPoolId=pool_id,
        GroupName="admins",
        Description="Administrators",
        RoleArn=role,
        Precedence=1,
    )["Group"]
    assert created["GroupName"] == "admins"
    assert created["UserPoolId"] == pool_id
    assert created["Description"] == "Administrators"
    assert created["RoleArn"] == role
    assert created["Precedence"] == 1
    assert created["CreationDate"] == created["LastModifiedDate"]
    assert idp.get_group(UserPoolId=pool_id, GroupName="admins")["Group"] == created

    bare = idp.create_group(UserPoolId=pool_id, GroupName="readers")["Group"]
    assert set(bare) == {"GroupName", "UserPoolId", "CreationDate", "LastModifiedDate"}

    with pytest.raises(ClientError) as excinfo:
        idp.create_group(UserPoolId=pool_id, GroupName="admins")
    assert _error(excinfo) == ("GroupExistsException", "A group with the name already exists.")
    for call in (
        lambda: idp.create_group(UserPoolId=pool_id, GroupName="huge", Precedence=2**31),
        lambda: idp.update_group(UserPoolId=pool_id, GroupName="admins", Precedence=2**40),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert _error(excinfo)[0] == "InvalidParameterException"

    # UpdateGroup changes only the members it is given.
    updated = idp.update_group(UserPoolId=pool_id, GroupName="admins", Precedence=5)["Group"]
    assert updated["Precedence"] == 5
    assert updated["Description"] == "Administrators"
    assert updated["RoleArn"] == role
    assert updated["LastModifiedDate"] >= created["LastModifiedDate"]
    updated = idp.update_group(UserPoolId=pool_id, GroupName="admins", Description="Admins")
    assert updated["Group"]["Description"] == "Admins"
    assert updated["Group"]["Precedence"] == 5

    names = [group["GroupName"] for group in idp.list_groups(UserPoolId=pool_id)["Groups"]]
    assert names == ["admins", "readers"]

    idp.delete_group(UserPoolId=pool_id, GroupName="admins")
    for call in (
        lambda: idp.get_group(UserPoolId=pool_id, GroupName="admins"),
        lambda: idp.update_group(UserPoolId=pool_id, GroupName="admins", Precedence=1),
        lambda: idp.delete_group(UserPoolId=pool_id, GroupName="admins"),
        lambda: idp.list_users_in_group(UserPoolId=pool_id, GroupName="admins"),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert _error(excinfo) == ("ResourceNotFoundException", "Group not found.")
    assert [group["GroupName"] for group in idp.list_groups(UserPoolId=pool_id)["Groups"]] == [
        "readers"
    ]


def test_groups_are_scoped_to_their_pool(idp: Any, pool: dict[str, Any]) -> None:
    other = idp.create_user_pool(PoolName="other")["UserPool"]["Id"]
    idp.create_group(UserPoolId=pool["Id"], GroupName="staff")
    # The same name is free in another pool.
    idp.create_group(UserPoolId=other, GroupName="staff")
    idp.delete_group(UserPoolId=other, GroupName="staff")
    assert idp.get_group(UserPoolId=pool["Id"], GroupName="staff")["Group"]["GroupName"] == "staff"

    with pytest.raises(ClientError) as excinfo:
        idp.create_group(UserPoolId="us-east-1_Nope12345", GroupName="staff")
    assert _error(excinfo) == (
        "ResourceNotFoundException",
        "User pool us-east-1_Nope12345 does not exist.",
    )
    with pytest.raises(ClientError) as excinfo:
        idp.list_groups(UserPoolId="us-east-1_Nope12345")
    assert _error(excinfo)[0] == "ResourceNotFoundException"


def test_memberships(idp: Any, pool: dict[str, Any]) -> None:
    pool_id = pool["Id"]
    alice = _create_user(idp, pool_id, "alice@example.com")
    bob = _create_user(idp, pool_id, "bob@example.com")
    idp.create_group(UserPoolId=pool_id, GroupName="editors", Precedence=2)
    idp.create_group(UserPoolId=pool_id, GroupName="admins", Precedence=1)

    # Users are named by their email alias or by their stored username alike.
    idp.admin_add_user_to_group(
        UserPoolId=pool_id, Username="alice@example.com", GroupName="admins"
    )
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username=alice, GroupName="editors")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username=alice, GroupName="editors")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username=bob, GroupName="editors")

    groups = idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="alice@example.com")
    assert [group["GroupName"] for group in groups["Groups"]] == ["admins", "editors"]
    assert groups["Groups"][0]["Precedence"] == 1

    members = idp.list_users_in_group(UserPoolId=pool_id, GroupName="editors")["Users"]
    assert [user["Username"] for user in members] == [alice, bob]
    first = members[0]
    assert {"Name": "email", "Value": "alice@example.com"} in first["Attributes"]
    assert first["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert first["Enabled"] is True
    assert "UserCreateDate" in first

    idp.admin_remove_user_from_group(UserPoolId=pool_id, Username=alice, GroupName="editors")
    # Removing a user who is not a member succeeds, as in Cognito.
    idp.admin_remove_user_from_group(UserPoolId=pool_id, Username=alice, GroupName="editors")
    members = idp.list_users_in_group(UserPoolId=pool_id, GroupName="editors")["Users"]
    assert [user["Username"] for user in members] == [bob]

    # Deleting a group keeps its members; deleting a user drops its memberships.
    idp.delete_group(UserPoolId=pool_id, GroupName="editors")
    assert idp.admin_get_user(UserPoolId=pool_id, Username=bob)["Username"] == bob
    idp.admin_delete_user(UserPoolId=pool_id, Username=alice)
    assert idp.list_users_in_group(UserPoolId=pool_id, GroupName="admins")["Users"] == []

    for call in (
        lambda: idp.admin_add_user_to_group(
            UserPoolId=pool_id, Username="nobody@example.com", GroupName="admins"
        ),
        lambda: idp.admin_remove_user_from_group(
            UserPoolId=pool_id, Username="nobody@example.com", GroupName="admins"
        ),
        lambda: idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="nobody"),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert _error(excinfo) == ("UserNotFoundException", "User does not exist.")
    with pytest.raises(ClientError) as excinfo:
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=bob, GroupName="absent")
    assert _error(excinfo) == ("ResourceNotFoundException", "Group not found.")


def test_paging_groups_and_members(idp: Any, pool: dict[str, Any]) -> None:
    pool_id = pool["Id"]
    names = [f"g{n:02d}" for n in range(7)]
    for name in names:
        idp.create_group(UserPoolId=pool_id, GroupName=name)
    user = _create_user(idp, pool_id, "carol@example.com")
    for name in names[:5]:
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=user, GroupName=name)
    usernames = [user] + [_create_user(idp, pool_id, f"u{n}@example.com") for n in range(4)]
    for username in usernames[1:]:
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName="g00")

    first = idp.list_groups(UserPoolId=pool_id, Limit=3)
    assert len(first["Groups"]) == 3
    assert "NextToken" in first
    listed = _all_pages(idp.list_groups, "Groups", UserPoolId=pool_id, Limit=3)
    assert [group["GroupName"] for group in listed] == names
    assert "NextToken" not in idp.list_groups(UserPoolId=pool_id, Limit=7)

    mine = _all_pages(
        idp.admin_list_groups_for_user, "Groups", UserPoolId=pool_id, Username=user, Limit=2
    )
    assert [group["GroupName"] for group in mine] == names[:5]

    members = _all_pages(
        idp.list_users_in_group, "Users", UserPoolId=pool_id, GroupName="g00", Limit=2
    )
    assert [member["Username"] for member in members] == usernames

    # A token belongs to the listing it came from.
    token = idp.list_groups(UserPoolId=pool_id, Limit=1)["NextToken"]
    with pytest.raises(ClientError) as excinfo:
        idp.list_users_in_group(UserPoolId=pool_id, GroupName="g00", NextToken=token)
    assert _error(excinfo)[0] == "InvalidParameterException"
