"""The one home of the 延续注册 window and of "expiring soon", both from the province's policy
(`RegisterSettings`: the window opens `renewal_opens_days` and closes `renewal_closes_days`
before a specialty's 有效期至).

"Expiring soon" is the window's own start: a specialty stands out on the pages from the day
its holder may renew it until the day it expires, so the pages, the eligibility checks, the
forms and the reminders all change together when an administrator moves the window."""

from __future__ import annotations

from datetime import date, timedelta

from cases.register import RenewalWindow
from registry.models import RegisterSettings


def renewal_window(valid_to: date, *, config: RegisterSettings | None = None) -> RenewalWindow:
    """The 延续注册 window of a specialty that expires on `valid_to`."""
    config = config or RegisterSettings.current()
    return RenewalWindow(
        valid_to=valid_to,
        opens=valid_to - timedelta(days=config.renewal_opens_days),
        closes=valid_to - timedelta(days=config.renewal_closes_days),
    )


def expiring_soon(valid_to: date, *, today: date, config: RegisterSettings | None = None) -> bool:
    """In force today, and its 延续注册 window has opened."""
    return renewal_window(valid_to, config=config).opens <= today <= valid_to
