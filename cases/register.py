"""What `cases` knows of the register: a plain record of one person's registration, for the
forms (which specialties can be added or renewed, whose employer changes) and for 提取信息.

`cases` may not import `registry`; `registry` hands in the two functions that read it when
Django starts (`register_provide`), as it does with each registration type's parts; the
system check in `cases.checks` fails when it did not."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from accounts.models import User
from accounts.selectors import PersonIdentity, verified_identity
from lib.errors import ApplicationError


class RenewalState(StrEnum):
    """Where a day falls in a specialty's 延续注册 window."""

    BEFORE = "before"  # not open yet
    OPEN = "open"
    CLOSED = "closed"  # too late to apply, whether or not the specialty has expired yet


@dataclass(frozen=True)
class RenewalWindow:
    """The days a specialty expiring on `valid_to` may be renewed, `opens` to `closes` both
    included. Made from the province's policy by `registry.renewal.renewal_window`, the one
    place that computes it; `cases` only reads it."""

    valid_to: date
    opens: date
    closes: date

    def state_on(self, today: date) -> RenewalState:
        if today < self.opens:
            return RenewalState.BEFORE
        return RenewalState.OPEN if today <= self.closes else RenewalState.CLOSED


@dataclass(frozen=True)
class SpecialtyRecord:
    code: str
    name: str
    valid_from: date
    valid_to: date
    renewal: RenewalWindow

    @property
    def renewal_opens(self) -> date:
        return self.renewal.opens

    @property
    def renewal_closes(self) -> date:
        return self.renewal.closes

    def renewable_on(self, today: date) -> bool:
        return self.renewal.state_on(today) == RenewalState.OPEN


@dataclass(frozen=True)
class RegisterRecord:
    number: str
    # Whether the register means the registration 有效 today (`registry` decides: `cases`
    # does not know its statuses), and the status's name as shown.
    is_valid: bool
    status_label: str
    name: str
    id_number: str
    employer_name: str
    employer_uscc: str
    specialties: tuple[SpecialtyRecord, ...]

    def specialty(self, code: str) -> SpecialtyRecord | None:
        return next((s for s in self.specialties if s.code == code), None)

    def as_data(self) -> dict[str, Any]:
        """The record as stored with a case (提取信息): what the form showed when it was saved."""
        return {
            "number": self.number,
            "name": self.name,
            "employer_name": self.employer_name,
            "employer_uscc": self.employer_uscc,
            "specialties": [
                {
                    "code": s.code,
                    "name": s.name,
                    "valid_from": s.valid_from.isoformat(),
                    "valid_to": s.valid_to.isoformat(),
                }
                for s in self.specialties
            ],
        }


RecordLookup = Callable[[PersonIdentity], RegisterRecord | None]
Extract = Callable[[User, str], RegisterRecord]
_providers: dict[str, Any] = {}


def register_provide(*, lookup: RecordLookup, extract: Extract) -> None:
    _providers["lookup"], _providers["extract"] = lookup, extract


def register_providers_missing() -> list[str]:
    """The hand-overs that did not happen (the system check in `cases.checks` names them)."""
    names = {"lookup": "注册记录查询", "extract": "提取信息"}
    return [name for key, name in names.items() if key not in _providers]


def register_record(identity: PersonIdentity | None) -> RegisterRecord | None:
    """The register's record of the person with this (证件类型, 证件号码) (None when never
    registered, or when there is no proven identity to look for)."""
    lookup: RecordLookup | None = _providers.get("lookup")
    return lookup(identity) if lookup and identity is not None else None


def register_record_for(user: User) -> RegisterRecord | None:
    """The record the forms of `user`'s applications check against: only through the identity
    the real-name source confirmed for the account."""
    return register_record(verified_identity(user))


def register_extract(*, user: User, id_number: str) -> RegisterRecord:
    """提取信息: the record for the typed 身份证号, only if it is the user's own (logged)."""
    extract: Extract | None = _providers.get("extract")
    if extract is None:
        raise ApplicationError("注册信息库暂不可用，请稍后再试")
    return extract(user, id_number)


# --- one read per person and page ------------------------------------------------------------

T = TypeVar("T")
_shared_reads: ContextVar[dict[str, Any] | None] = ContextVar("register_shared_reads", default=None)


@contextmanager
def register_reads_shared() -> Iterator[None]:
    """Within it, the register is read once per person: for a page that checks a form and the
    eligibility rules against the register (保存并提交 does it three times) and does not
    change it. Never around a step that writes the register. Also a view decorator."""
    if _shared_reads.get() is not None:
        yield  # already shared by an outer scope
        return
    token = _shared_reads.set({})
    try:
        yield
    finally:
        _shared_reads.reset(token)


def register_read(key: str, read: Callable[[], T]) -> T:
    """`read()`, or what it gave for `key` earlier in the same `register_reads_shared` scope.
    `registry` reads a person's registration through it."""
    shared = _shared_reads.get()
    if shared is None:
        return read()
    if key not in shared:
        shared[key] = read()
    value: T = shared[key]
    return value
