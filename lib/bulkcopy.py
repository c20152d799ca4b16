"""Many rows written at once, for the benchmark's and the demo's made-up history (figures.history):
on PostgreSQL by COPY, about twice as fast as `bulk_create`'s INSERTs for 100,000 cases and
their events; elsewhere by `bulk_create` itself.

Each value is prepared as `bulk_create` prepares it (`pre_save` with add, then
`get_db_prep_save`: the encrypted fields encrypt, JSON becomes JSON), and the primary keys are
drawn from the table's own sequence first, so that the objects carry them afterwards as they
would after `bulk_create` and rows referring to them can follow. Signals are not sent and
`save()` is not called, as with `bulk_create`: only for rows whose writing needs nothing else."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.fields import AutoFieldMixin

M = TypeVar("M", bound=models.Model)


# Fields whose Python value psycopg writes as `get_db_prep_save` would have prepared it: their
# values are taken as they are (a third of the time of 100,000 cases went to preparing each of
# them). Exact classes only: a subclass (an encrypted field, say) prepares its own.
_AS_THEY_ARE: frozenset[type[models.Field[Any, Any]]] = frozenset(
    {
        models.AutoField,
        models.BigAutoField,
        models.BigIntegerField,
        models.BooleanField,
        models.CharField,
        models.DateField,
        models.DateTimeField,
        models.ForeignKey,
        models.IntegerField,
        models.PositiveIntegerField,
        models.PositiveSmallIntegerField,
        models.SmallIntegerField,
        models.TextField,
        models.UUIDField,
    }
)


def _value_of(
    field: models.Field[Any, Any], connection: BaseDatabaseWrapper
) -> Callable[[models.Model], Any]:
    """How the row's value of `field` is read from an object, as `bulk_create` would write it."""
    kept = type(field) in _AS_THEY_ARE and not getattr(field, "auto_now", False)
    if kept and not getattr(field, "auto_now_add", False):
        if isinstance(field, models.ForeignKey):
            # The key the target field stores must be stored as it is too (an integer or UUID).
            target = field.target_field
            kept = type(target) in _AS_THEY_ARE
        if kept:
            return operator.attrgetter(field.attname)
    return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection=connection)


def rows_create(model: type[M], objs: Sequence[M], *, batch_size: int = 2000) -> list[M]:
    """Insert `objs` (new, without primary keys) and give each its primary key."""
    # The connection itself, not the `django.db.connection` proxy: each of a million values
    # asks it for its operations.
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql" or not objs:
        return model._default_manager.bulk_create(objs, batch_size=batch_size)
    meta = model._meta
    pk = meta.pk
    assert pk is not None and isinstance(pk, AutoFieldMixin), f"{meta.label}: an automatic key"
    fields = [f for f in meta.concrete_fields if f.column]
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(objs)],
        )
        for obj, (key,) in zip(objs, cursor.fetchall(), strict=True):
            setattr(obj, pk.attname, key)
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        values = [_value_of(f, connection) for f in fields]
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([value(obj) for value in values])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return list(objs)
