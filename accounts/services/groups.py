"""User-pool groups: CreateGroup, GetGroup, UpdateGroup, DeleteGroup, ListGroups,
AdminAddUserToGroup, AdminRemoveUserFromGroup, AdminListGroupsForUser, ListUsersInGroup."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import AuditEvent, Group, GroupMembership, PoolUser, UserPool
from core.errors import (
    GroupExistsException,
    InvalidParameterException,
    ResourceNotFoundException,
)
from core.pagination import Page, keyset_page

# ListGroups, ListUsersInGroup and AdminListGroupsForUser answer 60 items when Limit is
# absent or 0 (QueryLimitType is 0-60).
DEFAULT_PAGE_SIZE = 60
_UNCHANGED: Any = object()
# PrecedenceType is a 32-bit integer on the wire (the model gives only its minimum, 0).
_MAX_PRECEDENCE = 2**31 - 1


def get_group(pool: UserPool, name: str) -> Group:
    """GetGroup: the group by name; ResourceNotFoundException "Group not found." if absent."""
    group = Group.objects.select_related("pool").filter(pool=pool, name=name).first()
    if group is None:
        raise ResourceNotFoundException("Group not found.")
    return group


def _check_precedence(precedence: int | None) -> None:
    if precedence is not None and precedence > _MAX_PRECEDENCE:
        raise InvalidParameterException(
            f"1 validation error detected: Value '{precedence}' at 'precedence' failed to "
            f"satisfy constraint: Member must have value less than or equal to {_MAX_PRECEDENCE}"
        )


@transaction.atomic
def create_group(
    *,
    pool: UserPool,
    name: str,
    description: str | None = None,
    role_arn: str | None = None,
    precedence: int | None = None,
) -> Group:
    """CreateGroup; a name already used in the pool is GroupExistsException."""
    _check_precedence(precedence)
    now = timezone.now()
    group = Group(
        pool=pool,
        name=name,
        description=description or "",
        role_arn=role_arn or "",
        precedence=precedence,
        created=now,
        modified=now,
    )
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError as exc:
        raise GroupExistsException("A group with the name already exists.") from exc
    return group


@transaction.atomic
def update_group(
    *,
    group: Group,
    description: str | None = _UNCHANGED,
    role_arn: str | None = _UNCHANGED,
    precedence: int | None = _UNCHANGED,
) -> Group:
    """UpdateGroup: only the members given change (Cognito's "updates any of the
    properties for precedence, IAM role, or description")."""
    if description is not _UNCHANGED:
        group.description = description or ""
    if role_arn is not _UNCHANGED:
        group.role_arn = role_arn or ""
    if precedence is not _UNCHANGED:
        _check_precedence(precedence)
        group.precedence = precedence
    group.modified = timezone.now()
    group.save()
    return group


@transaction.atomic
def delete_group(*, group: Group) -> None:
    """DeleteGroup: the memberships go with it; users stay."""
    AuditEvent.objects.create(
        pool=group.pool,
        event="group_deleted",
        details={"group": group.name, "members": group.members.count()},
    )
    group.delete()


@transaction.atomic
def admin_add_user_to_group(*, group: Group, user: PoolUser) -> None:
    """AdminAddUserToGroup; adding a member again changes nothing."""
    _, created = GroupMembership.objects.get_or_create(group=group, user=user)
    if created:
        AuditEvent.objects.create(
            pool=group.pool, user=user, event="group_member_added", details={"group": group.name}
        )


@transaction.atomic
def admin_remove_user_from_group(*, group: Group, user: PoolUser) -> None:
    """AdminRemoveUserFromGroup; removing a non-member changes nothing."""
    removed, _ = GroupMembership.objects.filter(group=group, user=user).delete()
    if removed:
        AuditEvent.objects.create(
            pool=group.pool, user=user, event="group_member_removed", details={"group": group.name}
        )


def user_groups(user: PoolUser) -> list[Group]:
    """The user's groups in token order: by precedence (lowest first, none last), then name
    (the ``cognito:groups`` claim and ``cognito:preferred_role``)."""
    return list(
        Group.objects.filter(members=user).order_by(F("precedence").asc(nulls_last=True), "name")
    )


def _page_size(limit: int | None) -> int:
    return limit or DEFAULT_PAGE_SIZE


def list_groups(*, pool: UserPool, limit: int | None, next_token: str | None) -> Page[Group]:
    """ListGroups: keyset pages ordered by group name."""
    return keyset_page(
        Group.objects.filter(pool=pool),
        scope=f"ListGroups:{pool.id}",
        next_token=next_token,
        size=_page_size(limit),
        key="name",
    )


def admin_list_groups_for_user(
    *, user: PoolUser, limit: int | None, next_token: str | None
) -> Page[Group]:
    """AdminListGroupsForUser: the user's groups, keyset pages ordered by name."""
    return keyset_page(
        Group.objects.filter(members=user),
        scope=f"AdminListGroupsForUser:{user.pk}",
        next_token=next_token,
        size=_page_size(limit),
        key="name",
    )


def list_users_in_group(
    *, group: Group, limit: int | None, next_token: str | None
) -> Page[PoolUser]:
    """ListUsersInGroup: the members, keyset pages in creation order (user id)."""
    return keyset_page(
        PoolUser.objects.select_related("pool").filter(groups=group),
        scope=f"ListUsersInGroup:{group.pk}",
        next_token=next_token,
        size=_page_size(limit),
    )
