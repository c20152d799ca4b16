"""A registration's status: the one definition of its status on a day, and the allowed
changes of it, as data.

The status on a day (`registration_status_on`) is the stored one, except that a valid
registration whose every specialty has expired is 失效 from the next day on, before the
daily job writes it down. Every transition starts from that status, so a decision never
depends on whether the job has run yet. `registry.services.registration_transition` is the
only code that writes `Registration.status`, and it refuses any change not in the table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from registry.models import Registration, RegistrationAction, RegistrationStatus


@dataclass(frozen=True)
class Transition:
    source: RegistrationStatus
    action: RegistrationAction
    target: RegistrationStatus


S, A = RegistrationStatus, RegistrationAction

TRANSITIONS: tuple[Transition, ...] = (
    # 失效 comes by itself with the last expiry; the daily job only writes it down.
    Transition(S.LAPSED, A.LAPSE, S.LAPSED),
    # 注销注册 granted: from a valid or a lapsed registration.
    Transition(S.VALID, A.DEREGISTER, S.CANCELLED),
    Transition(S.LAPSED, A.DEREGISTER, S.CANCELLED),
    # 重新注册 granted: a lapsed or cancelled registration lives again under its number.
    Transition(S.LAPSED, A.REVIVE, S.VALID),
    Transition(S.CANCELLED, A.REVIVE, S.VALID),
    # The authority's own acts (ADR 27). 撤销 undoes the grant, so it may also come after the
    # registration lapsed or was cancelled (the record then says it was obtained unlawfully);
    # 强制注销 ends a registration that is still in force, or lapsed and not yet cancelled.
    Transition(S.VALID, A.REVOKE, S.REVOKED),
    Transition(S.LAPSED, A.REVOKE, S.REVOKED),
    Transition(S.CANCELLED, A.REVOKE, S.REVOKED),
    Transition(S.VALID, A.FORCE_CANCEL, S.CANCELLED),
    Transition(S.LAPSED, A.FORCE_CANCEL, S.CANCELLED),
)

_BY_KEY = {(t.source, t.action): t for t in TRANSITIONS}


def registration_status_on(registration: Registration, today: date) -> RegistrationStatus:
    """The status the register means on `today`: a valid registration none of whose
    specialties is in force any more is 失效 even before the daily job writes it."""
    status = RegistrationStatus(registration.status)
    if status != RegistrationStatus.VALID:
        return status
    ends = [s.valid_to for s in registration.specialties.all()]
    if ends and all(end < today for end in ends):
        return RegistrationStatus.LAPSED
    return status


def transition_find(
    *, registration: Registration, action: RegistrationAction, today: date
) -> Transition | None:
    """The table's row for `action` from the registration's status on `today`; None when the
    table has none, or when it would change nothing (a lapse already written down)."""
    source = registration_status_on(registration, today)
    transition = _BY_KEY.get((source, action))
    if transition is None or registration.status == transition.target == source:
        return None
    return transition


def actions_on(*, registration: Registration, today: date) -> list[RegistrationAction]:
    """What may happen to the registration on `today`, in table order."""
    return [
        t.action
        for t in TRANSITIONS
        if transition_find(registration=registration, action=t.action, today=today) is t
    ]
