"""The allowed changes of a correction request's status, as data: an open request is closed
once, 更正完成 or 不予更正, and never reopened (the person asks again instead).
`privacy.services.correction_request_close` refuses anything else."""

from __future__ import annotations

from privacy.models import CorrectionStatus

S = CorrectionStatus

TRANSITIONS: frozenset[tuple[CorrectionStatus, CorrectionStatus]] = frozenset(
    {
        (S.OPEN, S.CORRECTED),
        (S.OPEN, S.DECLINED),
    }
)

# The outcomes a 受理人员 may choose: the targets of the table.
OUTCOMES: tuple[CorrectionStatus, ...] = tuple(s for s in CorrectionStatus if (S.OPEN, s) in TRANSITIONS)


def transition_allowed(*, source: str, target: str) -> bool:
    return (CorrectionStatus(source), CorrectionStatus(target)) in TRANSITIONS


def is_open(status: str) -> bool:
    return any(src == status for src, _ in TRANSITIONS)
