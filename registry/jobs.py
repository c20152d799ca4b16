"""Scheduled jobs of the register, run once a day by `manage.py run_periodic`.

Each job takes the day it works for, so tests and a late run give the same answer, and each
is safe to run again the same day or on several hosts at once: the rows it writes (an
`ExpiryReminder` per threshold, a lapsed status under a row lock) are its memory."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.selectors import account_of_identity
from cases.register import RenewalState
from catalog.registration_types import ChangeKind
from catalog.seed import EJJZS_ZGRD
from notifications.services import inbox_message_create, sms_enqueue
from registry.models import (
    ExpiryReminder,
    RegisteredSpecialty,
    RegisterSettings,
    Registration,
    RegistrationAction,
    RegistrationChange,
    RegistrationStatus,
)
from registry.renewal import renewal_window
from registry.services import registration_transition
from registry.transitions import transition_find

logger = logging.getLogger(__name__)

LAPSE_SUMMARY = "注册有效期届满未延续，注册失效"


def reminder_thresholds(*, config: RegisterSettings) -> list[int]:
    """The configured `reminder_days` as whole days, smallest first. The admin refuses a
    stray entry (`RegisterSettings.clean`); one saved before that check is skipped (and
    logged) rather than stopping every reminder."""
    days, invalid = config.reminder_parts()
    for part in invalid:
        logger.warning("注册规则的到期短信提醒天数中有无效的值 %r，已忽略", part)
    return days


def threshold_due(*, days_left: int, thresholds: list[int]) -> int | None:
    """The one threshold a specialty with `days_left` falls under: the smallest one not
    below `days_left`. A job that missed a few days therefore sends the most urgent
    reminder only, never the skipped ones as well."""
    return next((t for t in thresholds if days_left <= t), None)


@dataclass
class _Group:
    """The specialties of one registration that expire on one day and reach one threshold
    today: they make one SMS."""

    registration: Registration
    valid_to: date
    threshold: int
    specialties: list[RegisteredSpecialty] = field(default_factory=list)


def expiry_reminders_send(*, today: date) -> int:
    """Remind holders of a valid registration that specialties expire soon, by SMS and in
    the inbox of their account, once per specialty, expiry date and threshold of
    `reminder_days` (注册规则). Returns how many reminders were made (one per person,
    expiry date and threshold, listing its specialties).

    An expired specialty (valid_to before `today`) gets nothing: the reminders are about
    延续注册, which is too late then. A new expiry date after 延续注册 starts a fresh set."""
    config = RegisterSettings.current()
    thresholds = reminder_thresholds(config=config)
    if not thresholds:
        return 0
    # Only the last `max(thresholds)` days before an expiry can be due: the scan reads that
    # window, not the whole register.
    in_window = {"valid_to__gte": today, "valid_to__lte": today + timedelta(days=thresholds[-1])}
    specialties = (
        RegisteredSpecialty.objects.filter(registration__status=RegistrationStatus.VALID, **in_window)
        .select_related("registration__person")
        .order_by("registration_id", "valid_to", "specialty")
    )
    sent = set(
        ExpiryReminder.objects.filter(
            specialty__registration__status=RegistrationStatus.VALID, **in_window
        ).values_list("specialty_id", "valid_to", "days_before")
    )

    groups: dict[tuple[int, date, int], _Group] = {}
    for specialty in specialties:
        threshold = threshold_due(days_left=(specialty.valid_to - today).days, thresholds=thresholds)
        if threshold is None or (specialty.pk, specialty.valid_to, threshold) in sent:
            continue
        key = (specialty.registration_id, specialty.valid_to, threshold)
        group = groups.setdefault(
            key, _Group(registration=specialty.registration, valid_to=specialty.valid_to, threshold=threshold)
        )
        group.specialties.append(specialty)

    made = 0
    # In a fixed order, so that two hosts running at once take the unique keys in the same
    # order and one waits for the other instead of deadlocking.
    for _, group in sorted(groups.items()):
        with transaction.atomic():
            # The unique key decides which host sends: whoever inserts the row first. The
            # others get IntegrityError in their savepoint and leave that specialty out.
            fresh: list[RegisteredSpecialty] = []
            for specialty in group.specialties:
                try:
                    with transaction.atomic():
                        ExpiryReminder.objects.create(
                            specialty=specialty, valid_to=group.valid_to, days_before=group.threshold
                        )
                except IntegrityError:
                    continue
                fresh.append(specialty)
            if fresh:
                _expiry_notify(group=group, specialties=fresh, today=today, config=config)
                made += 1
    if made:
        logger.info("queued %d specialty expiry reminder(s) for %s", made, today.isoformat())
    return made


def _expiry_notify(
    *, group: _Group, specialties: list[RegisteredSpecialty], today: date, config: RegisterSettings
) -> None:
    registration = group.registration
    person = registration.person
    # The person's portal account, if they have one: its mobile is the one they proved with
    # an SMS code and keep up to date, the register's copy dates from the grant.
    user = account_of_identity(id_type=person.id_type, id_number=person.id_number)
    mobile = (user.mobile if user is not None else "") or person.mobile
    window = renewal_window(group.valid_to, config=config)
    state = window.state_on(today)
    names = "、".join(s.get_specialty_display() for s in specialties)
    context: dict[str, object] = {
        "number": registration.number,
        "specialties": names,
        "valid_to": f"{group.valid_to:%Y年%m月%d日}",
        "opens_days": config.renewal_opens_days,
        "closes_days": config.renewal_closes_days,
        "opens_on": f"{window.opens:%Y年%m月%d日}",
        "closes_on": f"{window.closes:%Y年%m月%d日}",
        "window_closed": state == RenewalState.CLOSED,
    }
    if mobile:
        sms_enqueue(mobile=mobile, template="specialty_expiring", context=context, user=user)
    if user is not None:
        advice = {
            RenewalState.BEFORE: f"可于{context['opens_on']}至{context['closes_on']}期间申请延续注册。",
            RenewalState.OPEN: f"请于{context['closes_on']}前申请延续注册。",
            RenewalState.CLOSED: "延续注册的受理期限已过，有效期届满后注册失效。",
        }[state]
        inbox_message_create(
            user=user,
            title="注册有效期即将届满",
            body=f"您的二级建造师注册（注册编号{registration.number}）中{names}专业的注册有效期至"
            f"{context['valid_to']}。延续注册在有效期届满前{config.renewal_opens_days}日至"
            f"{config.renewal_closes_days}日内受理，{advice}",
            link=reverse("catalog:guide", args=[EJJZS_ZGRD.code]),
        )


def registrations_lapse(*, today: date) -> int:
    """失效: a valid registration none of whose specialties is valid on `today` any more
    becomes lapsed, with a history row. Returns how many lapsed.

    A registration with one specialty still valid stays valid. The certificate is not
    revoked here (`registry` may not import `certificates`); the verification page reads
    the registration's status and shows 注册已失效, and 加注 is refused for it."""
    candidates = list(
        Registration.objects.filter(status=RegistrationStatus.VALID)
        .exclude(specialties__valid_to__gte=today)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    lapsed = 0
    for pk in candidates:
        with transaction.atomic():
            # Check again under the lock: a granted 延续注册 or 注销 may have changed the
            # registration since the scan, and a second host may have lapsed it already. The
            # register's writers lock this row before they change its specialties, so what we
            # read now stays true until we commit.
            registration = Registration.objects.select_for_update().get(pk=pk)
            # The table (from the status on `today`, the register's one definition of 失效,
            # also used by the pages before this job has run) says whether there is a lapse
            # to write down.
            if (
                transition_find(registration=registration, action=RegistrationAction.LAPSE, today=today)
                is None
            ):
                continue
            specialties = list(registration.specialties.all())
            last_day = max((s.valid_to for s in specialties), default=None)
            registration_transition(registration=registration, action=RegistrationAction.LAPSE, today=today)
            RegistrationChange.objects.create(
                registration=registration,
                case=None,
                kind=ChangeKind.LAPSE,
                summary=LAPSE_SUMMARY,
                data={
                    "valid_to": last_day.isoformat() if last_day else None,
                    "specialties": [s.specialty for s in specialties],
                },
            )
            lapsed += 1
    if lapsed:
        logger.info("%d registration(s) lapsed on %s", lapsed, today.isoformat())
    return lapsed
