"""The GetCredentialsForIdentity hot path's reads and writes without the ORM's per-query
compilation (``oauth.services.rows.ModelRows``: column lists, converters and INSERT taken
from the models' ``_meta``). Through the ORM, compiling the identity lookup and the
credential INSERT cost more than running them, which held the action under its 400
requests/s per core (issue 6)."""

from __future__ import annotations

from functools import lru_cache

from django.db import connections

from identity.models import Identity, IdentityPool, IssuedCredential
from oauth.services.rows import ModelRows

_IDENTITIES = ModelRows(Identity)
_POOLS = ModelRows(IdentityPool)
_CREDENTIALS = ModelRows(IssuedCredential)


@lru_cache(maxsize=4)
def _identity_sql(vendor: str) -> str:
    quote = connections["default"].ops.quote_name
    pool_fk = quote(Identity._meta.get_field("pool").column)  # type: ignore[union-attr]
    return (
        f"SELECT {_IDENTITIES.columns('i')}, {_POOLS.columns('p')} "  # noqa: S608
        f"FROM {_IDENTITIES.table} i JOIN {_POOLS.table} p "
        f"ON p.{quote(str(IdentityPool._meta.pk.column))} = i.{pool_fk} "
        f"WHERE i.{quote(str(Identity._meta.pk.column))} = %s"
    )


def find_identity(identity_id: str) -> Identity | None:
    """The identity with its pool loaded, in one indexed lookup."""
    connection = connections["default"]
    with connection.cursor() as cursor:
        cursor.execute(_identity_sql(connection.vendor), [identity_id])
        found = cursor.fetchone()
    if found is None:
        return None
    width = len(_IDENTITIES.fields)
    identity = _IDENTITIES.load(found[:width])
    identity.pool = _POOLS.load(found[width:])
    return identity


def insert_credential(row: IssuedCredential) -> IssuedCredential:
    return _CREDENTIALS.insert(row)
