"""Model fields for personal data at rest (`lib/datacrypt.py` holds the cryptography).

- `EncryptedCharField` / `EncryptedTextField` / `EncryptedJSONField`: plain values in Python,
  `sm4:<key id>:…` text in the database (decrypted in `from_db_value`, encrypted in
  `get_prep_value`). The associated data is the field's identity, "app_label.Model.field".
  An empty string is stored as it is: that a person has no mobile is no secret.
- `BlindIndexField`: the HMAC-SM3 index of its source fields, computed in `pre_save`, so that
  `save()`, `create()`, `bulk_create()` and `update_or_create()` keep it right; `BlindIndexed`
  adds it to a `save(update_fields=[...])` that names a source. `QuerySet.update()` and
  `bulk_update()` of a source field would leave the index stale: do not use them on these fields.

A lookup on an encrypted field could only compare ciphertexts, which never match (each has a
fresh nonce), so it raises instead of silently finding nothing: look up by the index
(`User.objects.filter(mobile_index=mobile_index(x))`). Only `isnull` and `= ""` are allowed."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import FieldError
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Combinable
from django.db.models.lookups import Exact, IsNull

from lib.datacrypt import decrypt_text, encrypt_text, identity_index, mobile_index, platform_subject_index

Connection = BaseDatabaseWrapper


class IndexKind(models.TextChoices):
    """What a blind index is of, and so how its sources are normalised."""

    IDENTITY = "identity", "证件类型和证件号码"
    MOBILE = "mobile", "手机号"
    PLATFORM_SUBJECT = "platform_subject", "统一身份认证平台和平台用户标识"


def index_of(kind: str, values: list[str]) -> str:
    """The index a `BlindIndexField` of `kind` holds for its source values."""
    if kind == IndexKind.IDENTITY:
        id_type, id_number = values
        return identity_index(id_type=id_type, id_number=id_number)
    if kind == IndexKind.MOBILE:
        (mobile,) = values
        return mobile_index(mobile)
    if kind == IndexKind.PLATFORM_SUBJECT:
        issuer, subject = values
        return platform_subject_index(issuer=issuer, subject=subject)
    raise ValueError(f"unknown blind index kind: {kind!r}")


class _BlankOnlyExact(Exact):  # type: ignore[type-arg]
    def __init__(self, lhs: Any, rhs: Any) -> None:
        if rhs not in ("", None):
            raise FieldError(_lookup_refusal(lhs))
        super().__init__(lhs, rhs)


def _lookup_refusal(lhs: Any) -> str:
    field = getattr(lhs, "target", None) or getattr(lhs, "field", None)
    name = getattr(field, "name", "?")
    return (
        f"{name} is stored encrypted: look it up by its blind index (lib/datacrypt.py), "
        "not by its value; partial matches are not possible"
    )


class _EncryptedMixin:
    """What every encrypted field shares: the AAD, and lookups refused."""

    name: str
    model: type[models.Model]

    @property
    def crypt_context(self) -> str:
        # The historical models of migrations keep the same label, so old rows decrypt there.
        return f"{self.model._meta.label}.{self.name}"

    def get_internal_type(self) -> str:
        # A token is longer than its plaintext: the column is text whatever the max_length,
        # which stays the limit of the plaintext that forms and validation check.
        return "TextField"

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return IsNull
        if lookup_name == "exact":
            return _BlankOnlyExact
        raise FieldError(
            f"{self.name} is stored encrypted: the lookup {lookup_name!r} is not possible; "
            "look it up by its blind index (lib/datacrypt.py)"
        )

    def get_transform(self, lookup_name: str) -> Any:
        raise FieldError(f"{self.name} is stored encrypted: no transform {lookup_name!r}")


class EncryptedCharField(_EncryptedMixin, models.CharField):  # type: ignore[type-arg]
    # What django-stubs reads to type the model attribute: a str, as for a CharField.
    _pyi_private_set_type: str | int | Combinable
    _pyi_private_get_type: str

    def from_db_value(
        self, value: str | None, expression: Any, connection: BaseDatabaseWrapper
    ) -> str | None:
        if not value:
            return value
        return decrypt_text(value, context=self.crypt_context)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt_text(str(value), context=self.crypt_context)


class EncryptedTextField(_EncryptedMixin, models.TextField):  # type: ignore[type-arg]
    _pyi_private_set_type: str | Combinable
    _pyi_private_get_type: str

    def from_db_value(
        self, value: str | None, expression: Any, connection: BaseDatabaseWrapper
    ) -> str | None:
        if not value:
            return value
        return decrypt_text(value, context=self.crypt_context)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt_text(str(value), context=self.crypt_context)


class EncryptedJSONField(_EncryptedMixin, models.Field):  # type: ignore[type-arg]
    """A JSON document (a dict, as `Case.form_data`) stored as one encrypted text. The
    database cannot look inside it any more: nothing queried `form_data__…`."""

    empty_strings_allowed = False

    def from_db_value(self, value: str | None, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        if value is None:
            return None
        return json.loads(decrypt_text(value, context=self.crypt_context))

    def to_python(self, value: Any) -> Any:
        # dumpdata writes the JSON text (value_to_string); everything else is already Python.
        if isinstance(value, str):
            return json.loads(value)
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return encrypt_text(json.dumps(value, ensure_ascii=False), context=self.crypt_context)

    def value_to_string(self, obj: models.Model) -> str:
        return json.dumps(self.value_from_object(obj), ensure_ascii=False)

    def formfield(self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any) -> Any:
        from django import forms

        return super().formfield(form_class=form_class or forms.JSONField, **kwargs)


class BlindIndexField(models.CharField):  # type: ignore[type-arg]
    """The HMAC-SM3 index (64 hex digits) of `sources` on the same model, normalised by
    `kind`; "" when the source is empty. Not editable: it follows its sources."""

    def __init__(self, *args: Any, kind: str = "", sources: Iterable[str] = (), **kwargs: Any) -> None:
        self.kind = kind
        self.sources = tuple(sources)
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        kwargs["sources"] = list(self.sources)
        for key, default in (("max_length", 64), ("editable", False), ("blank", True), ("default", "")):
            if kwargs.get(key, default) == default:
                kwargs.pop(key, None)
        return name, path, args, kwargs

    def index_for(self, instance: models.Model) -> str:
        return index_of(self.kind, [str(getattr(instance, source) or "") for source in self.sources])

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = self.index_for(model_instance)
        setattr(model_instance, self.attname, value)
        return value


def blind_index_fields(model: type[models.Model]) -> list[BlindIndexField]:
    return [field for field in model._meta.concrete_fields if isinstance(field, BlindIndexField)]


class BlindIndexed(models.Model):
    """For a model with blind indexes: `save(update_fields=["mobile"])` saves `mobile_index`
    with it, so an index never lags behind its source. Storage mechanics, not business logic:
    the one `save()` override of the kind."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            names = set(update_fields)
            for field in blind_index_fields(type(self)):
                if names & set(field.sources):
                    names.add(field.name)
            kwargs["update_fields"] = names
        super().save(*args, **kwargs)


# --- converting rows in place (migrations) and re-encrypting (rotate_data_key) -----------------


def encrypted_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [field for field in model._meta.concrete_fields if isinstance(field, _EncryptedMixin)]


def rows_convert_in_place(
    model: type[models.Model],
    connection: BaseDatabaseWrapper,
    *,
    clear: bool = False,
    batch_size: int = 500,
) -> int:
    """Encrypt every clear value of `model`'s encrypted fields and compute its blind indexes,
    in batches of `batch_size` rows, by plain SQL (the ORM would try to decrypt the clear
    values). With `clear=True`, the reverse: decrypt back to clear (a migration's way back).
    Values already in the wanted form are left alone, so a second run changes nothing.
    Returns the number of rows written. For the migrations that convert an existing database."""
    from lib.datacrypt import is_encrypted

    table = connection.ops.quote_name(model._meta.db_table)
    pk = model._meta.pk
    assert pk is not None
    crypt = encrypted_fields(model)
    indexes = blind_index_fields(model)
    sources = {name for field in indexes for name in field.sources}
    crypt_names = {field.name for field in crypt}
    read: list[Any] = [pk, *crypt, *(model._meta.get_field(name) for name in sorted(sources - crypt_names))]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in read)
    written, last = 0, None
    while True:
        with connection.cursor() as cursor:
            where = f" WHERE {connection.ops.quote_name(pk.column)} > %s" if last is not None else ""
            cursor.execute(
                f"SELECT {columns} FROM {table}{where} ORDER BY {connection.ops.quote_name(pk.column)} "  # noqa: S608
                f"LIMIT {int(batch_size)}",
                [last] if last is not None else [],
            )
            rows = cursor.fetchall()
        if not rows:
            return written
        for row in rows:
            last = row[0]
            values = dict(zip((field.name for field in read), row, strict=True))
            plain: dict[str, Any] = dict(values)
            changes: dict[str, Any] = {}
            for field in crypt:
                stored = values[field.name]
                if stored and is_encrypted(stored):
                    plain[field.name] = decrypt_text(stored, context=field.crypt_context)  # type: ignore[attr-defined]
                    if clear:
                        changes[field.column] = plain[field.name]
                elif stored and not clear:
                    changes[field.column] = encrypt_text(stored, context=field.crypt_context)  # type: ignore[attr-defined]
            if not clear:
                for index in indexes:
                    changes[index.column] = index_of(
                        index.kind, [str(plain[name] or "") for name in index.sources]
                    )
            if changes:
                assignments = ", ".join(f"{connection.ops.quote_name(column)} = %s" for column in changes)
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE {table} SET {assignments} WHERE {connection.ops.quote_name(pk.column)} = %s",  # noqa: S608
                        [*changes.values(), last],
                    )
                written += 1


def _stale_condition(model: type[models.Model], connection: BaseDatabaseWrapper) -> tuple[str, list[str]]:
    """SQL that is true for a row holding any value not under the current key (a clear value
    included): what `rotate_data_key` has still to do."""
    from lib.datacrypt import PREFIX, current_key_id

    prefix = f"{PREFIX}:{current_key_id()}:"
    parts, params = [], []
    for field in encrypted_fields(model):
        column = connection.ops.quote_name(field.column)
        # SUBSTR, not LIKE: a key id may hold "_", which LIKE reads as a wildcard.
        parts.append(f"({column} <> '' AND SUBSTR({column}, 1, {len(prefix)}) <> %s)")
        params.append(prefix)
    return " OR ".join(parts), params


def rows_stale_count(model: type[models.Model], connection: BaseDatabaseWrapper) -> int:
    """How many rows of `model` hold a value not under the current data key."""
    condition, params = _stale_condition(model, connection)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {condition}", params)  # noqa: S608
        count: int = cursor.fetchone()[0]
    return count


def rows_rotate_batch(
    model: type[models.Model], connection: BaseDatabaseWrapper, *, after: Any, batch_size: int
) -> tuple[Any, int]:
    """Re-encrypt under the current key the next `batch_size` rows (by primary key, after
    `after`) that hold a value under another key or in clear. Runs in the caller's transaction,
    the rows locked where the database can (SQLite's IMMEDIATE transaction locks the whole
    file). Returns the last primary key seen (None when nothing was left) and the rows written."""
    from lib.datacrypt import current_key_id, is_encrypted, token_key_id

    current = current_key_id()
    table = connection.ops.quote_name(model._meta.db_table)
    pk = model._meta.pk
    assert pk is not None
    pk_column = connection.ops.quote_name(pk.column)
    crypt = encrypted_fields(model)
    condition, params = _stale_condition(model, connection)
    where = f"({condition})" + (f" AND {pk_column} > %s" if after is not None else "")
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    columns = ", ".join(connection.ops.quote_name(field.column) for field in crypt)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {pk_column}, {columns} FROM {table} WHERE {where} "  # noqa: S608
            f"ORDER BY {pk_column} LIMIT {int(batch_size)}{lock}",
            [*params, after] if after is not None else params,
        )
        rows = cursor.fetchall()
    if not rows:
        return None, 0
    for row in rows:
        changes: dict[str, str] = {}
        for field, stored in zip(crypt, row[1:], strict=True):
            if not stored or token_key_id(stored) == current:
                continue
            context = field.crypt_context  # type: ignore[attr-defined]
            plain = decrypt_text(stored, context=context) if is_encrypted(stored) else stored
            changes[field.column] = encrypt_text(plain, context=context)
        if changes:
            assignments = ", ".join(f"{connection.ops.quote_name(column)} = %s" for column in changes)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET {assignments} WHERE {pk_column} = %s",  # noqa: S608
                    [*changes.values(), row[0]],
                )
    return rows[-1][0], len(rows)


def models_with_encrypted_fields() -> list[type[models.Model]]:
    from django.apps import apps

    return [model for model in apps.get_models() if model._meta.managed and encrypted_fields(model)]
