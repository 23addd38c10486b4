"""User-pool group actions (SigV4)."""

from __future__ import annotations

from typing import Any

from accounts.models import Group
from accounts.services import groups, pools, users
from api.registry import IDP, RequestContext, action
from api.shapes import groups as shapes
from api.shapes.users import user_type

# UpdateGroup members that change the group when present (wire name -> service keyword).
_UPDATABLE = {"Description": "description", "RoleArn": "role_arn", "Precedence": "precedence"}


def _group(params: dict[str, Any]) -> Group:
    return groups.get_group(pools.get_user_pool(params["UserPoolId"]), params["GroupName"])


def _paged(key: str, page: Any, shape: Any) -> dict[str, Any]:
    result: dict[str, Any] = {key: [shape(item) for item in page.items]}
    if page.next_token:
        result["NextToken"] = page.next_token
    return result


@action(IDP, "CreateGroup")
def create_group(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    group = groups.create_group(
        pool=pools.get_user_pool(params["UserPoolId"]),
        name=params["GroupName"],
        description=params.get("Description"),
        role_arn=params.get("RoleArn"),
        precedence=params.get("Precedence"),
    )
    return {"Group": shapes.group_type(group)}


@action(IDP, "GetGroup")
def get_group(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    return {"Group": shapes.group_type(_group(params))}


@action(IDP, "UpdateGroup")
def update_group(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    changes = {keyword: params[name] for name, keyword in _UPDATABLE.items() if name in params}
    group = groups.update_group(group=_group(params), **changes)
    return {"Group": shapes.group_type(group)}


@action(IDP, "DeleteGroup")
def delete_group(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    groups.delete_group(group=_group(params))
    return {}


@action(IDP, "ListGroups")
def list_groups(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    page = groups.list_groups(
        pool=pools.get_user_pool(params["UserPoolId"]),
        limit=params.get("Limit"),
        next_token=params.get("NextToken"),
    )
    return _paged("Groups", page, shapes.group_type)


@action(IDP, "AdminAddUserToGroup")
def admin_add_user_to_group(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    pool = pools.get_user_pool(params["UserPoolId"])
    group = groups.get_group(pool, params["GroupName"])
    groups.admin_add_user_to_group(group=group, user=users.get_user(pool, params["Username"]))
    return {}


@action(IDP, "AdminRemoveUserFromGroup")
def admin_remove_user_from_group(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    pool = pools.get_user_pool(params["UserPoolId"])
    group = groups.get_group(pool, params["GroupName"])
    groups.admin_remove_user_from_group(group=group, user=users.get_user(pool, params["Username"]))
    return {}


@action(IDP, "AdminListGroupsForUser")
def admin_list_groups_for_user(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    pool = pools.get_user_pool(params["UserPoolId"])
    page = groups.admin_list_groups_for_user(
        user=users.get_user(pool, params["Username"]),
        limit=params.get("Limit"),
        next_token=params.get("NextToken"),
    )
    return _paged("Groups", page, shapes.group_type)


@action(IDP, "ListUsersInGroup")
def list_users_in_group(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    page = groups.list_users_in_group(
        group=_group(params), limit=params.get("Limit"), next_token=params.get("NextToken")
    )
    return _paged("Users", page, user_type)
