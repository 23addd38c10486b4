"""Model rows read and written without the ORM's per-query compilation, for the token hot paths.

Every refresh and every ``AccessToken`` call reads a token row and its user, and a refresh
writes an access-token row. Through the ORM, building the SQL and the converters for these
wide models costs about ten times running the indexed query itself, which alone would hold
REFRESH_TOKEN_AUTH and GetUser under their 600 requests/s per core (issue 3). ``ModelRows``
keeps the column list, converters and INSERT statement of one model, taken from its
``_meta``, so the SQL cannot drift from the models; values still go through each field's
``get_db_prep_save`` / ``from_db_value`` and the backend's converters, and instances are
built with ``Model.from_db``, exactly as the ORM would build them.

The statements take named parameters (``%(name)s`` with a dict, DB-API "pyformat", which
psycopg and Django's SQLite backend both accept): for positional ``%s`` Django's SQLite
cursor rewrites the SQL with a regular expression on every execution, about 20 µs for a
two-table column list, while named parameters are substituted by one ``%`` formatting.

App clients and user pools are read on every sign-in, refresh and grant but rarely change,
and turning their ~60 columns (28 of them JSON) into Python values cost as much as the
query. ``ModelRows(…, memo_size=N)`` still runs the query every time, so an edited or
deleted row is seen at once, but reuses the converted values while the raw column values
are identical; JSON lists and dicts are copied for every instance, so a caller that changes
one in place changes nothing else. Token and user rows are not memoized: each refresh token
is read about once an hour, so a memo would only flatter a benchmark that repeats one.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, JSONField, Model

from accounts.models import UserPool
from oauth.models import AppClient

M = TypeVar("M", bound=Model)
Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


def _fresh(value: Any) -> Any:
    """A copy of a decoded JSON value deep enough that no list or dict is shared."""
    if isinstance(value, dict):
        return {key: _fresh(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_fresh(item) for item in value]
    return value


class ModelRows(Generic[M]):
    """``only`` limits what ``columns()`` selects and ``load()`` fills (the primary key is
    always included); the other fields are deferred, so reading one later loads it as the
    ORM would. ``insert()`` always writes every field."""

    def __init__(
        self,
        model: type[M],
        using: str = "default",
        *,
        only: Sequence[str] = (),
        memo_size: int = 0,
    ) -> None:
        self.model = model
        self.using = using
        self.memo_size = memo_size
        # raw column values → converted values; cleared when full (see the module docstring)
        self._memo: dict[tuple[Any, ...], list[Any]] = {}
        self.all_fields: list[Field[Any, Any]] = list(model._meta.concrete_fields)
        wanted = {model._meta.pk.name, *only} if only else None  # type: ignore[union-attr]
        self.fields = [field for field in self.all_fields if wanted is None or field.name in wanted]
        if wanted is not None and len(self.fields) != len(wanted):
            raise ValueError(f"{model.__name__} has no field among {sorted(wanted)}")
        self._json_positions = [
            index for index, field in enumerate(self.fields) if isinstance(field, JSONField)
        ]
        self.attnames = [field.attname for field in self.fields]
        self.column_names = [str(field.column) for field in self.fields]
        self._converters: weakref.WeakKeyDictionary[
            BaseDatabaseWrapper, list[tuple[Any, list[Converter]]]
        ] = weakref.WeakKeyDictionary()
        self._insert_sqls: dict[tuple[str, int], str] = {}

    @property
    def connection(self) -> BaseDatabaseWrapper:
        return connections[self.using]

    @property
    def table(self) -> str:
        return self.connection.ops.quote_name(self.model._meta.db_table)

    def columns(self, alias: str) -> str:
        """``alias.col1, alias.col2, …`` in the order ``load`` expects."""
        quote = self.connection.ops.quote_name
        return ", ".join(f"{alias}.{quote(column)}" for column in self.column_names)

    def _field_converters(self) -> list[tuple[Any, list[Converter]]]:
        connection = self.connection
        found = self._converters.get(connection)
        if found is None:
            found = []
            for field in self.fields:
                column = field.get_col(self.model._meta.db_table)
                converters = connection.ops.get_db_converters(column)
                converters += field.get_db_converters(connection)
                found.append((column, converters))
            self._converters[connection] = found
        return found

    def _convert(self, values: Sequence[Any]) -> list[Any]:
        connection = self.connection
        converted = []
        for (column, converters), value in zip(self._field_converters(), values, strict=True):
            for converter in converters:
                value = converter(value, column, connection)
            converted.append(value)
        return converted

    def _memoized(self, values: Sequence[Any]) -> list[Any]:
        key = tuple(values)
        try:
            remembered = self._memo.get(key)
        except TypeError:  # an unhashable raw value (e.g. a memoryview): no memo
            return self._convert(values)
        if remembered is None:
            remembered = self._convert(values)
            if len(self._memo) >= self.memo_size:
                self._memo.clear()
            self._memo[key] = remembered
        converted = list(remembered)
        for index in self._json_positions:
            converted[index] = _fresh(converted[index])
        return converted

    def load(self, values: Sequence[Any]) -> M:
        """An instance from ``values`` selected with ``columns()``."""
        converted = self._memoized(values) if self.memo_size else self._convert(values)
        return self.model.from_db(self.using, self.attnames, converted)

    def _insert_sql(self, fields: list[Field[Any, Any]]) -> str:
        key = (self.connection.vendor, len(fields))
        sql = self._insert_sqls.get(key)
        if sql is None:
            quote = self.connection.ops.quote_name
            pk_column = quote(str(self.model._meta.pk.column))  # type: ignore[union-attr]
            # Identifiers only, quoted by the backend; every value is a bound parameter.
            sql = (
                f"INSERT INTO {self.table} ({', '.join(quote(str(f.column)) for f in fields)}) "  # noqa: S608
                f"VALUES ({', '.join(f'%(v{index})s' for index in range(len(fields)))}) "
                f"RETURNING {pk_column}"
            )
            self._insert_sqls[key] = sql
        return sql

    def insert(self, instance: M) -> M:
        """INSERT ``instance`` as ``save()`` would (``pre_save`` included, so ``auto_now`` and
        computed fields are filled) and set its primary key."""
        connection = self.connection
        if not connection.features.can_return_columns_from_insert:
            instance.save()
            return instance
        pk = self.model._meta.pk
        fields = [field for field in self.all_fields if field is not pk or instance.pk is not None]
        values = {
            f"v{index}": field.get_db_prep_save(field.pre_save(instance, True), connection)
            for index, field in enumerate(fields)
        }
        with connection.cursor() as cursor:
            # With or without the primary key: the field count tells the two statements apart.
            cursor.execute(self._insert_sql(fields), values)
            (new_pk,) = cursor.fetchone()
        instance.pk = new_pk
        instance._state.adding = False
        instance._state.db = self.using
        return instance


# Enough for every client and pool a deployment serves at once; misses only cost a decode.
_APP_CLIENTS = ModelRows(AppClient, memo_size=512)
_USER_POOLS = ModelRows(UserPool, memo_size=512)


@lru_cache(maxsize=4)
def _app_client_sql(vendor: str) -> str:
    quote = connections["default"].ops.quote_name
    pool_fk = quote(AppClient._meta.get_field("pool").column)  # type: ignore[union-attr]
    client_id = quote(AppClient._meta.get_field("client_id").column)  # type: ignore[union-attr]
    return (
        f"SELECT {_APP_CLIENTS.columns('c')}, {_USER_POOLS.columns('p')} "  # noqa: S608
        f"FROM {_APP_CLIENTS.table} c JOIN {_USER_POOLS.table} p "
        f"ON p.{quote(str(UserPool._meta.pk.column))} = c.{pool_fk} "
        f"WHERE c.{client_id} = %(client_id)s"
    )


def find_app_client(client_id: str) -> AppClient | None:
    """The app client ``client_id`` with its pool loaded, in one indexed lookup: every
    sign-in and refresh starts here."""
    connection = connections["default"]
    with connection.cursor() as cursor:
        cursor.execute(_app_client_sql(connection.vendor), {"client_id": client_id})
        found = cursor.fetchone()
    if found is None:
        return None
    width = len(_APP_CLIENTS.fields)
    client = _APP_CLIENTS.load(found[:width])
    client.pool = _USER_POOLS.load(found[width:])
    return client
