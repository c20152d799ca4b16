"""Eligibility checks that need the register, handed to `cases` at start-up."""

from __future__ import annotations

from datetime import date

from accounts.models import User
from cases.types import eligibility_register
from registry.models import Registration, RegistrationStatus


def refuse_if_registered(user: User, today: date) -> str | None:
    registration = (
        Registration.objects.filter(person__id_number=user.id_number, status=RegistrationStatus.VALID)
        .only("number")
        .first()
    )
    if registration is not None:
        return f"您已是有效注册的二级建造师（注册编号{registration.number}），不能申请初始注册"
    return None


def register_checks() -> None:
    eligibility_register("initial", refuse_if_registered)
