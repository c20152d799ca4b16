"""「上一页 · 第 n 页 · 下一页」 under a list that can grow (issue 14): one control for every
paginated page, links that keep the page's other parameters (a workbench tab, a search),
each page number named for screen readers, and tap targets a phone can hit."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.paginator import Page

register = template.Library()


@register.inclusion_tag("includes/pagination.html", takes_context=True)
def pagination(
    context: dict[str, Any], page: Page[Any], label: str = "分页", unit: str = "条", param: str = "page"
) -> dict[str, Any]:
    """The controls for `page`; `label` names the list for screen readers ("我的办件分页"),
    `unit` counts its rows (件, 条), `param` is the query parameter of the page's number (two
    lists on one page need two)."""
    request = context.get("request")
    kept = request.GET.copy() if request is not None else None

    def href(number: int) -> str:
        if kept is None:
            return f"?{param}={number}"
        query = kept.copy()
        query[param] = str(number)
        return f"?{query.urlencode()}"

    numbers = page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
    return {
        "page": page,
        "label": label,
        "unit": unit,
        "previous": href(page.previous_page_number()) if page.has_previous() else "",
        "next": href(page.next_page_number()) if page.has_next() else "",
        "numbers": [
            {"number": n, "href": href(n) if isinstance(n, int) else "", "current": n == page.number}
            for n in numbers
        ],
    }
