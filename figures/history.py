"""Past cases written in bulk, for the statistics to have something to show: the demo's year
of history (`make run`'s seed_demo command, a few hundred cases) and the benchmark's 100,000
(`make bench`). Never used by the portal itself, nor by tests other than its own.

The rows are what the services would have left behind (cases, their events on the transition
table's paths, ratings with their rectifications), written in bulk (`lib.bulkcopy`: COPY on
PostgreSQL) with the times they would have had: far cheaper than walking every case through
the services, which would issue notices, SMS and certificates nobody reads."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import models, transaction
from django.utils import timezone

from accounts.models import IdType, StaffRole, User, UserKind
from cases.answers import department_counts_replace
from cases.deadlines import accept_workdays, promised_workdays
from cases.models import ActorRole, Case, CaseAction, CaseEvent, CaseStatus, SubmitMethod
from cases.services import case_days_fill
from cases.transitions import transition_find
from catalog.calendar import calendar_overrides
from catalog.models import Department, ServiceItem
from lib.bulkcopy import rows_create
from lib.idcard import id_number_check_char
from lib.workdays import add_workdays, is_workday
from ratings.deadlines import RECTIFICATION_WORKDAYS
from ratings.models import Rating, RatingLevel, Rectification, RectificationStatus
from ratings.services import rating_tallies_rebuild

# The applicant every history case names: one account nobody logs into (no password).
HISTORY_USERNAME = "history-demo"
HISTORY_FIRST17 = "21010119700101999"
NAMES = [
    "王芳",
    "李强",
    "张敏",
    "刘洋",
    "陈杰",
    "杨静",
    "赵磊",
    "黄丽",
    "周军",
    "吴婷",
    "徐鹏",
    "孙颖",
    "马超",
    "朱琳",
    "胡斌",
    "郭瑶",
]
REJECT_REASONS = ["申请人不具备二级建造师资格", "聘用企业与劳动合同不一致", "已在其他省份注册"]
DENY_REASONS = ["继续教育学时不足", "申请人年龄已超过注册年龄限制", "劳动合同已解除，聘用关系不成立"]
LEVELS = [(RatingLevel.VERY_SATISFIED, 55), (RatingLevel.SATISFIED, 25), (RatingLevel.BASIC, 10)]
LEVELS += [(RatingLevel.DISSATISFIED, 6), (RatingLevel.VERY_DISSATISFIED, 4)]
BATCH = 2000
# The portal's own matters (二级建造师 registration and the lost-certificate one).
HISTORY_MATTERS = ("ejjzs-zgrd", "ejjzs-ysbb")


@contextmanager
def _times_as_given(*fields: models.Field[object, object]) -> Iterator[None]:
    """Write the times the rows carry: `auto_now(_add)` would date every past event today."""
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]  # type: ignore[attr-defined]
    for f in fields:
        f.auto_now = f.auto_now_add = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add  # type: ignore[attr-defined]


def history_applicant() -> User:
    number = HISTORY_FIRST17 + id_number_check_char(HISTORY_FIRST17)
    user = User.objects.filter(username=HISTORY_USERNAME).first()
    if user is None:
        user = User.objects.create_user(
            username=HISTORY_USERNAME,
            password=None,  # unusable: nobody signs in as the history
            kind=UserKind.PERSON,
            name="历史办件申请人（演示）",
            id_type=IdType.RESIDENT,
            id_number=number,
            # As every demo person (portal.demo): the history's cases were applied for verified.
            real_name_verified_at=timezone.now(),
        )
    return user


@dataclass
class _Walk:
    """One case's path as it is being drawn: its steps with their times."""

    case: Case
    steps: list[tuple[CaseAction, datetime, str]]


class _Calendar:
    def __init__(self, start: date, end: date) -> None:
        self.overrides = calendar_overrides(start=start, end=end)

    def add(self, day: date, days: int) -> date:
        return add_workdays(day, days, self.overrides)

    def workday_on_or_after(self, day: date) -> date:
        while not is_workday(day, self.overrides):
            day += timedelta(days=1)
        return day


def history_build(
    *,
    department: Department,
    cases: int,
    months: int = 12,
    now: datetime | None = None,
    seed: int = 17,
    applicant: User | None = None,
) -> int:
    """Write `cases` past cases of `department`'s 办理项, submitted over the `months` before
    `now`, most of them ended; return how many were written. `applicant`: whose cases they
    are (the benchmark's 我的办件 of 1,000 cases), else the history's own account."""
    rng = random.Random(seed)  # noqa: S311 - made-up demo data, repeatable by its seed
    now = now or timezone.now()
    today = timezone.localdate(now)
    first = today - timedelta(days=months * 30)
    calendar = _Calendar(first - timedelta(days=10), today + timedelta(days=120))
    items = list(
        ServiceItem.objects.filter(
            matter__department=department, matter__code__in=HISTORY_MATTERS
        ).select_related("matter")
    )
    staff = {u.staff_role: u for u in User.objects.filter(kind=UserKind.STAFF, department=department)}
    actors = {
        ActorRole.ACCEPTOR: staff.get(StaffRole.ACCEPTOR),
        ActorRole.REVIEWER: staff.get(StaffRole.REVIEWER),
        ActorRole.DECIDER: staff.get(StaffRole.DECIDER),
    }
    applicant = applicant or history_applicant()
    # The history written before (the demo's, under the benchmark's, whoever applied): numbers
    # go on from it.
    serials: dict[str, int] = {}
    for number in Case.objects.filter(number__isnull=False).values_list("number", flat=True):
        assert number is not None
        serial = int(number[10:]) - 90000 if number[10:].isdigit() else 0
        if serial > 0:
            serials[number[2:10]] = max(serials.get(number[2:10], 0), serial)
    walks = []
    for _ in range(cases):
        # More cases in the later months, as a service grows known.
        submitted = calendar.workday_on_or_after(
            first + timedelta(days=int((rng.random() ** 0.8) * (today - first).days))
        )
        walks.append(_walk(rng, calendar, items=items, applicant=applicant, submitted=submitted, now=now))
    with (
        transaction.atomic(),
        _times_as_given(
            Case._meta.get_field("created_at"),  # type: ignore[arg-type]
            Case._meta.get_field("updated_at"),  # type: ignore[arg-type]
            CaseEvent._meta.get_field("created_at"),  # type: ignore[arg-type]
        ),
    ):
        for walk in walks:
            case = walk.case
            day = f"{timezone.localdate(case.submitted_at):%Y%m%d}"
            serials[day] = serials.get(day, 0) + 1
            # 9xxxx: past the day's counter (cases.counters) for any real day.
            case.number = f"LN{day}{90000 + serials[day]:05d}"
        made = rows_create(Case, [w.case for w in walks], batch_size=BATCH)
        events = []
        for walk in walks:
            status = CaseStatus.DRAFT
            for action, when, opinion in walk.steps:
                transition = transition_find(status=status, action=action)
                assert transition is not None, f"{action} from {status}"
                role = ActorRole(transition.role)
                actor = applicant if role == ActorRole.APPLICANT else actors.get(role)
                events.append(
                    CaseEvent(
                        case=walk.case,
                        action=action,
                        from_status=status,
                        to_status=transition.target,
                        actor=actor,
                        actor_role=role,
                        actor_name=actor.name if actor else str(role.label),
                        opinion=opinion,
                        created_at=when,
                    )
                )
                status = transition.target
        rows_create(CaseEvent, events, batch_size=BATCH)
        _ratings(rng, calendar, walks=walks, applicant=applicant, now=now)
        # Written past the services that say so: the workbench's kept counts of the department
        # are out of date (cases.answers), and its 好差评 tallies are counted from the rows.
        department_counts_replace(department_id=department.pk)
        rating_tallies_rebuild(department_id=department.pk)
    return len(made)


def _walk(
    rng: random.Random,
    calendar: _Calendar,
    *,
    items: list[ServiceItem],
    applicant: User,
    submitted: date,
    now: datetime,
) -> _Walk:
    item = rng.choice(items)
    name = rng.choice(NAMES)

    def at(day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(rng.randint(9, 16), rng.randint(0, 59))))

    case = Case(
        applicant=applicant,
        applicant_name=name,
        department=item.matter.department,
        matter=item.matter,
        item=item,
        submit_method=SubmitMethod.ONLINE,
        created_at=at(submitted) - timedelta(days=rng.randint(0, 3)),
    )
    steps: list[tuple[CaseAction, datetime, str]] = [(CaseAction.SUBMIT, at(submitted), "")]
    arrived = submitted
    roll = rng.random()
    if roll < 0.10:  # 一次性告知补正, then the materials again
        asked = calendar.add(arrived, rng.randint(1, 3))
        arrived = calendar.add(asked, rng.randint(2, 8))
        steps += [(CaseAction.REQUEST_CORRECTION, at(asked), ""), (CaseAction.RESUBMIT, at(arrived), "")]
    if roll > 0.97:
        steps.append((CaseAction.WITHDRAW, at(calendar.add(arrived, 1)), ""))
    elif 0.05 <= roll < 0.10 or roll > 0.93:
        steps.append(
            (CaseAction.REJECT, at(calendar.add(arrived, rng.randint(1, 4))), rng.choice(REJECT_REASONS))
        )
    else:
        accepted = calendar.add(arrived, rng.choice([0, 1, 1, 2, 2, 3, 4, 6]))
        reviewed = calendar.add(accepted, rng.randint(1, 6))
        decided = calendar.add(reviewed, rng.choice([1, 1, 2, 3, 4, 8]))
        steps += [
            (CaseAction.ACCEPT, at(accepted), "材料齐全，予以受理"),
            (CaseAction.REVIEW, at(reviewed), "符合注册条件"),
        ]
        if rng.random() < 0.07:
            steps.append((CaseAction.DENY, at(decided), rng.choice(DENY_REASONS)))
        else:
            steps.append((CaseAction.APPROVE, at(decided), ""))
    # Two steps on one day happen in their order, the later some minutes after the earlier.
    for i in range(1, len(steps)):
        if steps[i][1] <= steps[i - 1][1]:
            action, _, opinion = steps[i]
            steps[i] = (action, steps[i - 1][1] + timedelta(minutes=rng.randint(5, 90)), opinion)
    # What has not happened by now has not happened: recent cases are still on their way.
    steps = [step for step in steps if step[1] <= now]
    _stamp(case, steps, calendar)
    return _Walk(case=case, steps=steps)


def _stamp(case: Case, steps: list[tuple[CaseAction, datetime, str]], calendar: _Calendar) -> None:
    """The status, times and due days the steps leave on the case (as `cases.services` and
    `review.services` write them)."""
    status = CaseStatus.DRAFT
    for action, when, _ in steps:
        transition = transition_find(status=status, action=action)
        assert transition is not None
        status = CaseStatus(transition.target)
        day = timezone.localdate(when)
        if action in (CaseAction.SUBMIT, CaseAction.RESUBMIT):
            case.submitted_at = when
            case.accept_due = calendar.add(day, accept_workdays(case.item))
        elif action == CaseAction.ACCEPT:
            case.accepted_at = when
            case.accept_due = None
            case.decision_due = calendar.add(day, promised_workdays(case.item))
        elif action == CaseAction.REVIEW:
            case.reviewed_at = when
        elif action in (CaseAction.REQUEST_CORRECTION, CaseAction.REJECT):
            case.accept_due = None
    case.status = status
    if status in (CaseStatus.APPROVED, CaseStatus.DENIED, CaseStatus.REJECTED, CaseStatus.WITHDRAWN):
        case.decided_at = steps[-1][1]
    case.updated_at = steps[-1][1]
    case_days_fill(case=case)


def _ratings(
    rng: random.Random, calendar: _Calendar, *, walks: list[_Walk], applicant: User, now: datetime
) -> None:
    """Four in ten of the cases the department ended are rated a day later; a 差评's
    rectification is done (答复 and 回访) within its time."""
    levels, weights = zip(*LEVELS, strict=True)
    ratings, rectifications = [], []
    for walk in walks:
        case = walk.case
        if case.status not in (CaseStatus.APPROVED, CaseStatus.DENIED, CaseStatus.REJECTED):
            continue
        if rng.random() >= 0.4 or case.decided_at is None or case.decided_at + timedelta(days=1) > now:
            continue
        level = rng.choices(levels, weights)[0]
        rating = Rating(
            case=case, applicant=applicant, level=level, created_at=case.decided_at + timedelta(days=1)
        )
        ratings.append(rating)
        if level in (RatingLevel.DISSATISFIED, RatingLevel.VERY_DISSATISFIED):
            rated = timezone.localdate(rating.created_at)
            closed = rating.created_at + timedelta(days=rng.randint(2, 10))
            rectifications.append(
                Rectification(
                    rating=rating,
                    status=RectificationStatus.CLOSED if closed <= now else RectificationStatus.OPEN,
                    due=calendar.add(rated, RECTIFICATION_WORKDAYS),
                    reply="已核实情况并向申请人说明" if closed <= now else "",
                    replied_at=closed if closed <= now else None,
                    follow_up="已电话回访，申请人认可" if closed <= now else "",
                    closed_at=closed if closed <= now else None,
                    created_at=rating.created_at,
                )
            )
    Rating.objects.bulk_create(ratings, batch_size=BATCH)
    Rectification.objects.bulk_create(rectifications, batch_size=BATCH)
