"""What a batch holds: the department's register decisions not yet in a batch, every kind but
失效 and 遗失补办 (a kind added later included), each as it stood when composed."""

from __future__ import annotations

from django.test import TestCase

from bulletins.models import Bulletin, BulletinEntry, BulletinStatus
from bulletins.selectors import NOT_PUBLISHED_KINDS, changes_pending, published_kinds
from bulletins.services import NOTHING_PENDING, BulletinError, bulletin_draft_prepare
from bulletins.tests.builders import bulletin_published, change_add, other_leader
from catalog.registration_types import ChangeKind
from portal.test import BaseTestCase
from registry.models import Person, Registration, RegistrationChange
from registry.tests.builders import registration_granted


class KindsTestCase(TestCase):
    def test_it_publishes_every_kind_but_lapse_and_reissue(self):
        # Enumerated, not listed: a kind added to ChangeKind (撤销注册, 强制注销) is published
        # unless it is added to NOT_PUBLISHED_KINDS on purpose.
        self.assertEqual(NOT_PUBLISHED_KINDS, {ChangeKind.LAPSE, ChangeKind.REISSUE})
        self.assertEqual(set(published_kinds()), set(ChangeKind) - {ChangeKind.LAPSE, ChangeKind.REISSUE})


class ComposeTestCase(BaseTestCase):
    registration: Registration

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # 张伟 in 建筑工程 and 市政公用工程, by a granted 初始注册 (one history row).
        cls.registration = registration_granted(cls, specialties=("10401001", "10401010"))

    def test_it_composes_one_entry_per_decision_of_every_published_kind(self):
        for kind in ChangeKind:
            if kind != ChangeKind.INITIAL:
                change_add(self.registration, kind)

        draft = bulletin_draft_prepare(user=self.leader)

        self.assertEqual(draft.status, BulletinStatus.DRAFT)
        self.assertEqual(draft.number, "")
        kinds = list(draft.entries.values_list("kind", flat=True))
        # Every kind of ChangeKind once, in the order decided, but 失效 and 遗失补办.
        self.assertEqual(kinds, [k.value for k in ChangeKind if k not in NOT_PUBLISHED_KINDS])
        self.assertEqual(
            RegistrationChange.objects.filter(bulletin_entry__isnull=True).count(), len(NOT_PUBLISHED_KINDS)
        )

    def test_it_includes_a_kind_that_is_not_excluded_by_name(self):
        # A kind stored by a later version (another helper's 撤销注册): nothing in the rule
        # lists the kinds to include, so an unknown value is included too.
        RegistrationChange.objects.create(
            registration=self.registration, kind="revoke", summary="撤销注册", data={}
        )
        draft = bulletin_draft_prepare(user=self.leader)
        self.assertIn("revoke", list(draft.entries.values_list("kind", flat=True)))

    def test_it_snapshots_the_entry_masked(self):
        draft = bulletin_draft_prepare(user=self.leader)

        entry = draft.entries.get()
        self.assertEqual(entry.position, 1)
        self.assertEqual(entry.kind, ChangeKind.INITIAL)
        self.assertEqual(entry.holder_name_masked, "张*")
        self.assertEqual(entry.registration_number, self.registration.number)
        self.assertEqual(entry.specialties, "建筑工程、市政公用工程")
        self.assertEqual(entry.employer_name, self.registration.employer_name)
        self.assertEqual(draft.title, "辽宁省住房和城乡建设厅二级建造师注册公告")
        self.assertEqual(draft.period_start, entry.decided_on)
        self.assertEqual(draft.period_end, entry.decided_on)
        self.assertEqual(draft.prepared_by, self.leader)

    def test_each_entry_names_what_its_own_decision_named(self):
        # 张伟's 初始注册, then in the same batch a 变更注册 to another employer and an 增项: the
        # 初始注册 still shows the employer it named, the 增项 only the specialty it added.
        first_employer = self.registration.employer_name
        self.registration.employer_name = "辽宁恒泰市政工程有限公司"
        self.registration.save()
        RegistrationChange.objects.create(
            registration=self.registration,
            kind=ChangeKind.CHANGE,
            summary="执业企业变更",
            data={
                "change_kind": "employer",
                "before": {"employer_name": first_employer},
                "after": {"employer_name": "辽宁恒泰市政工程有限公司"},
            },
        )
        RegistrationChange.objects.create(
            registration=self.registration,
            kind=ChangeKind.ADDITION,
            summary="增项注册",
            data={"added": ["10401007"], "valid_to": "2029-12-01"},
        )

        entries = {e.kind: e for e in bulletin_draft_prepare(user=self.leader).entries.all()}

        self.assertEqual(entries[ChangeKind.INITIAL].employer_name, first_employer)
        self.assertEqual(entries[ChangeKind.INITIAL].specialties, "建筑工程、市政公用工程")
        self.assertEqual(entries[ChangeKind.CHANGE].employer_name, "辽宁恒泰市政工程有限公司")
        self.assertEqual(entries[ChangeKind.ADDITION].specialties, "矿业工程")

    def test_a_later_change_of_the_register_does_not_rewrite_a_published_entry(self):
        bulletin = bulletin_published(self)
        Person.objects.filter(pk=self.registration.person_id).update(name="张大伟")
        self.registration.employer_name = "辽宁恒泰市政工程有限公司"
        self.registration.save()

        entry = BulletinEntry.objects.get(bulletin=bulletin)
        self.assertEqual(entry.holder_name_masked, "张*")
        self.assertNotEqual(entry.employer_name, "辽宁恒泰市政工程有限公司")

    def test_it_never_puts_a_decision_in_two_batches(self):
        first = bulletin_published(self)
        later = change_add(self.registration, ChangeKind.RENEWAL)

        second = bulletin_published(self)

        self.assertEqual(list(first.entries.values_list("change__kind", flat=True)), [ChangeKind.INITIAL])
        self.assertEqual(list(second.entries.values_list("change_id", flat=True)), [later.pk])
        self.assertEqual(changes_pending(department_id=self.department.pk).count(), 0)
        with self.assertRaisesMessage(BulletinError, NOTHING_PENDING):
            bulletin_draft_prepare(user=self.leader)

    def test_it_keeps_each_department_to_its_own_decisions(self):
        outsider_registration = registration_granted(self, applicant=self.other_applicant)
        other = change_add(outsider_registration, ChangeKind.CHANGE, department=self.other_department)

        mine = bulletin_draft_prepare(user=self.leader)
        theirs = bulletin_draft_prepare(user=other_leader(self))

        # 李娜's registration was made by a case now of the other department, so both her
        # rows are the other department's.
        self.assertEqual(
            list(mine.entries.values_list("registration_number", flat=True)), [self.registration.number]
        )
        self.assertEqual(
            set(theirs.entries.values_list("change_id", flat=True)),
            {other.pk, outsider_registration.changes.get(kind=ChangeKind.INITIAL).pk},
        )

    def test_a_second_prepare_refreshes_the_one_draft_with_what_came_since(self):
        first = bulletin_draft_prepare(user=self.leader)
        renewal = change_add(self.registration, ChangeKind.RENEWAL)

        again = bulletin_draft_prepare(user=self.leader)

        self.assertEqual(again.pk, first.pk)
        self.assertEqual(Bulletin.objects.count(), 1)
        self.assertEqual(
            list(again.entries.values_list("position", "kind")),
            [(1, ChangeKind.INITIAL), (2, ChangeKind.RENEWAL)],
        )
        self.assertEqual(again.entries.get(position=2).change, renewal)

    def test_it_refuses_a_draft_when_nothing_is_pending(self):
        change_add(self.registration, ChangeKind.LAPSE)
        bulletin_published(self)

        with self.assertRaisesMessage(BulletinError, NOTHING_PENDING):
            bulletin_draft_prepare(user=self.leader)
        self.assertFalse(Bulletin.objects.filter(status=BulletinStatus.DRAFT).exists())
