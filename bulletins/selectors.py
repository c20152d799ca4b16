"""Reads of the 注册公告, scoped to who asks.

- Anyone sees the published batches and their entries, nothing else: a draft does not exist
  for the public (404).
- The 科室负责人 (StaffRole.LEADER) sees his own department's pending decisions, draft and
  batches; anybody else, and a leader of another department, gets a 404.

Which history rows are decisions to publish is `changes_pending`'s rule (one home)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.models import User
from bulletins.models import Bulletin, BulletinEntry, BulletinStatus
from catalog.registration_types import ChangeKind
from registry.models import RegistrationChange

# The history kinds that are not decisions of the department: 失效 happens by itself when a
# period ends, and 遗失补办 reissues a certificate without changing the registration. Every
# other kind is published, so a kind added later (撤销注册, 强制注销) is published by default.
NOT_PUBLISHED_KINDS = frozenset({ChangeKind.LAPSE, ChangeKind.REISSUE})

# The longest search text the public list takes: a 注册编号 or an enterprise's name fits.
QUERY_MAX_LENGTH = 100


def published_kinds() -> list[ChangeKind]:
    return [kind for kind in ChangeKind if kind not in NOT_PUBLISHED_KINDS]


def may_publish_bulletins(user: User) -> bool:
    """The department's 科室负责人, and nobody else, prepares and publishes its batches."""
    return isinstance(user, User) and user.is_department_leader


def leader_department_id(*, user: User) -> int:
    """The department whose bulletins `user` keeps; for anyone else the pages do not exist."""
    if not may_publish_bulletins(user):
        raise Http404("注册公告由本部门的科室负责人编制和发布")
    assert user.department_id is not None  # may_publish_bulletins
    return user.department_id


def changes_pending(*, department_id: int) -> QuerySet[RegistrationChange]:
    """The department's register decisions in no batch yet (a draft's included), oldest first.

    A change belongs to the department of the case that caused it; one without a case (an
    action of the authority's own) to the department of the case that created the
    registration, which keeps the register it is in."""
    return (
        RegistrationChange.objects.exclude(kind__in=NOT_PUBLISHED_KINDS)
        .filter(bulletin_entry__isnull=True)
        .annotate(
            owner_department_id=Coalesce(
                "case__department_id", "registration__created_by_case__department_id"
            )
        )
        .filter(owner_department_id=department_id)
        .select_related("registration__person")
        .prefetch_related("registration__specialties")
        .order_by("created_at", "id")
    )


# --- the 科室负责人 ---------------------------------------------------------------------------


def bulletin_draft_for_leader(*, user: User) -> Bulletin | None:
    department_id = leader_department_id(user=user)
    return Bulletin.objects.filter(department_id=department_id, status=BulletinStatus.DRAFT).first()


def bulletins_published_for_leader(*, user: User) -> QuerySet[Bulletin]:
    department_id = leader_department_id(user=user)
    return (
        Bulletin.objects.filter(department_id=department_id, status=BulletinStatus.PUBLISHED)
        .annotate(entry_count=Count("entries"))
        .select_related("published_by")
        .order_by("-published_at", "-id")
    )


def bulletin_get_for_leader(*, user: User, pk: int) -> Bulletin:
    department_id = leader_department_id(user=user)
    try:
        return Bulletin.objects.select_related("department").get(pk=pk, department_id=department_id)
    except Bulletin.DoesNotExist:
        raise Http404("没有这期公告") from None


# --- the public -----------------------------------------------------------------------------


def _published() -> QuerySet[Bulletin]:
    return Bulletin.objects.filter(status=BulletinStatus.PUBLISHED)


def bulletins_public(*, query: str = "") -> QuerySet[Bulletin]:
    """The published batches, newest first, with their entry counts; with `query`, those whose
    number, or one of whose entries' 注册编号 or 聘用企业, contains it. Names are never
    searched: they are published masked, and a search by a full name must not tell whether
    that person is in a bulletin."""
    batches = _published()
    query = query.strip()[:QUERY_MAX_LENGTH]
    if query:
        matching = BulletinEntry.objects.filter(
            Q(registration_number__icontains=query) | Q(employer_name__icontains=query)
        ).values("bulletin_id")
        batches = batches.filter(Q(number__icontains=query) | Q(pk__in=matching))
    return (
        batches.annotate(entry_count=Count("entries"))
        .select_related("department")
        .order_by("-published_at", "-id")
    )


def entries_public_matching(*, query: str) -> QuerySet[BulletinEntry]:
    """The published entries whose 注册编号 or 聘用企业 contains `query`, newest batch first."""
    query = query.strip()[:QUERY_MAX_LENGTH]
    if not query:
        return BulletinEntry.objects.none()
    return (
        BulletinEntry.objects.filter(bulletin__status=BulletinStatus.PUBLISHED)
        .filter(Q(registration_number__icontains=query) | Q(employer_name__icontains=query))
        .select_related("bulletin")
        .order_by("-bulletin__published_at", "-bulletin_id", "position")
    )


def bulletin_get_public(*, pk: int) -> Bulletin:
    try:
        return _published().select_related("department").get(pk=pk)
    except Bulletin.DoesNotExist:
        raise Http404("没有这期公告") from None
