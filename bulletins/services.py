"""Writes of the 注册公告: the 科室负责人 prepares a draft from his department's pending register
decisions, previews it, and publishes it; the published batch's PDF is drawn once and kept.

    draft = bulletin_draft_prepare(user=leader)
    bulletin = bulletin_publish(user=leader, bulletin=draft)
    pdf = bulletin_pdf(bulletin=bulletin)"""

from __future__ import annotations

import logging

from django.core.files.storage import default_storage
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from bulletins.models import Bulletin, BulletinAction, BulletinEntry, BulletinStatus
from bulletins.selectors import changes_pending, may_publish_bulletins
from bulletins.tasks import make_bulletin_pdf
from bulletins.transitions import bulletin_target
from cases.counters import counter_next
from catalog.models import Department
from catalog.specialties import specialty_names
from lib.errors import ApplicationError
from lib.masking import mask_name
from lib.storage import file_save
from lib.taskqueue import enqueue
from paperwork.documents import BulletinContext, BulletinRow, bulletin_pdf_render
from registry.models import RegistrationChange
from registry.selectors import change_decided

logger = logging.getLogger(__name__)

NOTHING_PENDING = "本部门目前没有待公告的注册决定"
NOT_THE_LEADER = "注册公告由本部门的科室负责人编制和发布"


class BulletinError(ApplicationError):
    pass


def bulletin_title(department: Department) -> str:
    return f"{department.name}二级建造师注册公告"


def bulletin_number(*, year: int, serial: int) -> str:
    return f"辽建注公告〔{year}〕第{serial}号"


def _entry(*, bulletin: Bulletin, change: RegistrationChange, position: int) -> BulletinEntry:
    """The entry as it will be published: masked as the 注册人员查询 masks, and copied, so that a
    later change of the register does not rewrite it."""
    registration = change.registration
    # What the decision itself named: an 初始注册 and a later 变更 in one batch each show their own
    # employer, an 增项 its added specialties.
    codes, employer = change_decided(change)
    if codes is None:
        codes = [s.specialty for s in registration.specialties.all()]
    return BulletinEntry(
        bulletin=bulletin,
        change=change,
        position=position,
        kind=change.kind,
        holder_name_masked=mask_name(registration.person.name),
        registration_number=registration.number,
        specialties=specialty_names(codes),
        employer_name=employer or registration.employer_name,
        decided_on=timezone.localdate(change.created_at),
    )


def _leader_check(*, user: User, department_id: int) -> None:
    if not may_publish_bulletins(user) or user.department_id != department_id:
        raise BulletinError(NOT_THE_LEADER)


@transaction.atomic
def bulletin_draft_prepare(*, user: User) -> Bulletin:
    """The department's draft, made from (or refreshed with) every pending decision, so that
    the leader previews exactly what he will publish. A second click refreshes the same draft
    (one draft per department). Refused when nothing is pending."""
    if not may_publish_bulletins(user) or user.department_id is None:
        raise BulletinError(NOT_THE_LEADER)
    # The department row, locked: two leaders' clicks compose one after the other.
    department = Department.objects.select_for_update().get(pk=user.department_id)
    draft = Bulletin.objects.filter(department=department, status=BulletinStatus.DRAFT).first()
    if draft is not None:
        # Its decisions become pending again and are composed anew, with any that came since.
        draft.entries.all().delete()
    changes = list(changes_pending(department_id=department.pk))
    if not changes:
        raise BulletinError(NOTHING_PENDING)
    now = timezone.now()
    days = [timezone.localdate(change.created_at) for change in changes]
    if draft is None:
        draft = Bulletin(department=department, status=BulletinStatus.DRAFT)
    draft.title = bulletin_title(department)
    draft.period_start, draft.period_end = min(days), max(days)
    draft.prepared_by, draft.prepared_at = user, now
    draft.save()
    BulletinEntry.objects.bulk_create(
        [_entry(bulletin=draft, change=change, position=n) for n, change in enumerate(changes, start=1)]
    )
    return draft


@transaction.atomic
def bulletin_draft_discard(*, user: User, bulletin: Bulletin) -> None:
    """The draft dropped; its decisions are pending again. A published batch stays."""
    locked = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    _leader_check(user=user, department_id=locked.department_id)
    if locked.status != BulletinStatus.DRAFT:
        raise BulletinError("公告已发布，不能删除")
    locked.delete()


def bulletin_publish(*, user: User, bulletin: Bulletin, request: HttpRequest | None = None) -> Bulletin:
    """Publish the draft as it was previewed: it gets its number (辽建注公告〔2026〕第1号) and
    time, and is never edited again. Publishing a published batch (a double click, a second
    tab) returns it unchanged. Refused for an empty batch and for anyone but the department's
    科室负责人. Audited; the PDF is drawn by the worker afterwards."""
    with transaction.atomic():
        locked = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
        _leader_check(user=user, department_id=locked.department_id)
        if locked.status == BulletinStatus.PUBLISHED:
            return locked
        target = bulletin_target(status=locked.status, action=BulletinAction.PUBLISH)
        if target is None:
            raise BulletinError(f"公告当前状态为“{locked.get_status_display()}”，不能发布")
        count = locked.entries.count()
        if count == 0:
            raise BulletinError("公告没有任何条目，不能发布")
        now = timezone.now()
        year = timezone.localdate(now).year
        locked.number = bulletin_number(year=year, serial=counter_next(key=f"bulletin-{year}"))
        locked.status = target
        locked.published_by, locked.published_at = user, now
        locked.save(update_fields=["number", "status", "published_by", "published_at"])
        # Drawn by the worker (WeasyPrint takes a second or two); the public PDF page draws it
        # itself if the task has not run yet (`bulletin_pdf`).
        enqueue(make_bulletin_pdf, bulletin_id=locked.pk)
        # ADMIN_CHANGE, as ADR 21's appeal decisions: a new action would need a migration of
        # `audit` for a label (ADR 26).
        audit_record(
            action=AuditAction.ADMIN_CHANGE,
            request=request,
            actor=user,
            obj=locked,
            label=f"发布注册公告 {locked.number}",
            detail={"bulletin": locked.number, "entries": count},
        )
        return locked


def bulletin_context(bulletin: Bulletin) -> BulletinContext:
    rows: list[BulletinRow] = [
        {
            "position": entry.position,
            "kind": entry.get_kind_display(),
            "name": entry.holder_name_masked,
            "registration_number": entry.registration_number,
            "specialties": entry.specialties,
            "employer_name": entry.employer_name,
            "decided_on": entry.decided_on,
        }
        for entry in bulletin.entries.all()
    ]
    assert bulletin.published_at is not None
    return {
        "department": bulletin.department.name,
        "title": bulletin.title,
        "number": bulletin.number,
        "period_start": bulletin.period_start,
        "period_end": bulletin.period_end,
        "published_on": timezone.localdate(bulletin.published_at),
        "rows": rows,
    }


def bulletin_pdf(*, bulletin: Bulletin) -> bytes:
    """The published batch's PDF: the kept file, or drawn now and kept. A published batch
    never changes, so it is drawn once; two first requests at once may both draw it, and the
    loser's file is removed."""
    if not bulletin.is_published:
        raise BulletinError("草稿没有PDF文件")
    kept = bulletin.file.name
    if kept:
        try:
            with default_storage.open(kept, "rb") as stored:
                data: bytes = stored.read()
                return data
        except FileNotFoundError:
            # A database restored without its files: the content is in the rows, draw it again.
            logger.warning("bulletin %s: PDF %s missing, drawn again", bulletin.pk, kept)
    content = bulletin_pdf_render(bulletin_context(bulletin))
    name = file_save(f"bulletins/{bulletin.pk}.pdf", content)
    won = Bulletin.objects.filter(pk=bulletin.pk, file=kept).update(file=name)
    if won:
        bulletin.file.name = name
    else:
        default_storage.delete(name)
    return content


def bulletin_pdf_make(*, bulletin_id: int) -> None:
    """The task: draw and keep the PDF of a published batch, unless it is there already."""
    bulletin = Bulletin.objects.select_related("department").filter(pk=bulletin_id).first()
    if bulletin is None or not bulletin.is_published or bulletin.file:
        return
    bulletin_pdf(bulletin=bulletin)
