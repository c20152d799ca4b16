"""The registry of registration types (ADR 10): the system check refuses a type that lacks a
part or a hand-over that did not happen, and the real registry passes it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from io import StringIO
from unittest import mock

from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from cases.checks import registration_types_check
from cases.tests.helpers import item_of
from cases.types import REGISTRATION_TYPES, ApplicationType, TypeRegistry, eligibility_refusals
from catalog.registration_types import CertificateAction, ChangeKind, RegistrationType
from portal.test import BaseTestCase
from registry.services import EFFECTS, registration_grant_cancel


def copies(**changes: object) -> list[ApplicationType]:
    """Copies of the real entries, with `changes` made to each (the real ones stay whole)."""
    return [replace(t, **changes) for t in REGISTRATION_TYPES]  # type: ignore[arg-type]


class RegistrationTypesCheckTestCase(BaseTestCase):
    def test_it_passes_for_the_real_registry(self) -> None:
        self.assertEqual(registration_types_check(), [])
        out = StringIO()
        call_command("check", stdout=out)
        self.assertIn("System check identified no issues", out.getvalue())

    def test_every_type_carries_every_part(self) -> None:
        self.assertEqual({t.code for t in REGISTRATION_TYPES}, set(RegistrationType))
        for t in REGISTRATION_TYPES:
            with self.subTest(t.code):
                self.assertIs(t.register_effect, EFFECTS[t.code])
                self.assertTrue(t.register_checks)
                self.assertEqual(t.history_kind.value, t.code.value)
        self.assertEqual(
            REGISTRATION_TYPES[RegistrationType.CANCEL].register_effect, registration_grant_cancel
        )
        actions = {t.code: t.certificate_action for t in REGISTRATION_TYPES}
        self.assertEqual(actions.pop(RegistrationType.CANCEL), CertificateAction.CANCEL)
        self.assertEqual(actions.pop(RegistrationType.REISSUE), CertificateAction.REISSUE)
        self.assertEqual(set(actions.values()), {CertificateAction.NEW_VERSION})

    def test_it_fails_for_a_type_without_its_register_effect(self) -> None:
        types = copies()
        types[-1] = replace(types[-1], register_effect=None)
        errors = registration_types_check(registry=TypeRegistry(types))
        self.assertEqual(
            [(e.id, e.msg) for e in errors],
            [("cases.E001", f"注册类型“{types[-1].code.label}”缺少登记规则（registry 交接）")],
        )

    def test_it_fails_for_a_type_with_no_entry(self) -> None:
        types = [t for t in copies() if t.code != RegistrationType.RENEWAL]
        errors = registration_types_check(registry=TypeRegistry(types))
        self.assertEqual([e.msg for e in errors], ["注册类型“延续注册”（renewal）没有定义"])

    def test_it_fails_for_every_type_when_registry_handed_nothing_over(self) -> None:
        errors = registration_types_check(
            registry=TypeRegistry(copies(register_checks=None, register_effect=None))
        )
        self.assertEqual(len(errors), 2 * len(RegistrationType))
        self.assertIn("注册类型“初始注册”缺少注册信息库的申请条件（registry 交接）", [e.msg for e in errors])

    def test_it_fails_when_two_types_leave_the_same_history_kind(self) -> None:
        types = copies()
        types[1] = replace(types[1], history_kind=ChangeKind.INITIAL)
        errors = registration_types_check(registry=TypeRegistry(types))
        self.assertEqual([e.msg for e in errors], ["变更类型“初始注册”被多个注册类型使用"])

    def test_it_fails_when_the_record_lookup_was_not_handed_over(self) -> None:
        with mock.patch.dict("cases.register._providers", clear=True):
            errors = registration_types_check()
        self.assertEqual(
            [e.msg for e in errors], ["注册信息库未交接注册记录查询", "注册信息库未交接提取信息"]
        )

    def test_a_hand_over_for_an_unknown_type_is_refused(self) -> None:
        registry = TypeRegistry([t for t in copies() if t.code != RegistrationType.REISSUE])
        with self.assertRaisesMessage(ImproperlyConfigured, RegistrationType.REISSUE.value):
            registry.hand_over(RegistrationType.REISSUE, register_effect=registration_grant_cancel)

    def test_an_application_is_never_checked_without_the_register_checks(self) -> None:
        registry = TypeRegistry(copies(register_checks=None))
        item = item_of(RegistrationType.INITIAL)
        with (
            mock.patch("cases.types.REGISTRATION_TYPES", registry),
            self.assertRaisesMessage(ImproperlyConfigured, "初始注册"),
        ):
            eligibility_refusals(item=item, user=self.applicant, today=date(2026, 6, 1))
