from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from accounts.middleware import session_idle_seconds
from accounts.selectors import verified_identity
from cases.models import CaseStatus, ConfirmationKind, ConfirmationStatus
from certificates.models import CertificateStatus, CopyStatus
from commitments.models import CheckStatus
from notifications.selectors import inbox_unread_count
from portal.display import DisplayMode, display_mode_of
from privacy.models import CorrectionStatus
from ratings.models import AppealStatus, RectificationStatus
from registry.models import RegistrationStatus

# Where a page kept for every visitor (portal/sharedpages.py) is rendered, the request holds a
# random mark under this name, rendered in place of the CSRF token; each answer puts its own
# visitor's token there.
CSRF_MARK_ATTRIBUTE = "shared_page_csrf_mark"


def site_contacts() -> dict[str, Any]:
    """What every page says about the site, needing no request and no database: the error
    pages for 400 and 500 use it alone."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SUPPORT_PHONE": "024-83988821",
        "HOTLINE": "12345",
    }


def site(request: HttpRequest) -> dict[str, Any]:
    context = site_contacts()
    mark = getattr(request, CSRF_MARK_ATTRIBUTE, None)
    if mark is not None:
        # Over the token of Django's own processor, which runs before the listed ones.
        context["csrf_token"] = mark
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["INBOX_UNREAD"] = inbox_unread_count(user=user)
        # For the warning before the idle timeout (static/js/session.js).
        context["SESSION_IDLE_SECONDS"] = session_idle_seconds()
        # Read from the signed-in user alone (no query): an unverified person is told on every
        # page why submitting and certificates are closed, and where to fix it.
        context["UNVERIFIED_PERSON"] = user.is_person and verified_identity(user) is None
    return context


# Pages compare statuses with these enums, never with a bare value: `{% if case.status ==
# CaseStatus.DRAFT %}`. (Django's choices are not called by templates, so the class itself
# goes into the context.)
STATUS_ENUMS: dict[str, type] = {
    e.__name__: e
    for e in (
        CaseStatus,
        ConfirmationKind,
        ConfirmationStatus,
        RegistrationStatus,
        CertificateStatus,
        CopyStatus,
        CorrectionStatus,
        CheckStatus,
        RectificationStatus,
        AppealStatus,
    )
}


def statuses(request: HttpRequest) -> dict[str, Any]:
    return dict(STATUS_ENUMS)


def display(request: HttpRequest) -> dict[str, Any]:
    """关怀版 or 标准版, from the cookie: base.html puts a class on <html> so the first paint
    is already right."""
    mode = display_mode_of(request)
    return {"DISPLAY_MODE": mode, "CARE_MODE": mode == DisplayMode.CARE, "DisplayMode": DisplayMode}
