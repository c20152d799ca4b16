"""Reads of 好差评, scoped to who asks: an applicant's own ratings, a department's
rectifications for its staff, the appeals for the 系统管理员; and the workbench's figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet
from django.http import Http404
from django.urls import reverse

from accounts.models import User
from cases.models import Case
from ratings.figures import counted, counts_aggregates
from ratings.models import AppealStatus, Rating, RatingAppeal, RatingLevel, RatingTally, Rectification
from ratings.services import may_decide_appeals, may_handle_rectifications
from ratings.transitions import OPEN_RECTIFICATION_STATUSES

# `rectification_list_for_staff(status=ALL_STATUSES)`: every status.
ALL_STATUSES = "all"


def rate_url(case: Case) -> str:
    """The full address of the case's rating page, for the 办结 SMS."""
    return settings.SITE_URL + reverse("ratings:rate", args=[case.pk])


def rating_for_case(case: Case) -> Rating | None:
    return Rating.objects.filter(case=case).select_related("rectification", "appeal").first()


def rectification_list_for_staff(*, user: User, status: str = "") -> QuerySet[Rectification]:
    """The department's rectifications, soonest due first; the open ones by default."""
    if not may_handle_rectifications(user) or user.department_id is None:
        return Rectification.objects.none()
    found = Rectification.objects.filter(rating__case__department_id=user.department_id).select_related(
        "rating__case__matter", "rating__case__item", "rating__appeal"
    )
    if status == ALL_STATUSES:
        return found
    if status:
        return found.filter(status=status)
    return found.filter(status__in=OPEN_RECTIFICATION_STATUSES)


def rectification_get_for_staff(*, user: User, pk: int) -> Rectification:
    try:
        return rectification_list_for_staff(user=user, status=ALL_STATUSES).get(pk=pk)
    except Rectification.DoesNotExist:
        raise Http404("没有这项差评整改") from None


def rectification_get_for_rating(*, user: User, rating_pk: int) -> Rectification:
    try:
        return rectification_list_for_staff(user=user, status=ALL_STATUSES).get(rating_id=rating_pk)
    except Rectification.DoesNotExist:
        raise Http404("没有这项差评整改") from None


def appeal_list_for_decider(*, user: User, status: str = AppealStatus.PENDING) -> QuerySet[RatingAppeal]:
    if not may_decide_appeals(user):
        return RatingAppeal.objects.none()
    return (
        RatingAppeal.objects.filter(status=status)
        .select_related(
            "rating__case__department", "rating__case__matter", "rating__rectification", "filed_by"
        )
        .order_by("filed_at", "id")
    )


def appeal_get_for_decider(*, user: User, pk: int) -> RatingAppeal:
    if not may_decide_appeals(user):
        raise Http404("没有这项申诉")
    try:
        return RatingAppeal.objects.get(pk=pk)
    except RatingAppeal.DoesNotExist:
        raise Http404("没有这项申诉") from None


# --- Figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingFigures:
    """One line of the workbench's 好差评 table: a matter, or the department's total."""

    name: str
    ratings: int
    satisfied: int
    open_rectifications: int

    @property
    def satisfied_share(self) -> str:
        """满意率 as the national figures print it (好评 over all ratings), or — for none."""
        if not self.ratings:
            return "—"
        return f"{self.satisfied * 100 / self.ratings:.1f}%"


def _department_ratings(*, user: User, since: datetime | None, until: datetime | None) -> QuerySet[Rating]:
    """The department's ratings, made in [since, until) when given (the statistics' period)."""
    if not may_handle_rectifications(user) or user.department_id is None:
        return Rating.objects.none()
    ratings = Rating.objects.filter(case__department_id=user.department_id)
    if since is not None:
        ratings = ratings.filter(created_at__gte=since)
    if until is not None:
        ratings = ratings.filter(created_at__lt=until)
    return ratings


def rating_figures(
    *, user: User, since: datetime | None = None, until: datetime | None = None
) -> tuple[list[RatingFigures], RatingFigures]:
    """Per matter of the staff member's department, and in total: the ratings that count (an
    upheld appeal takes one out), how many were satisfied (非常满意, 满意, 基本满意), and the
    rectifications still open (`ratings.figures`). Of all time (the workbench's, on every view):
    read from the department's tallies, which the services keep (ADR 0034). Of the ratings made
    in [since, until) (the statistics page): counted from the ratings. One query either way,
    whatever the number of matters or ratings."""
    if since is None and until is None:
        if not may_handle_rectifications(user) or user.department_id is None:
            return _figures([])
        tallies = (
            RatingTally.objects.filter(department_id=user.department_id)
            .values("matter__name", "ratings", "satisfied", "open_rectifications")
            .order_by("matter__name")
        )
        return _figures([{**row, "name": row["matter__name"]} for row in tallies])
    return _rating_figures_counted(user=user, since=since, until=until)


def _rating_figures_counted(
    *, user: User, since: datetime | None, until: datetime | None
) -> tuple[list[RatingFigures], RatingFigures]:
    """The figures counted from the ratings made in [since, until), or of all time when neither
    is given: what the tallies must equal (the tests compare them)."""
    rows = (
        _department_ratings(user=user, since=since, until=until)
        .values("case__matter_id", "case__matter__name")
        .annotate(**counts_aggregates())
        .order_by("case__matter__name")
    )
    return _figures([{**row, "name": row["case__matter__name"]} for row in rows])


def _figures(rows: list[dict[str, Any]]) -> tuple[list[RatingFigures], RatingFigures]:
    lines = [
        RatingFigures(
            name=row["name"],
            ratings=row["ratings"],
            satisfied=row["satisfied"],
            open_rectifications=row["open_rectifications"],
        )
        for row in rows
    ]
    total = RatingFigures(
        name="合计",
        ratings=sum(line.ratings for line in lines),
        satisfied=sum(line.satisfied for line in lines),
        open_rectifications=sum(line.open_rectifications for line in lines),
    )
    return lines, total


def rating_levels(
    *, user: User, since: datetime | None = None, until: datetime | None = None
) -> dict[str, int]:
    """How many of the department's ratings that count fall on each level (`RatingLevel`
    value → count, every level present), in [since, until) when given. One query."""
    rows = (
        _department_ratings(user=user, since=since, until=until)
        .filter(counted())
        .order_by()
        .values("level")
        .annotate(n=Count("id"))
        .values_list("level", "n")
    )
    found = dict(rows)
    return {level: found.get(level, 0) for level in RatingLevel.values}
