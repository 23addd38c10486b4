"""Opaque, tamper-proof pagination tokens for keyset paging (``NextToken``,
``PaginationToken``). A token names the last key returned and the query it belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.core import signing
from django.db.models import Model, Q, QuerySet

from core.errors import InvalidParameterException

T = TypeVar("T")
M = TypeVar("M", bound=Model)
_SALT = "tessera.pagination"


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_token: str | None


def make_token(scope: str, last_key: Any) -> str:
    return signing.dumps({"s": scope, "k": last_key}, salt=_SALT, compress=True)


def read_token(scope: str, token: str | None) -> Any:
    """The last key a token names, or None for the first page."""
    if not token:
        return None
    try:
        data = signing.loads(token, salt=_SALT)
    except signing.BadSignature as exc:
        raise InvalidParameterException("Invalid pagination token.") from exc
    if not isinstance(data, dict) or data.get("s") != scope:
        raise InvalidParameterException("Invalid pagination token.")
    return data.get("k")


def keyset_page(
    query: QuerySet[M], *, scope: str, next_token: str | None, size: int, key: str = "pk"
) -> Page[M]:
    """One page of ``query`` ordered by the unique field ``key``, resuming after the key a
    ``next_token`` of the same ``scope`` names; the page's token is None on the last page."""
    after = read_token(scope, next_token)
    query = query.order_by(key)
    if after is not None:
        query = query.filter(**{f"{key}__gt": after})
    items = list(query[: size + 1])
    if len(items) <= size:
        return Page(items, None)
    items = items[:size]
    return Page(items, make_token(scope, getattr(items[-1], key)))


def creation_order_page(
    query: QuerySet[M], *, scope: str, next_token: str | None, size: int
) -> Page[M]:
    """One page of ``query`` in creation order: keyed on (``created``, ``id``), since
    creation times may tie."""
    after = read_token(scope, next_token)
    query = query.order_by("created", "id")
    if after is not None:
        created = datetime.fromisoformat(after[0])
        query = query.filter(Q(created__gt=created) | Q(created=created, id__gt=after[1]))
    items = list(query[: size + 1])
    if len(items) <= size:
        return Page(items, None)
    items = items[:size]
    last: Any = items[-1]
    return Page(items, make_token(scope, [last.created.isoformat(), last.id]))
