"""The one home of "a department's 好差评 figures have changed" (issue 14, the mechanism of
ADR 0030).

The workbench shows the department's figures of all time (ratings, satisfied, rectifications
still open) on every view: at 40,000 ratings that one query costs more than the rest of the
page. They are kept in the shared cache under the department's version (`lib.publiccache`),
which every service of `ratings.services` that changes them replaces (a rating, a
rectification's step, an appeal's decision): the next view in any process counts again."""

from __future__ import annotations

from lib.publiccache import version_of, version_replace


def _name(department_id: int) -> str:
    return f"department-ratings:{department_id}"


def rating_figures_version(*, department_id: int) -> str | None:
    """The version the department's figures are kept under; None without a cache."""
    return version_of(_name(department_id))


def rating_figures_replace(*, department_id: int) -> None:
    """The department's figures change with this transaction."""
    version_replace(_name(department_id))
