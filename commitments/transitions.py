"""The allowed changes of a 核查 task's status, as data: an open task is closed once, 核查属实
or 承诺不实, and never reopened (an error is put right by the 撤销 procedure, which hears the
holder). `commitments.services.commitment_check_close` refuses anything else."""

from __future__ import annotations

from commitments.models import CheckStatus

S = CheckStatus

TRANSITIONS: frozenset[tuple[CheckStatus, CheckStatus]] = frozenset(
    {
        (S.OPEN, S.CONFIRMED),
        (S.OPEN, S.UNTRUE),
    }
)

# The outcomes staff choose from: the targets of the table, in the enum's order.
OUTCOMES: tuple[CheckStatus, ...] = tuple(s for s in CheckStatus if (S.OPEN, s) in TRANSITIONS)


def transition_allowed(*, source: str, target: str) -> bool:
    return (CheckStatus(source), CheckStatus(target)) in TRANSITIONS


def is_open(status: str) -> bool:
    return any(src == status for src, _ in TRANSITIONS)
