"""The one home of "a department's count of cases by status has changed" (issue 14, the
mechanism of ADR 0030).

The workbench counts a department's cases under each tab on every view: at 100,000 cases that
count alone costs more than the rest of the page. It is kept in the shared cache under the
department's version (`lib.publiccache`), which `cases.services.case_transition`, the one
writer of a case's status, replaces: the next view in any process counts again. What changes a
status without it (a bulk load, an administrator's edit) shows within `ANSWER_SECONDS`."""

from __future__ import annotations

from lib.publiccache import version_of, version_replace


def _name(department_id: int) -> str:
    return f"department-cases:{department_id}"


def department_counts_version(*, department_id: int) -> str | None:
    """The version the department's counts are kept under; None without a cache."""
    return version_of(_name(department_id))


def department_counts_replace(*, department_id: int) -> None:
    """A case of the department changes status with this transaction."""
    version_replace(_name(department_id))
