"""Reads of the public catalogue (no personal data, so no scoping needed).

The `*_get` selectors raise Http404 for an unknown code, so every view that shows one
thing answers a mistyped address the same way."""

from __future__ import annotations

import copy

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from catalog.answers import catalogue_answers_version
from catalog.models import Department, Material, Matter, ServiceItem
from catalog.registration_types import ProceedingKind
from catalog.search import normalize_query, query_terms, split_aliases
from lib.publiccache import answer_get, answer_set

# Ranks of a search hit, best first.
RANK_EXACT_NAME = 0
RANK_NAME = 1
RANK_ALIAS = 2
RANK_PINYIN = 3


def department_list() -> QuerySet[Department]:
    # Explicit order: Django leaves Meta.ordering out of aggregating queries.
    return Department.objects.annotate(matter_count=Count("matters")).order_by("order", "id")


def department_get(*, code: str) -> Department:
    try:
        return Department.objects.get(code=code)
    except Department.DoesNotExist:
        raise Http404("没有这个部门") from None


def matter_featured() -> QuerySet[Matter]:
    return Matter.objects.select_related("department").order_by("department__order", "order", "id")[:8]


def matter_list_for_department(*, department: Department) -> QuerySet[Matter]:
    return Matter.objects.filter(department=department).order_by("order", "id")


def _with_guide(queryset: QuerySet[Matter]) -> QuerySet[Matter]:
    # The guide and the apply page show every 办理项 with all its materials: two queries
    # instead of one per 办理项.
    return queryset.select_related("department").prefetch_related(
        Prefetch(
            "items",
            # The authority's own proceedings (ADR 27) have 办理项 nobody applies for.
            queryset=ServiceItem.objects.exclude(code__in=ProceedingKind.values)
            .order_by("order", "id")
            .prefetch_related(Prefetch("materials", queryset=Material.objects.order_by("order", "id"))),
        )
    )


def matter_get(*, code: str) -> Matter:
    try:
        return _with_guide(Matter.objects.all()).get(code=code)
    except Matter.DoesNotExist:
        raise Http404("没有这个事项") from None


def item_materials_prefetch(*, item: ServiceItem) -> None:
    """Have `item.materials.all()` answer without a query where it can: the 办理项's materials
    are kept in the shared cache under the catalogue's version, which every edit in the admin
    and every seed replaces (`catalog.answers`), as the 办事指南 kept there is. Every 保存并提交
    checks and lists them (ISSUE 14). Without a cache they are read, as by prefetching."""
    version = catalogue_answers_version()
    key = f"item-materials:{version}:{item.pk}"
    kept = answer_get(key) if version is not None else None
    if not isinstance(kept, list):
        kept = list(Material.objects.filter(item=item).order_by("order", "id"))
        if version is not None:
            answer_set(key, kept)
    # Copies: the kept rows are this process's, shared by every request it serves.
    materials = [copy.copy(m) for m in kept]
    for material in materials:
        material.item = item
    # As Django's prefetching leaves it: the related manager answers from this evaluated set.
    rows = item.materials.all()
    rows._result_cache = materials
    item.__dict__.setdefault("_prefetched_objects_cache", {})["materials"] = rows


def _rank(matter: Matter, *, query: str, terms: list[str]) -> int:
    name = normalize_query(matter.name)
    if name == query:
        return RANK_EXACT_NAME
    if all(term in name for term in terms):
        return RANK_NAME
    texts = [name, *split_aliases(matter.aliases)]
    if all(any(term in text for text in texts) for term in terms):
        return RANK_ALIAS
    return RANK_PINYIN


def matter_search(*, query: str) -> list[Matter]:
    """事项 whose name, aliases or their pinyin contain every term of the query.

    Ranked: the exact name first (the manual tells people to type it), then names that
    contain the query, then alias hits, then pinyin-only hits; ties in catalogue order.
    Ranking is done here rather than in SQL because it compares NFKC-normalised text,
    and a keyword never matches more than a few dozen 事项."""
    normalized = normalize_query(query)
    terms = query_terms(normalized)
    if not terms:
        return []
    condition = Q()
    for term in terms:
        condition &= Q(search_text__icontains=term)
    matters = list(Matter.objects.filter(condition).select_related("department"))
    matters.sort(key=lambda m: (_rank(m, query=normalized, terms=terms), m.department.order, m.order, m.pk))
    return matters
