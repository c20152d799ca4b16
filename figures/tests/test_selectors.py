"""Every figure of the statistics page against cases counted by hand (ADR 0028).

March and April 2026 (no public holiday in them before 1 May; 4–6 April is 清明, so April's
cases avoid those days), the leader looking on Monday 20 April:

- A: submitted Mon 2 Mar, 受理 Wed 4 Mar (2 working days), 审查通过 Mon 9 Mar (3), 准予
  Wed 11 Mar (2); due 18 Mar: on time. Rated 满意.
- B: submitted 2 Mar, 补正 3 Mar, resubmitted Tue 10 Mar, 受理 Thu 12 Mar (2), 审查通过
  Fri 13 Mar (1), 不予许可 Fri 20 Mar (5) "不符合注册条件"; due 16 Mar: late.
- C: submitted Mon 16 Mar, 不予受理 Tue 17 Mar "材料不全". Rated 非常不满意.
- D: submitted and 受理 Wed 1 Apr (0), 审查中, due 10 Apr: overdue.
- E: submitted Mon 13 Apr, 待受理, due 14 Apr: overdue.
- F (增项注册): submitted Wed 15 Apr, 待受理, due 22 Apr.
- G: like A but in another department: counted nowhere."""

from __future__ import annotations

from datetime import date

from cases.models import Case, CaseAction, CaseStatus, PauseKind
from catalog.models import ServiceItem
from catalog.registration_types import RegistrationType
from certificates.models import CertificateCopy, CertificateLog, CertificateStatus, CopyStatus, LogAction
from certificates.tests.test_transitions import certificate_make
from figures.selectors import Period, figures_for
from figures.tests.builders import at, case_walked
from notifications.testing import frozen_now
from portal.test import BaseTestCase
from ratings.models import RatingLevel
from ratings.tests.builders import rating_made

A = CaseAction
TODAY = date(2026, 4, 20)
PERIOD = Period.of_months(date(2026, 3, 1), date(2026, 4, 1))


def march(day: int) -> date:
    return date(2026, 3, day)


def april(day: int) -> date:
    return date(2026, 4, day)


class FiguresTestCase(BaseTestCase):
    a: Case
    b: Case
    c: Case
    d: Case
    e: Case
    f: Case

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.a = case_walked(
            cls,
            [(A.SUBMIT, march(2)), (A.ACCEPT, march(4)), (A.REVIEW, march(9)), (A.APPROVE, march(11))],
            decision_due=march(18),
        )
        cls.b = case_walked(
            cls,
            [
                (A.SUBMIT, march(2)),
                (A.REQUEST_CORRECTION, march(3)),
                (A.RESUBMIT, march(10)),
                (A.ACCEPT, march(12)),
                (A.REVIEW, march(13)),
                (A.DENY, march(20)),
            ],
            decision_due=march(16),
            opinions={A.DENY: "不符合注册条件"},
        )
        cls.c = case_walked(
            cls, [(A.SUBMIT, march(16)), (A.REJECT, march(17))], opinions={A.REJECT: "材料不全"}
        )
        cls.d = case_walked(cls, [(A.SUBMIT, april(1)), (A.ACCEPT, april(1))], decision_due=april(10))
        cls.e = case_walked(cls, [(A.SUBMIT, april(13))], accept_due=april(14))
        cls.f = case_walked(
            cls, [(A.SUBMIT, april(15))], code=RegistrationType.ADDITION, accept_due=april(22)
        )
        g = case_walked(
            cls,
            [(A.SUBMIT, march(2)), (A.ACCEPT, march(4)), (A.REVIEW, march(9)), (A.APPROVE, march(11))],
            decision_due=march(3),
            opinions={A.APPROVE: "同意"},
        )
        Case.objects.filter(pk=g.pk).update(department=cls.other_department)
        with frozen_now(at(march(12))):
            rating_made(cls, case=cls.a, level=RatingLevel.SATISFIED, indicators=(), text="")
        with frozen_now(at(march(18))):
            rating_made(cls, case=cls.c, level=RatingLevel.VERY_DISSATISFIED)
        with frozen_now(at(march(12))):
            certificate = certificate_make(cls, status=CertificateStatus.CURRENT)  # type: ignore[arg-type]
            certificate.case = cls.a
            certificate.save()
            copy = CertificateCopy.objects.create(
                certificate=certificate,
                usage_valid_until=date(2026, 9, 1),
                status=CopyStatus.READY,
                requested_by=cls.applicant,
                ready_at=at(march(12)),
            )
            CertificateLog.objects.create(certificate=certificate, copy=copy, action=LogAction.DOWNLOAD)

    def figures(self, period: Period = PERIOD):
        return figures_for(user=self.leader, period=period, today=TODAY)

    def test_it_counts_cases_received_and_corrected_by_month(self):
        figures = self.figures()

        self.assertEqual(
            [(m.month, m.received, m.corrected, m.correction_share) for m in figures.months],
            [(march(1), 3, 1, "33.3%"), (april(1), 3, 0, "0.0%")],
        )
        self.assertEqual((figures.received, figures.corrected), (6, 1))

    def test_it_counts_decisions_in_time_by_month(self):
        figures = self.figures()

        march_line, april_line = figures.months
        self.assertEqual((march_line.decided, march_line.on_time_total, march_line.on_time), (3, 2, 1))
        self.assertEqual(march_line.on_time_share, "50.0%")
        self.assertEqual(
            (april_line.decided, april_line.on_time_total, april_line.on_time_share), (0, 0, "—")
        )

    def test_it_counts_cases_by_item_and_status(self):
        figures = self.figures()

        by_name = {line.name: line.by_status for line in figures.items}
        self.assertEqual(
            by_name,
            {
                "初始注册": {
                    CaseStatus.APPROVED: 1,
                    CaseStatus.DENIED: 1,
                    CaseStatus.REJECTED: 1,
                    CaseStatus.REVIEWING: 1,
                    CaseStatus.PENDING: 1,
                },
                "增项注册": {CaseStatus.PENDING: 1},
            },
        )
        self.assertEqual(
            figures.statuses,
            [
                ("待受理", 2),
                ("审查中", 1),
                ("办结（准予许可）", 1),
                ("办结（不予许可）", 1),
                ("办结（不予受理）", 1),
            ],
        )

    def test_it_counts_working_days_per_step(self):
        figures = self.figures()

        self.assertEqual(
            [(s.name, s.count, round(s.average or 0, 2), s.p90) for s in figures.steps],
            [("受理", 3, 1.33, 2), ("审查", 2, 2.0, 3), ("审批", 2, 3.5, 5)],
        )

    def test_it_counts_the_cases_overdue_today(self):
        figures = self.figures()

        self.assertEqual(figures.overdue, [("待受理", 1), ("审查中", 1), ("待决定", 0)])
        # A 特别程序 stops D's clock: not overdue while it lasts (cases.deadlines).
        Case.objects.filter(pk=self.d.pk).update(clock_paused=PauseKind.EXPERT)
        self.assertEqual(self.figures().overdue, [("待受理", 1), ("审查中", 0), ("待决定", 0)])
        Case.objects.filter(pk=self.d.pk).update(clock_paused="")
        # Before E's due day passes only D is late.
        self.assertEqual(figures_for(user=self.leader, period=PERIOD, today=april(14)).overdue_total, 1)

    def test_it_counts_refusals_with_their_reasons(self):
        figures = self.figures()

        self.assertEqual(figures.decided, 3)
        self.assertEqual(figures.refused, {"办结（不予受理）": 1, "办结（不予许可）": 1})
        self.assertEqual(
            [(r.kind, r.reason, r.count) for r in figures.reasons],
            [("不予受理", "材料不全", 1), ("不予许可", "不符合注册条件", 1)],
        )

    def test_it_reads_satisfaction_and_certificates(self):
        figures = self.figures()

        _, total = figures.ratings
        self.assertEqual((total.ratings, total.satisfied, total.satisfied_share), (2, 1, "50.0%"))
        levels = dict(figures.rating_levels)
        self.assertEqual((levels["满意"], levels["非常不满意"], sum(levels.values())), (1, 1, 2))
        self.assertEqual(
            figures.certificates, [("签发电子证照", 1), ("加注件（已完成）", 1), ("加注件下载", 1)]
        )

    def test_a_period_leaves_out_what_happened_outside_it(self):
        figures = self.figures(Period.of_months(april(1), april(1)))

        self.assertEqual(figures.received, 3)
        self.assertEqual(figures.decided, 0)
        self.assertEqual([(s.name, s.count) for s in figures.steps], [("受理", 1), ("审查", 0), ("审批", 0)])
        self.assertEqual(figures.ratings[1].ratings, 0)
        self.assertEqual(figures.certificates[0], ("签发电子证照", 0))
        # Overdue is today's, whatever the period.
        self.assertEqual(figures.overdue_total, 2)

    def test_another_departments_leader_sees_none_of_them(self):
        other_leader = type(self.leader).objects.create_user(
            username="waibu-kz",
            password="x",
            kind=self.leader.kind,
            name="外厅科长",
            id_type="",
            staff_role=self.leader.staff_role,
            department=self.other_department,
        )

        figures = figures_for(user=other_leader, period=PERIOD, today=TODAY)

        # G alone: their own case, none of ours.
        self.assertEqual((figures.received, figures.decided, figures.overdue_total), (1, 1, 0))
        self.assertEqual(figures.on_time, (0, 1))
        self.assertEqual(figures.ratings[1].ratings, 0)
        self.assertEqual([r.reason for r in figures.reasons], [])

    def test_an_items_name_two_matters_share_says_its_matter(self):
        second = Case.objects.get(pk=self.f.pk)
        other = ServiceItem.objects.exclude(matter=second.matter).filter(matter__department=self.department)
        twin = other.first()
        assert twin is not None, "the seeded department has other matters"
        ServiceItem.objects.filter(pk=twin.pk).update(name="增项注册")
        Case.objects.filter(pk=second.pk).update(item=twin, matter=twin.matter)

        names = [line.name for line in self.figures().items]

        self.assertIn(f"{twin.matter.name} · 增项注册", names)
