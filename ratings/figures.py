"""The one home of what the 好差评 figures count (ADR 0021, 0034): of a department's ratings,
per matter, those that count (an upheld appeal takes one out), how many of them were satisfied
(`SATISFIED_LEVELS`), and the rectifications still open (`OPEN_RECTIFICATION_STATUSES`).

The rule is said twice, side by side, so that the two cannot drift apart unseen: as one
rating's part of the figures (what each service of `ratings.services` moves the department's
tally by, from the rating's state before the change to its state after), and as SQL aggregates
over ratings (the statistics' period, and the tallies' rebuild). The migration that first
filled the tallies keeps its own frozen copy, as migrations must."""

from __future__ import annotations

from dataclasses import dataclass, fields

from django.db.models import Count, Q

from ratings.models import SATISFIED_LEVELS, AppealStatus
from ratings.transitions import OPEN_RECTIFICATION_STATUSES


@dataclass(frozen=True)
class Counts:
    """A part of the figures, or a change of them: the fields of `RatingTally`."""

    ratings: int = 0
    satisfied: int = 0
    open_rectifications: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def __sub__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, f.name) - getattr(other, f.name) for f in fields(self)))

    def changes(self) -> dict[str, int]:
        """The fields this change moves, by how much (none for no change)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


def rating_counts(*, level: str, appeal_status: str | None) -> Counts:
    """What a rating adds to its matter's figures: one rating, and one satisfied if it was;
    nothing once an appeal against it is upheld."""
    if appeal_status == AppealStatus.UPHELD:
        return Counts()
    return Counts(ratings=1, satisfied=int(level in SATISFIED_LEVELS))


def rectification_counts(status: str | None) -> Counts:
    """What a 差评's rectification (`status` None: the rating has none) adds: one while open."""
    return Counts(open_rectifications=int(status in OPEN_RECTIFICATION_STATUSES))


def counted() -> Q:
    """The ratings that count, as a filter on ratings (`rating_counts`'s first rule)."""
    return ~Q(appeal__status=AppealStatus.UPHELD)


def counts_aggregates() -> dict[str, Count]:
    """The same, summed by the database over a queryset of ratings (`.annotate(**...)`)."""
    counted_ = counted()
    return {
        "ratings": Count("id", filter=counted_),
        "satisfied": Count("id", filter=counted_ & Q(level__in=SATISFIED_LEVELS)),
        "open_rectifications": Count(
            "rectification", filter=Q(rectification__status__in=OPEN_RECTIFICATION_STATUSES)
        ),
    }
