"""Resource servers: CreateResourceServer, DescribeResourceServer, ListResourceServers,
UpdateResourceServer, DeleteResourceServer, and the custom scopes they define.

A custom scope is ``<Identifier>/<ScopeName>`` (reference §4). App clients may be allowed
custom scopes of their pool's resource servers; ``client_credentials`` tokens carry only
those. A scope that disappears (UpdateResourceServer without it, DeleteResourceServer)
is taken out of every client's AllowedOAuthScopes too, so no client keeps a scope that
no longer exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q

from accounts.models import AuditEvent, UserPool
from core.errors import InvalidParameterException, LimitExceededException, ResourceNotFoundException
from core.pagination import Page, make_token, read_token
from oauth.models import AppClient, ResourceServer

# Cognito's quota: 25 resource servers per user pool (awsdocs, quotas).
MAX_RESOURCE_SERVERS = 25
DEFAULT_LIST_LIMIT = 50


def split_custom_scope(scope: str) -> tuple[str, str] | None:
    """``(identifier, scope name)`` of a custom scope; scope names cannot contain ``/``
    (botocore's ResourceServerScopeNameType) while identifiers may (``https://api/x``)."""
    identifier, slash, name = scope.rpartition("/")
    if not (slash and identifier and name):
        return None
    return identifier, name


def custom_scopes(pool: UserPool) -> frozenset[str]:
    """Every ``<identifier>/<scope>`` the pool's resource servers define."""
    return frozenset(
        scope
        for server in ResourceServer.objects.filter(pool=pool)
        for scope in server.scope_strings()
    )


def get_resource_server(pool: UserPool, identifier: str) -> ResourceServer:
    server = ResourceServer.objects.filter(pool=pool, identifier=identifier).first()
    if server is None:
        raise ResourceNotFoundException(f"Resource server {identifier} does not exist.")
    server.pool = pool
    return server


def _clean_scopes(scopes: Sequence[Mapping[str, Any]] | None) -> list[dict[str, str]]:
    cleaned: list[dict[str, str]] = []
    seen: set[str] = set()
    for scope in scopes or []:
        name = str(scope["ScopeName"])
        if name in seen:
            raise InvalidParameterException(f"Duplicate scope name: {name}")
        seen.add(name)
        cleaned.append({"ScopeName": name, "ScopeDescription": str(scope["ScopeDescription"])})
    return cleaned


def _drop_client_scopes(pool: UserPool, removed: Iterable[str]) -> None:
    gone = set(removed)
    if not gone:
        return
    for client in AppClient.objects.filter(pool=pool).select_for_update():
        allowed = list(client.allowed_oauth_scopes or [])
        kept = [scope for scope in allowed if scope not in gone]
        if kept != allowed:
            client.allowed_oauth_scopes = kept
            client.save(update_fields=["allowed_oauth_scopes"])


def _audit(pool: UserPool, event: str, identifier: str, actor: str) -> None:
    AuditEvent.objects.create(
        pool=pool, event=event, actor=actor, details={"identifier": identifier}
    )


@transaction.atomic
def create_resource_server(
    *,
    pool: UserPool,
    identifier: str,
    name: str,
    scopes: Sequence[Mapping[str, Any]] | None,
    actor: str = "",
) -> ResourceServer:
    # The pool's row, not its servers' (a pool's first server has none to lock): two
    # creates at once take turns, so the second sees the first's identifier and count.
    UserPool.objects.select_for_update().filter(pk=pool.pk).first()
    existing = list(ResourceServer.objects.filter(pool=pool))
    if any(server.identifier == identifier for server in existing):
        raise InvalidParameterException(
            f"A resource server with identifier {identifier} already exists in this user pool."
        )
    if len(existing) >= MAX_RESOURCE_SERVERS:
        raise LimitExceededException(
            f"A user pool can have at most {MAX_RESOURCE_SERVERS} resource servers."
        )
    server = ResourceServer.objects.create(
        pool=pool, identifier=identifier, name=name, scopes=_clean_scopes(scopes)
    )
    _audit(pool, "CreateResourceServer", identifier, actor)
    return server


def describe_resource_server(*, pool: UserPool, identifier: str) -> ResourceServer:
    return get_resource_server(pool, identifier)


@transaction.atomic
def update_resource_server(
    *,
    pool: UserPool,
    identifier: str,
    name: str,
    scopes: Sequence[Mapping[str, Any]] | None,
    actor: str = "",
) -> ResourceServer:
    """UpdateResourceServer replaces the name and the whole scope list (a scope left out
    is deleted, as in Cognito)."""
    server = get_resource_server(pool, identifier)
    before = set(server.scope_strings())
    server.name = name
    server.scopes = _clean_scopes(scopes)
    server.save(update_fields=["name", "scopes"])
    _drop_client_scopes(pool, before - set(server.scope_strings()))
    _audit(pool, "UpdateResourceServer", identifier, actor)
    return server


@transaction.atomic
def delete_resource_server(*, pool: UserPool, identifier: str, actor: str = "") -> None:
    server = get_resource_server(pool, identifier)
    _drop_client_scopes(pool, server.scope_strings())
    server.delete()
    _audit(pool, "DeleteResourceServer", identifier, actor)


def list_resource_servers(
    *, pool: UserPool, limit: int | None = None, next_token: str | None = None
) -> Page[ResourceServer]:
    """ListResourceServers: keyset pages in creation order."""
    scope = f"ListResourceServers:{pool.id}"
    after = read_token(scope, next_token)
    limit = limit or DEFAULT_LIST_LIMIT
    query = ResourceServer.objects.filter(pool=pool).order_by("created", "id")
    if after is not None:
        created = datetime.fromisoformat(after[0])
        query = query.filter(Q(created__gt=created) | Q(created=created, id__gt=after[1]))
    items = list(query[: limit + 1])
    for item in items:
        item.pool = pool
    if len(items) <= limit:
        return Page(items, None)
    items = items[:limit]
    last = items[-1]
    return Page(items, make_token(scope, [last.created.isoformat(), last.id]))
