"""Opaque, tamper-proof pagination tokens for keyset paging (``NextToken``,
``PaginationToken``). A token names the last key returned and the query it belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core import signing

from core.errors import InvalidParameterException

T = TypeVar("T")
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
