"""Writes of 好差评: a rating, the rectification a 差评 starts, its reply and 回访, an appeal
and its decision, and the push of each rating to the provincial system (sent again by an
administrator when it failed for good).

Each write is one transaction with what it causes: a rating with its push row and task (and,
for a 差评, the rectification and the department's message); a decision with the messages to
whoever waits for it. Nothing here talks to the provincial system inside a transaction: the
worker does (`rating_push_deliver`), through the outbox (notifications/outbox.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts.models import StaffRole, User, UserKind
from accounts.selectors import department_staff
from audit.models import AuditAction
from audit.services import audit_record
from cases.models import FINISHED_STATUSES, ActorRole, Case
from catalog.registration_types import is_proceeding
from lib.errors import ApplicationError
from lib.metrics import DeliveryOutcome, rating_push_outcome
from notifications.outbox import AttemptOutcome, Outbox, OutboxStatus
from notifications.services import inbox_message_create
from ratings.deadlines import rectification_due_on
from ratings.figures import Counts, counts_aggregates, rating_counts, rectification_counts
from ratings.gateways import RatingGatewayError, get_rating_gateway
from ratings.models import (
    BAD_LEVELS,
    AppealStatus,
    Rating,
    RatingAppeal,
    RatingIndicator,
    RatingLevel,
    RatingPush,
    RatingTally,
    Rectification,
    RectificationAction,
    RectificationStatus,
)
from ratings.tasks import push_rating
from ratings.transitions import appeal_allowed, rectification_is_open, rectification_target

logger = logging.getLogger(__name__)

TEXT_MAX = 500
REPLY_MAX = 1000

PUSH_OUTBOX: Outbox[RatingPush] = Outbox(
    model=RatingPush,
    task=push_rating,
    id_kwarg="push_id",
    settings_prefix="RATING_PUSH",
    logger=logger,
    what="rating push",
)


# --- Who may do what ------------------------------------------------------------------------


def case_ended_by_staff(case: Case) -> bool:
    """Whether the case ended by a department's act: 办结 (准予 / 不予许可), 不予受理, or a
    withdrawal staff made. An applicant's own withdrawal ends nothing the department did, so
    there is nothing to rate. Read from the event that moved the case into its status."""
    if case.status not in FINISHED_STATUSES:
        return False
    if is_proceeding(case.item.code):
        # 撤销 and 强制注销 are the authority's own acts, not a service applied for (ADR 27).
        return False
    last = case.events.filter(to_status=case.status).order_by("-created_at", "-id").first()
    return last is not None and last.actor_role != ActorRole.APPLICANT


def rating_refusal(*, case: Case, user: User) -> str | None:
    """Why `user` may not rate `case` now, or None. 一事一评: the applicant, once."""
    if user.pk != case.applicant_id or user.kind == UserKind.STAFF:
        return "只有申请人本人可以评价该办件"
    if not case_ended_by_staff(case):
        return "办件办结后才能评价"
    if Rating.objects.filter(case=case).exists():
        return "该办件已评价，每件事项只能评价一次"
    return None


def may_handle_rectifications(user: User) -> bool:
    """The department's case staff (受理、审查、审批人员) answer its 差评 and may appeal them."""
    return user.is_active and user.works_on_cases and user.department_id is not None


def may_decide_appeals(user: User) -> bool:
    """Appeals are decided by a 系统管理员: outside the department whose service was rated,
    as 国办发〔2019〕51号 leaves appeals to the 政务服务管理机构, not to the rated office
    (ADR 0021). The decision needs the rating and the rectification, never the case files."""
    return user.is_active and user.is_department_staff and user.staff_role == StaffRole.ADMIN


# --- Rating ---------------------------------------------------------------------------------


def rating_submit(
    *, case: Case, user: User, level: RatingLevel, indicators: Iterable[str] = (), text: str = ""
) -> Rating:
    """一事一评: the applicant's rating of a case the department ended. With it, in one
    transaction: the push to the provincial system (row and task), and for a 差评 the
    rectification task, due in 15 working days, and a message to the department."""
    codes = [c for c in RatingIndicator.values if c in set(indicators)]
    text = text.strip()
    if len(text) > TEXT_MAX:
        raise ApplicationError(f"评价内容不能超过{TEXT_MAX}字")
    if level in BAD_LEVELS and not codes:
        raise ApplicationError("请选择不满意的方面（至少一项），以便部门有针对性地整改")
    with transaction.atomic():
        # The case's row, locked: two clicks on 「提交评价」 are one rating (the second waits,
        # then finds the first); the one-to-one key holds even without the lock.
        locked = Case.objects.select_for_update().get(pk=case.pk)
        refusal = rating_refusal(case=locked, user=user)
        if refusal:
            raise ApplicationError(refusal)
        try:
            with transaction.atomic():
                rating = Rating.objects.create(
                    case=locked,
                    applicant=user,
                    level=level,
                    indicators=codes,
                    text=text,
                    created_at=timezone.now(),
                )
        except IntegrityError:
            raise ApplicationError("该办件已评价，每件事项只能评价一次") from None
        # The times from the clock now, not from the fields' defaults: a test's frozen clock
        # (notifications.testing.frozen_now) reaches `timezone.now()` only through the module.
        push = RatingPush.objects.create(
            rating=rating, created_at=rating.created_at, next_attempt_at=rating.created_at
        )
        PUSH_OUTBOX.schedule(push)
        change = rating_counts(level=rating.level, appeal_status=None)
        if rating.is_bad:
            rectification = _rectification_open(rating=rating, case=locked)
            change += rectification_counts(rectification.status)
        _tally_move(case=locked, change=change)
    return rating


def _rectification_open(*, rating: Rating, case: Case) -> Rectification:
    rectification = Rectification.objects.create(
        rating=rating, due=rectification_due_on(rated_on=timezone.localdate(rating.created_at))
    )
    link = reverse("ratings:rectification", args=[rectification.pk])
    for staff in department_staff(department_id=case.department_id, role=StaffRole.ACCEPTOR):
        inbox_message_create(
            user=staff,
            title=f"收到差评，请于{rectification.due:%Y年%m月%d日}前整改",
            body=f"办件{case.number}（{case.matter.name}）收到“{rating.get_level_display()}”评价，"
            "请答复申请人、完成回访并办结整改。",
            link=link,
        )
    return rectification


# --- Rectification --------------------------------------------------------------------------


def _rectification_step(
    *, rectification: Rectification, by: User, action: RectificationAction
) -> tuple[Rectification, RectificationStatus]:
    """Lock the task and check that `by` may take `action` from its status now."""
    assert transaction.get_connection().in_atomic_block, "runs inside the step's transaction"
    locked = Rectification.objects.select_for_update().select_related("rating__case").get(pk=rectification.pk)
    if action != RectificationAction.VOID and (
        not may_handle_rectifications(by) or by.department_id != locked.rating.case.department_id
    ):
        raise ApplicationError("只有本部门的工作人员可以办理该差评整改")
    target = rectification_target(status=locked.status, action=action)
    if target is None:
        raise ApplicationError(
            f"该整改当前状态为“{locked.get_status_display()}”，不能{RectificationAction(action).label}。请刷新页面查看最新状态"
        )
    return locked, target


def _rectification_status_set(locked: Rectification, target: RectificationStatus) -> None:
    """The step's new status, and the open rectifications of the matter's figures with it (a
    rectification's lock is always taken before the tally's)."""
    change = rectification_counts(target) - rectification_counts(locked.status)
    _tally_move(case=locked.rating.case, change=change)
    locked.status = target


def rectification_reply(*, rectification: Rectification, by: User, reply: str) -> Rectification:
    """答复: what the department did about the 差评; the applicant reads it on the case's
    rating page and gets a 站内消息."""
    reply = reply.strip()
    if not reply:
        raise ApplicationError("请填写整改答复（针对评价指出的问题作了哪些整改）")
    with transaction.atomic():
        locked, target = _rectification_step(
            rectification=rectification, by=by, action=RectificationAction.REPLY
        )
        _rectification_status_set(locked, target)
        locked.reply = reply[:REPLY_MAX]
        locked.replied_at = timezone.now()
        locked.replied_by = by
        locked.save(update_fields=["status", "reply", "replied_at", "replied_by"])
        case = locked.rating.case
        inbox_message_create(
            user=locked.rating.applicant,
            title="您的评价已收到整改答复",
            body=f"办件{case.number}（{case.matter.name}）：{locked.reply}",
            link=reverse("ratings:rate", args=[case.pk]),
        )
    return locked


def rectification_follow_up(*, rectification: Rectification, by: User, note: str) -> Rectification:
    """回访 recorded (whom the department called, when, what the applicant said) and the task
    closed."""
    note = note.strip()
    if not note:
        raise ApplicationError("请填写回访情况（回访时间、方式和申请人的意见）")
    with transaction.atomic():
        locked, target = _rectification_step(
            rectification=rectification, by=by, action=RectificationAction.FOLLOW_UP
        )
        _rectification_status_set(locked, target)
        locked.follow_up = note[:REPLY_MAX]
        locked.closed_at = timezone.now()
        locked.closed_by = by
        locked.save(update_fields=["status", "follow_up", "closed_at", "closed_by"])
    return locked


# --- Appeal ---------------------------------------------------------------------------------


def appeal_file(*, rating: Rating, by: User, reason: str) -> RatingAppeal:
    """申诉: a staff member of the rated department asks for a 差评 to be set aside (an
    unfair rating, one about another office's matter). Once per rating, while its
    rectification is open; the rectification runs on meanwhile."""
    reason = reason.strip()
    if not reason:
        raise ApplicationError("请填写申诉理由和依据")
    with transaction.atomic():
        rectification = (
            Rectification.objects.select_for_update()
            .select_related("rating__case")
            .filter(rating=rating)
            .first()
        )
        if rectification is None:
            raise ApplicationError("只能对差评提出申诉")
        if not may_handle_rectifications(by) or by.department_id != rectification.rating.case.department_id:
            raise ApplicationError("只有本部门的工作人员可以对该评价提出申诉")
        if not rectification_is_open(rectification.status):
            raise ApplicationError("整改已办结的评价不能再申诉")
        try:
            with transaction.atomic():
                appeal = RatingAppeal.objects.create(rating=rating, reason=reason[:REPLY_MAX], filed_by=by)
        except IntegrityError:
            raise ApplicationError("该评价已提出过申诉，每条评价只能申诉一次") from None
        for admin in User.objects.filter(kind=UserKind.STAFF, staff_role=StaffRole.ADMIN, is_active=True):
            inbox_message_create(
                user=admin,
                title="有一条差评申诉待审核",
                body=f"办件{rating.case.number}的“{rating.get_level_display()}”评价，{by.department}申诉。",
                link=reverse("ratings:appeals"),
            )
    return appeal


def appeal_decide(*, appeal: RatingAppeal, by: User, outcome: AppealStatus, decision: str) -> RatingAppeal:
    """申诉成立 (the rating no longer counts in the figures and its rectification is void) or
    不成立 (the rectification goes on), with the reasons; recorded on the appeal and in the
    audit trail, and told to the one who appealed."""
    if not may_decide_appeals(by):
        raise ApplicationError("差评申诉由系统管理员审核")
    decision = decision.strip()
    if not decision:
        raise ApplicationError("请填写审核意见")
    with transaction.atomic():
        locked = RatingAppeal.objects.select_for_update().select_related("rating__case").get(pk=appeal.pk)
        if not appeal_allowed(source=locked.status, target=outcome):
            raise ApplicationError(f"该申诉已审核（{locked.get_status_display()}），不能再审核")
        level = locked.rating.level
        change = rating_counts(level=level, appeal_status=outcome) - rating_counts(
            level=level, appeal_status=locked.status
        )
        locked.status = outcome
        locked.decision = decision[:REPLY_MAX]
        locked.decided_at = timezone.now()
        locked.decided_by = by
        locked.save(update_fields=["status", "decision", "decided_at", "decided_by"])
        if outcome == AppealStatus.UPHELD:
            rectification = Rectification.objects.filter(rating_id=locked.rating_id).first()
            if rectification is not None and rectification_is_open(rectification.status):
                voided, target = _rectification_step(
                    rectification=rectification, by=by, action=RectificationAction.VOID
                )
                _rectification_status_set(voided, target)
                voided.save(update_fields=["status"])
        # After the rectification's lock, the order every step takes its locks in.
        _tally_move(case=locked.rating.case, change=change)
        inbox_message_create(
            user=locked.filed_by,
            title=f"差评申诉审核结果：{outcome.label}",
            body=f"办件{locked.rating.case.number}：{locked.decision}",
            link=reverse("ratings:rectification_for_rating", args=[locked.rating_id]),
        )
        audit_record(
            action=AuditAction.ADMIN_CHANGE,
            actor=by,
            obj=locked,
            label=f"差评申诉 {locked.rating.case.number}",
            detail={"outcome": str(outcome.label)},
        )
    return locked


# --- Figures -------------------------------------------------------------------------------


def _tally_move(*, case: Case, change: Counts) -> None:
    """Move the figures of the case's department and matter by `change`, in the caller's
    transaction: `UPDATE … SET n = n + d`, which the database applies to the row as it stands
    when the row lock is granted, so two changes at once both count. The row is made on the
    matter's first rating; `ignore_conflicts` lets a rival who made it first win, and the
    UPDATE after it (a new statement, so it sees the rival's row once committed) moves it."""
    changes = change.changes()
    if not changes:
        return
    moved = {name: F(name) + by for name, by in changes.items()}
    tally = RatingTally.objects.filter(department_id=case.department_id, matter_id=case.matter_id)
    if tally.update(**moved):
        return
    RatingTally.objects.bulk_create(
        [RatingTally(department_id=case.department_id, matter_id=case.matter_id)], ignore_conflicts=True
    )
    updated = tally.update(**moved)
    assert updated == 1, "the tally's row exists, made by us or by a rival"


def rating_tallies_rebuild(*, department_id: int | None = None) -> int:
    """Count the 好差评 figures of all time again from the ratings, for one department or all,
    and return how many tallies there are now: after rows were written around the services
    (the benchmark's and the demo's bulk loads, `figures.history`), or if an operator ever
    doubts them. Safe while ratings come in: on PostgreSQL the table is locked first against
    the services' moves, so a rating is either in the count (committed before it) or moves the
    new tally after it; SQLite lets one writer at a time anyway."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Conflicts with the services' UPDATEs (ROW EXCLUSIVE), not with the readers.
                cursor.execute(f"LOCK TABLE {RatingTally._meta.db_table} IN EXCLUSIVE MODE")
        tallies = RatingTally.objects.all()
        ratings = Rating.objects.all()
        if department_id is not None:
            tallies = tallies.filter(department_id=department_id)
            ratings = ratings.filter(case__department_id=department_id)
        rows = (
            ratings.order_by()
            .values("case__department_id", "case__matter_id")
            .annotate(**counts_aggregates())
        )
        tallies.delete()
        made = RatingTally.objects.bulk_create(
            [
                RatingTally(
                    department_id=row["case__department_id"],
                    matter_id=row["case__matter_id"],
                    ratings=row["ratings"],
                    satisfied=row["satisfied"],
                    open_rectifications=row["open_rectifications"],
                )
                for row in rows
            ]
        )
    return len(made)


# --- Push to the provincial system ----------------------------------------------------------


def rating_payload(rating: Rating) -> dict[str, Any]:
    """What the provincial system receives (docs/rating-push.md): the rating and the case it
    is about, and no personal data: the case number is how the province asks us about it."""
    case = rating.case
    return {
        "ratingId": str(rating.uuid),
        "caseNumber": case.number,
        "departmentCode": case.department.code,
        "departmentName": case.department.name,
        "matterCode": case.matter.code,
        "matterName": case.matter.name,
        "itemName": case.item.name,
        "level": int(rating.level),
        "levelName": str(RatingLevel(rating.level).label),
        "indicators": [{"code": c, "name": str(RatingIndicator(c).label)} for c in rating.indicators],
        "text": rating.text,
        "channel": "web",
        "ratedAt": timezone.localtime(rating.created_at).isoformat(),
        "caseEndedAt": timezone.localtime(case.decided_at).isoformat() if case.decided_at else None,
        "source": settings.SITE_URL,
    }


def rating_push_deliver(*, push_id: int) -> None:
    """Hand one rating to the provincial system (the body of the `push_rating` task): claim,
    push outside any transaction, record; retried with a growing delay while the system is
    down (`Outbox.attempt_failed`)."""
    push = PUSH_OUTBOX.claim(pk=push_id)
    if push is None:
        return
    rating = Rating.objects.select_related("case__department", "case__matter", "case__item").get(
        pk=push.rating_id
    )
    try:
        receipt = get_rating_gateway().push(payload=rating_payload(rating))
    except Exception as e:
        if not isinstance(e, RatingGatewayError):
            logger.exception("rating push %s: unexpected error from the gateway", push.pk)
        outcome = PUSH_OUTBOX.attempt_failed(
            push, reason=str(e) or e.__class__.__name__, label=f"{push.pk} ({rating.uuid})"
        )
        given_up = outcome == AttemptOutcome.FAILED
        rating_push_outcome(DeliveryOutcome.FAILED if given_up else DeliveryOutcome.RETRY)
        return
    push.receipt = receipt[:100]
    PUSH_OUTBOX.delivered(push, fields=["receipt"])
    rating_push_outcome(DeliveryOutcome.SENT)


def rating_push_retry(*, push: RatingPush) -> RatingPush:
    """Push a FAILED rating again (the admin's 「重新发送」): a fresh set of attempts from now,
    with the same `ratingId`, so a province that had taken it after all still counts one."""
    with transaction.atomic():
        push = RatingPush.objects.select_for_update().get(pk=push.pk)
        if push.status != OutboxStatus.FAILED:
            raise ApplicationError("只有推送失败的评价可以重新发送")
        PUSH_OUTBOX.requeue(push)
    return push


def rating_pushes_requeue_stale() -> int:
    """For `run_periodic`: pushes a dead worker or a lost task left behind
    (`Outbox.requeue_stale`). A push whose worker died after the province took it is sent
    again with the same `ratingId`, which the province's contract dedupes."""
    return PUSH_OUTBOX.requeue_stale()
