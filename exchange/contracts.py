"""What the portal sends to the platforms around it: the receiving channels, the events of
each, and the shape of each record's `data` (docs/exchange.md describes the same in Chinese,
with examples; the two change together).

The domain apps fill these shapes from their own rows (`certificates/sharing.py`,
`cases/sharing.py`); this module knows the receivers' contracts and nothing of the models, so
that `exchange` imports no domain app and everyone may call it."""

from __future__ import annotations

from typing import TypedDict

from django.db import models


class Channel(models.TextChoices):
    """A receiving system, with its own endpoint, credentials and switch (settings)."""

    LICENCE = "licence", "电子证照库"
    CASE = "case", "办件归集"


class LicenceEvent(models.TextChoices):
    ISSUED = "issued", "签发"
    SUPERSEDED = "superseded", "被新版本替代"
    REVOKED = "revoked", "废止"


class CaseRecordEvent(models.TextChoices):
    STATUS_CHANGED = "status_changed", "状态变更"


# What each channel may carry: `outbound_enqueue` refuses anything else.
CHANNEL_EVENTS: dict[Channel, frozenset[str]] = {
    Channel.LICENCE: frozenset(LicenceEvent.values),
    Channel.CASE: frozenset(CaseRecordEvent.values),
}


class Organisation(TypedDict):
    name: str
    uscc: str  # 统一社会信用代码; "" when the portal does not hold it


class LicenceHolder(TypedDict):
    name: str
    # The 电子证照库 finds a person's licences by 持证主体代码 (GB/T 36905 metadata): the one
    # place where a full ID number leaves the portal, stored encrypted in the outbox.
    id_type: str
    id_number: str


class LicenceSpecialty(TypedDict):
    code: str
    name: str
    valid_from: str  # ISO dates
    valid_to: str


class LicenceIssued(TypedDict):
    license_id: str  # 电子证照标识, with its version
    license_type_code: str  # 证照类型代码
    license_name: str
    license_number: str  # 证照编号: the 注册编号
    version: int
    replaces: str  # the license_id of the version this one replaces, "" for the first
    status: str  # LicenceStatus below, "valid" for a new version
    issued_on: str
    valid_from: str
    valid_until: str
    issuer: Organisation
    holder: LicenceHolder
    employer: Organisation
    specialties: list[LicenceSpecialty]


class LicenceStatusChanged(TypedDict):
    license_id: str
    status: str
    changed_at: str  # ISO date-time with offset
    reason: str


class LicenceStatus(models.TextChoices):
    """The status the 电子证照库 keeps: ours, named for the receiver."""

    VALID = "valid", "有效"
    SUPERSEDED = "superseded", "已被新版本替代"
    REVOKED = "revoked", "已废止"


class CaseApplicant(TypedDict):
    kind: str  # "person" / "legal"
    name: str  # masked: the collection counts and supervises, it does not contact people


class CaseRecord(TypedDict):
    case_number: str  # 办件编号
    matter_code: str  # 事项编码 (the catalogue's)
    matter_name: str
    item_name: str
    department: Organisation
    applicant: CaseApplicant
    action: str
    action_name: str
    from_status: str
    status: str
    status_name: str
    finished: bool
    occurred_at: str
    submitted_at: str | None
    accepted_at: str | None
    finished_at: str | None
    promised_days: int
    legal_days: int


class Envelope(TypedDict):
    """What every record is sent as: the record's own fields around the channel's `data`."""

    record_id: str  # the idempotency key, also sent as the Idempotency-Key header
    seq: int  # increasing with each record; of two about one subject, the higher is newer
    channel: str
    event: str
    subject: str
    occurred_at: str
    source: str  # which system sends: the portal's SITE_NAME
    data: dict[str, object]
