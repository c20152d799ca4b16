"""The one home of "what anyone is told about the catalogue has changed" (ADR 0030, addendum).

The public pages drawn from the catalogue (首页, 事项搜索, 办事指南, and the 注册人员查询 page
that shares their header) are kept rendered under the catalogue's version
(`portal/sharedpages.py`). The catalogue's only writers, the admin (`catalog/admin.py`) and the
seed (`catalog/seed.py`), call `catalogue_answers_replace`: an edit shows at the next request,
in every process."""

from __future__ import annotations

from lib.publiccache import version_of, version_replace

_NAME = "catalogue"


def catalogue_answers_version() -> str | None:
    """The version the public pages are kept under; None without a cache."""
    return version_of(_NAME)


def catalogue_answers_replace() -> None:
    """What the public is told about departments, 事项, 办理项 or materials changes with this
    transaction."""
    version_replace(_NAME)
