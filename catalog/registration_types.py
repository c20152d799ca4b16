"""The registration types of 二级注册建造师, the kinds of register history they leave and what
the certificate does after each: the one place these codes are spelled. The types are the
`ServiceItem.code` of the 办理项 the catalogue seeds, so they live here, below `cases`, which
holds what each type carries (`cases.types.REGISTRATION_TYPES`, ADR 10).

The values are stored (办理项 codes, `RegistrationChange.kind`): never change one."""

from __future__ import annotations

import enum

from django.db import models


class RegistrationType(models.TextChoices):
    INITIAL = "initial", "初始注册"
    ADDITION = "addition", "增项注册"
    REREGISTER = "reregister", "重新注册"
    CHANGE = "change", "变更注册"
    CANCEL = "cancel", "注销注册"
    RENEWAL = "renewal", "延续注册"
    REISSUE = "reissue", "遗失补办"


class ProceedingKind(models.TextChoices):
    """The authority's own proceedings on a registration (ADR 27): the `ServiceItem.code` of the
    办理项 their cases carry, which no applicant may apply for (`cases.types` knows no such
    type, and the catalogue's pages do not list them). Stored values: never change one."""

    REVOKE = "revoke", "撤销注册"
    FORCED_CANCEL = "forced_cancel", "强制注销"


def is_proceeding(item_code: str) -> bool:
    """A case of this 办理项 is the authority's proceeding, not somebody's application."""
    return item_code in ProceedingKind.values


class ChangeKind(models.TextChoices):
    """`registry.RegistrationChange.kind`: the history row each type leaves when granted, and
    the daily job's 失效, which no application causes. Stored values: never change one."""

    INITIAL = RegistrationType.INITIAL.value, RegistrationType.INITIAL.label
    ADDITION = RegistrationType.ADDITION.value, RegistrationType.ADDITION.label
    REREGISTER = RegistrationType.REREGISTER.value, RegistrationType.REREGISTER.label
    CHANGE = RegistrationType.CHANGE.value, RegistrationType.CHANGE.label
    CANCEL = RegistrationType.CANCEL.value, RegistrationType.CANCEL.label
    RENEWAL = RegistrationType.RENEWAL.value, RegistrationType.RENEWAL.label
    REISSUE = RegistrationType.REISSUE.value, RegistrationType.REISSUE.label
    LAPSE = "lapse", "注册失效"
    # The authority's own acts (ADR 27): no application causes them, a proceeding does.
    REVOKE = ProceedingKind.REVOKE.value, ProceedingKind.REVOKE.label
    FORCED_CANCEL = ProceedingKind.FORCED_CANCEL.value, ProceedingKind.FORCED_CANCEL.label


class CertificateAction(enum.Enum):
    """What `certificates.services.certificate_follow_register` does after a granted type."""

    NEW_VERSION = enum.auto()  # a new version; the previous one 已被新证书替代
    CANCEL = enum.auto()  # the current certificate is revoked (注册已注销)
    REISSUE = enum.auto()  # a new version; the lost one is revoked with its reason
    NONE = enum.auto()  # the certificate stays as it is
    REVOKE = enum.auto()  # the registration revoked (撤销注册): the current certificate too


# What the certificate does after the history rows no application leaves (ADR 27).
PROCEEDING_CERTIFICATE_ACTIONS: dict[str, CertificateAction] = {
    ChangeKind.REVOKE: CertificateAction.REVOKE,
    ChangeKind.FORCED_CANCEL: CertificateAction.CANCEL,
}
