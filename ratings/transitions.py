"""The allowed status changes of a rectification and of an appeal, as data.
`ratings.services` refuses anything else; which buttons a page shows is derived from here."""

from __future__ import annotations

from ratings.models import AppealStatus, RectificationAction, RectificationStatus

S, A = RectificationStatus, RectificationAction

RECTIFICATION_TRANSITIONS: dict[tuple[RectificationStatus, RectificationAction], RectificationStatus] = {
    (S.OPEN, A.REPLY): S.REPLIED,
    (S.REPLIED, A.FOLLOW_UP): S.CLOSED,
    # An upheld appeal voids the task while it is still the department's to do.
    (S.OPEN, A.VOID): S.VOIDED,
    (S.REPLIED, A.VOID): S.VOIDED,
}

APPEAL_TRANSITIONS: frozenset[tuple[AppealStatus, AppealStatus]] = frozenset(
    {(AppealStatus.PENDING, AppealStatus.UPHELD), (AppealStatus.PENDING, AppealStatus.DISMISSED)}
)
# What the decider may choose: the targets of the table.
APPEAL_OUTCOMES: tuple[AppealStatus, ...] = tuple(
    s for s in AppealStatus if (AppealStatus.PENDING, s) in APPEAL_TRANSITIONS
)


def rectification_target(*, status: str, action: str) -> RectificationStatus | None:
    return RECTIFICATION_TRANSITIONS.get((RectificationStatus(status), RectificationAction(action)))


def rectification_may(*, status: str, action: str) -> bool:
    return rectification_target(status=status, action=action) is not None


def rectification_is_open(status: str) -> bool:
    """Still the department's to do: some action of the table starts from it."""
    return any(source == status for source, _ in RECTIFICATION_TRANSITIONS)


OPEN_RECTIFICATION_STATUSES = frozenset(s for s in RectificationStatus if rectification_is_open(s))


def appeal_allowed(*, source: str, target: str) -> bool:
    return (AppealStatus(source), AppealStatus(target)) in APPEAL_TRANSITIONS
