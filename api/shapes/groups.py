"""PascalCase output shapes for user-pool groups (GroupType)."""

from __future__ import annotations

from typing import Any

from accounts.models import Group


def group_type(group: Group) -> dict[str, Any]:
    """GroupType; Description, RoleArn and Precedence appear only when set."""
    shape: dict[str, Any] = {
        "GroupName": group.name,
        "UserPoolId": group.pool_id,
        "LastModifiedDate": group.modified,
        "CreationDate": group.created,
    }
    if group.description:
        shape["Description"] = group.description
    if group.role_arn:
        shape["RoleArn"] = group.role_arn
    if group.precedence is not None:
        shape["Precedence"] = group.precedence
    return shape
