"""The figures a 科室负责人 reads (issue 17, ADR 0028): every number of the statistics page and
its exports, for his own department and a period of whole months, from queries that stay fast
with 100,000 cases. Each figure is aggregated in the database (GROUP BY, conditional COUNT);
what the database cannot count — working days — is counted here over the distinct pairs of
days the database grouped, never over one row per case.

Which cases a figure counts (ADR 0028):
- 收件 (cases by month, 办理项 and status, the 补正 rate): the cases that reached the
  department in the period, by `Case.submitted_at` (the last arrival: a case resubmitted after
  补正 counts in the month of its resubmission);
- 办结 (按期办结率, the 不予 rate and its reasons): the cases decided in the period, by
  `Case.decided_at`;
- a step's working days: the steps that ended in the period;
- overdue: the cases overdue today, whatever the period (the rule is `cases.deadlines`')."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db.models import Count, Q, QuerySet, Value
from django.utils import timezone

from accounts.models import User
from cases.deadlines import on_time_filter, overdue_filter
from cases.models import Case, CaseAction, CaseEvent, CaseStatus
from catalog.calendar import workday_counter
from catalog.models import Department, ServiceItem
from certificates.models import Certificate, CertificateCopy, CertificateLog, CopyStatus, LogAction
from ratings.models import RatingLevel
from ratings.selectors import RatingFigures, rating_figures, rating_levels

# The statuses the department decides with; 已撤回 is the applicant's own end.
DECIDED_STATUSES = (CaseStatus.APPROVED, CaseStatus.DENIED, CaseStatus.REJECTED)
REFUSED_STATUSES = (CaseStatus.DENIED, CaseStatus.REJECTED)
# How many distinct 不予 reasons the page lists; the rest are summed as 其他.
TOP_REASONS = 10
# The longest period one page shows: the months are the charts' bars.
MAX_MONTHS = 36


def may_read_figures(user: Any) -> bool:
    """The 科室负责人 reads his department's figures; nobody else (ADR 0028)."""
    return isinstance(user, User) and user.is_department_leader


@dataclass(frozen=True)
class Period:
    """Whole months, from the first day of `first` to the last day of `last`'s month."""

    first: date  # the 1st of the first month
    last: date  # the 1st of the last month

    @classmethod
    def of_months(cls, first: date, last: date) -> Period:
        return cls(first=first.replace(day=1), last=last.replace(day=1))

    @classmethod
    def last_twelve_months(cls, *, today: date) -> Period:
        """The default: this month and the eleven before it."""
        return cls.of_months(_month_add(today.replace(day=1), -11), today)

    @property
    def end(self) -> date:
        """The day after the period (exclusive)."""
        return _month_add(self.last, 1)

    @property
    def since(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first, time.min))

    @property
    def until(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end, time.min))

    @property
    def months(self) -> list[date]:
        found, month = [], self.first
        while month <= self.last:
            found.append(month)
            month = _month_add(month, 1)
        return found

    @property
    def label(self) -> str:
        return f"{self.first:%Y年%m月}至{self.last:%Y年%m月}"

    @property
    def slug(self) -> str:
        """For file names: 202601-202612."""
        return f"{self.first:%Y%m}-{self.last:%Y%m}"


def _month_add(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def share(part: int, whole: int) -> str:
    """A rate as the page and the exports print it, or — when nothing was counted."""
    return f"{part * 100 / whole:.1f}%" if whole else "—"


# --- The figures --------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthLine:
    month: date
    received: int
    corrected: int  # of those received: asked for 补正 at least once
    decided: int  # decided in the month (准予, 不予许可, 不予受理)
    on_time_total: int  # decided in the month with a decision limit (受理 first)
    on_time: int

    @property
    def correction_share(self) -> str:
        return share(self.corrected, self.received)

    @property
    def on_time_share(self) -> str:
        return share(self.on_time, self.on_time_total)


@dataclass(frozen=True)
class ItemLine:
    """One 办理项: the cases received in the period, by their status today."""

    name: str
    by_status: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


@dataclass(frozen=True)
class StepLine:
    """A step's working days (`catalog.calendar`, the legal count: the start day not counted)."""

    name: str
    explanation: str
    count: int
    average: float | None
    p90: int | None


@dataclass(frozen=True)
class ReasonLine:
    kind: str  # 不予受理 / 不予许可
    reason: str
    count: int


@dataclass(frozen=True)
class Figures:
    department: Department
    period: Period
    today: date
    months: list[MonthLine]
    items: list[ItemLine]
    statuses: list[tuple[str, int]]  # (status label, cases received in the period now in it)
    steps: list[StepLine]
    overdue: list[tuple[str, int]]  # (the status the case waits in, how many are overdue)
    decided: int
    refused: dict[str, int]  # 不予受理 / 不予许可 → count
    reasons: list[ReasonLine]
    ratings: tuple[list[RatingFigures], RatingFigures]
    rating_levels: list[tuple[str, int]]
    certificates: list[tuple[str, int]]
    notes: list[str] = field(default_factory=list)

    @property
    def received(self) -> int:
        return sum(line.received for line in self.months)

    @property
    def corrected(self) -> int:
        return sum(line.corrected for line in self.months)

    @property
    def on_time(self) -> tuple[int, int]:
        return sum(m.on_time for m in self.months), sum(m.on_time_total for m in self.months)

    @property
    def refused_total(self) -> int:
        return sum(self.refused.values())

    @property
    def overdue_total(self) -> int:
        return sum(n for _, n in self.overdue)


def _cases(department: Department) -> QuerySet[Case]:
    # No ORDER BY: Case's default ordering would join the GROUP BY.
    return Case.objects.filter(department=department).order_by()


@dataclass(frozen=True)
class _Scans:
    """The two passes over the department's cases that most figures share: those received in
    the period by (month, 办理项, status), and those decided in it by (month, status) with how
    many were due and decided in time; and the cases received that were asked for 补正."""

    received: list[dict[str, Any]]
    decided: list[dict[str, Any]]
    corrected: dict[date, int]


def _scans(*, department: Department, period: Period) -> _Scans:
    # By day, from the covering index in the GROUP BY's order (no sort, no day computed per
    # row: the case keeps its days, `Case.submitted_on`); the months are summed here, from a
    # few thousand rows whatever the number of cases.
    by_month: Counter[tuple[date, int, str]] = Counter()
    for day, item_id, status, n in (
        _cases(department)
        .filter(submitted_on__gte=period.first, submitted_on__lt=period.end)
        .values_list("submitted_on", "item_id", "status")
        .annotate(n=Count("id"))
    ):
        by_month[(day.replace(day=1), item_id, status)] += n
    received = [
        {"month": month, "item_id": item_id, "status": status, "n": n}
        for (month, item_id, status), n in sorted(by_month.items(), key=lambda kv: (*kv[0][1:], kv[0][0]))
    ]
    with_limit = Q(decision_due__isnull=False, status__in=(CaseStatus.APPROVED, CaseStatus.DENIED))
    decided = list(
        _cases(department)
        .filter(decided_on__gte=period.first, decided_on__lt=period.end, status__in=DECIDED_STATUSES)
        .values("decided_on", "status")
        .annotate(
            n=Count("id"),
            limited=Count("id", filter=with_limit),
            on_time=Count("id", filter=with_limit & on_time_filter()),
        )
    )
    for row in decided:
        row["month"] = row.pop("decided_on").replace(day=1)
    # From the 补正 requests (one case in ten or so), not an EXISTS for every case received;
    # by the day of arrival, so a case counts once (it has one such day).
    corrected: Counter[date] = Counter()
    for day, n in (
        CaseEvent.objects.filter(
            action=CaseAction.REQUEST_CORRECTION,
            case__department=department,
            case__submitted_on__gte=period.first,
            case__submitted_on__lt=period.end,
        )
        .order_by()
        .values_list("case__submitted_on")
        .annotate(n=Count("case_id", distinct=True))
    ):
        corrected[day.replace(day=1)] += n
    return _Scans(received=received, decided=decided, corrected=dict(corrected))


def month_lines(*, period: Period, scans: _Scans) -> list[MonthLine]:
    """Per month: cases received and how many of them needed 补正; cases decided and how many
    of those with a decision limit were decided within it."""
    received: Counter[date] = Counter()
    for row in scans.received:
        received[row["month"]] += row["n"]
    decided: dict[date, Counter[str]] = {}
    for row in scans.decided:
        counts = decided.setdefault(row["month"], Counter())
        counts.update({"n": row["n"], "limited": row["limited"], "on_time": row["on_time"]})
    lines = []
    for month in period.months:
        done = decided.get(month, Counter())
        lines.append(
            MonthLine(
                month=month,
                received=received[month],
                corrected=scans.corrected.get(month, 0),
                decided=done["n"],
                on_time_total=done["limited"],
                on_time=done["on_time"],
            )
        )
    return lines


def item_lines(*, department: Department, scans: _Scans) -> list[ItemLine]:
    """Per 办理项, the cases received in the period by their status now."""
    items = ServiceItem.objects.filter(matter__department=department).values_list(
        "id", "name", "matter__name"
    )
    repeated = Counter(name for _, name, _ in items)
    # Two matters may both have a 「首次申请」: then the matter says which.
    names = {pk: f"{matter} · {name}" if repeated[name] > 1 else name for pk, name, matter in items}
    by_item: dict[int, Counter[str]] = {}
    for row in scans.received:
        by_item.setdefault(row["item_id"], Counter())[row["status"]] += row["n"]
    return [
        ItemLine(name=names.get(item_id, "其他"), by_status=dict(counts))
        for item_id, counts in sorted(by_item.items())
    ]


def status_lines(items: list[ItemLine]) -> list[tuple[str, int]]:
    """The same cases by status, in the order of the status list (none left out)."""
    totals: Counter[str] = Counter()
    for line in items:
        totals.update(line.by_status)
    return [(CaseStatus(s).label, totals[s]) for s in CaseStatus.values if totals[s]]


def _percentile(counts: dict[int, int], fraction: float) -> int:
    """The nearest-rank percentile of values given as value → how many times it occurs."""
    total = sum(counts.values())
    rank = max(1, math.ceil(fraction * total))
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= rank:
            return value
    raise ValueError("no values")


def step_lines(*, department: Department, period: Period) -> list[StepLine]:
    """受理, 审查 and 审批 that ended in the period: how many, their average and p90 working
    days. One query groups each step by its days (start, end) — a few thousand rows at most
    whatever the number of cases — counted with one working-day calendar."""

    # One query of three parts, each from its covering index in its GROUP BY's order
    # (`Case.accepted_on` and the other days are written with the times): step, end, start.
    def part(step: int, end: str, start: str, **ended: Any) -> QuerySet[Any, Any]:
        return (
            _cases(department)
            .filter(**{f"{end}__gte": period.first, f"{end}__lt": period.end}, **ended)
            .values_list(Value(step), end, start)
            .annotate(n=Count("id"))
        )

    # 审查通过 happens once a case (the table has no way back to 审查中), and only a decision
    # (准予 or 不予许可) follows it, so the case's decided_on is the 审批 step's end.
    rows = part(0, "accepted_on", "submitted_on").union(
        part(1, "reviewed_on", "accepted_on"),
        part(2, "decided_on", "reviewed_on", reviewed_on__isnull=False),
        all=True,
    )
    by_step: list[list[tuple[date, date, int]]] = [[], [], []]
    for step, end, start, n in rows:
        if start and end:
            by_step[step].append((start, end, n))
    steps = [
        ("受理", "从收件（补正后为再次提交）到受理", by_step[0]),
        ("审查", "从受理到审查通过", by_step[1]),
        ("审批", "从审查通过到作出许可决定", by_step[2]),
    ]
    days = [day for _, _, pairs in steps for start, end, _ in pairs for day in (start, end)]
    counter = workday_counter(start=min(days), end=max(days)) if days else None
    lines = []
    for name, explanation, pairs in steps:
        spread: Counter[int] = Counter()
        for start, end, n in pairs:
            assert counter is not None
            spread[counter.between(start, end)] += n
        count = sum(spread.values())
        lines.append(
            StepLine(
                name=name,
                explanation=explanation,
                count=count,
                average=sum(d * n for d, n in spread.items()) / count if count else None,
                p90=_percentile(spread, 0.9) if count else None,
            )
        )
    return lines


def overdue_lines(*, department: Department, today: date) -> list[tuple[str, int]]:
    """The cases overdue today, by the status they wait in (one query)."""
    # The statuses first: the index (department, status) then holds the few cases on their
    # way, instead of every case the department ever had.
    found = dict(
        _cases(department)
        .filter(status__in=(CaseStatus.PENDING, CaseStatus.REVIEWING, CaseStatus.DECIDING))
        .filter(overdue_filter(today=today))
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return [
        (CaseStatus(s).label, found.get(s, 0))
        for s in (CaseStatus.PENDING, CaseStatus.REVIEWING, CaseStatus.DECIDING)
    ]


def refusals(
    *, department: Department, period: Period, scans: _Scans
) -> tuple[int, dict[str, int], list[ReasonLine]]:
    """Cases decided in the period; how many were 不予受理 and 不予许可; and their reasons, the
    most frequent first (one query: the reasons are the events' opinions, as written)."""
    decided: Counter[str] = Counter()
    for row in scans.decided:
        decided[row["status"]] += row["n"]
    refused = {CaseStatus(s).label: decided[s] for s in (CaseStatus.REJECTED, CaseStatus.DENIED)}
    kinds = {action: action.label for action in (CaseAction.REJECT, CaseAction.DENY)}
    rows = (
        CaseEvent.objects.filter(
            case__department=department,
            action__in=kinds,
            created_at__gte=period.since,
            created_at__lt=period.until,
        )
        .order_by()
        .values("action", "opinion")
        .annotate(n=Count("id"))
    )
    reasons: Counter[tuple[str, str]] = Counter()
    for row in rows:
        reasons[(kinds[row["action"]], row["opinion"].strip() or "（未填写理由）")] += row["n"]
    ranked = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
    lines = [ReasonLine(kind=k, reason=r, count=n) for (k, r), n in ranked[:TOP_REASONS]]
    rest = sum(n for _, n in ranked[TOP_REASONS:])
    if rest:
        lines.append(ReasonLine(kind="", reason="其他理由", count=rest))
    return sum(decided.values()), refused, lines


def certificate_lines(*, department: Department, period: Period) -> list[tuple[str, int]]:
    """Certificates issued, 加注 copies made and downloads in the period, for the department's
    cases (three counts). Verifications are not recorded anywhere (ADR 0028), so not counted."""
    since, until = period.since, period.until
    issued = Certificate.objects.filter(
        case__department=department, issued_at__gte=since, issued_at__lt=until
    ).count()
    copies = CertificateCopy.objects.filter(
        certificate__case__department=department,
        status=CopyStatus.READY,
        ready_at__gte=since,
        ready_at__lt=until,
    ).count()
    downloads = CertificateLog.objects.filter(
        certificate__case__department=department,
        action=LogAction.DOWNLOAD,
        created_at__gte=since,
        created_at__lt=until,
    ).count()
    return [("签发电子证照", issued), ("加注件（已完成）", copies), ("加注件下载", downloads)]


def figures_for(*, user: User, period: Period, today: date | None = None) -> Figures:
    """Every figure of the page for `user`'s department (the caller checked `may_read_figures`)."""
    assert may_read_figures(user), "only a 科室负责人 reads the figures"
    department = user.department
    assert department is not None
    today = today or timezone.localdate()
    scans = _scans(department=department, period=period)
    items = item_lines(department=department, scans=scans)
    decided, refused, reasons = refusals(department=department, period=period, scans=scans)
    levels = rating_levels(user=user, since=period.since, until=period.until)
    return Figures(
        department=department,
        period=period,
        today=today,
        months=month_lines(period=period, scans=scans),
        items=items,
        statuses=status_lines(items),
        steps=step_lines(department=department, period=period),
        overdue=overdue_lines(department=department, today=today),
        decided=decided,
        refused=refused,
        reasons=reasons,
        ratings=rating_figures(user=user, since=period.since, until=period.until),
        rating_levels=[(RatingLevel(level).label, n) for level, n in levels.items()],
        certificates=certificate_lines(department=department, period=period),
        notes=[
            "证书核验（扫码核验页、上传文件核验）不留记录，故不统计核验次数。",
        ],
    )
