"""本单位人员: an enterprise (法人) account sees, read-only, the registrations and the submitted
cases that name it as employer, and nobody else's."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Enterprise, User, UserKind
from cases.models import Case, CaseStatus
from cases.tests.helpers import draft_case, initial_item, submitted_case
from lib.masking import mask_id_number
from portal.test import PASSWORD, BaseTestCase, make_uscc
from registry.models import Person, RegisterSettings, Registration, RegistrationStatus
from registry.services import registration_apply_effect

URL = reverse("registry:enterprise")


class EnterpriseTestCase(BaseTestCase):
    other_enterprise: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        uscc = make_uscc("91210200MA0QD1111")
        cls.other_enterprise = User.objects.create_user(
            username=uscc, password=PASSWORD, kind=UserKind.LEGAL, name="大连海港建设有限公司", id_type=""
        )
        Enterprise.objects.create(
            user=cls.other_enterprise,
            uscc=uscc,
            legal_representative="钱海",
            agent_name="孙莉",
            agent_id_number="",
        )

    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.enterprise)

    def register(self, applicant: User, employer: User) -> Registration:
        case = submitted_case(
            self,
            applicant=applicant,
            employer_name=employer.name,
            employer_uscc=employer.enterprise.uscc,
        )
        with transaction.atomic():
            registration_apply_effect(case=case)
        return Registration.objects.get(person__id_index=applicant.id_index)

    def set_expiry(self, registration: Registration, days_from_today: int) -> None:
        for specialty in registration.specialties.all():
            specialty.valid_to = timezone.localdate() + timedelta(days=days_from_today)
            specialty.save()

    def test_it_lists_its_own_registered_people_only(self):
        mine = self.register(self.applicant, self.enterprise)
        theirs = self.register(self.other_applicant, self.other_enterprise)
        r = self.client.get(URL)
        self.assertEqual(r.status_code, 200)
        self.assertEqual([e.registration.pk for e in r.context["entries"]], [mine.pk])
        self.assertContains(r, '<td role="cell" data-label="姓名">张伟</td>', html=True)
        self.assertContains(r, mine.number)
        self.assertContains(r, "建筑工程")
        self.assertContains(r, mine.specialties.get().valid_to.strftime("%Y-%m-%d"))
        self.assertContains(r, '<span class="status status-valid">有效</span>', html=True)
        self.assertNotContains(r, "李娜")
        self.assertNotContains(r, theirs.number)

    def test_it_masks_the_id_numbers(self):
        self.register(self.applicant, self.enterprise)
        r = self.client.get(URL)
        self.assertContains(r, mask_id_number(self.applicant.id_number))
        self.assertNotContains(r, self.applicant.id_number)
        self.assertEqual(r["Cache-Control"], "private, no-store")

    def test_it_lists_its_people_s_submitted_cases_without_drafts_or_links(self):
        mine = submitted_case(self)
        draft = draft_case(self)
        theirs = submitted_case(
            self,
            applicant=self.other_applicant,
            employer_name=self.other_enterprise.name,
            employer_uscc=self.other_enterprise.enterprise.uscc,
        )
        r = self.client.get(URL)
        self.assertEqual(r.status_code, 200)
        self.assertEqual([c.pk for c in r.context["cases"]], [mine.pk])
        self.assertContains(r, str(mine.number))
        self.assertContains(r, '<td role="cell" data-label="办理项">初始注册</td>', html=True)
        self.assertContains(r, '<span class="status status-pending">待受理</span>', html=True)
        self.assertContains(r, timezone.localtime(mine.submitted_at).strftime("%Y-%m-%d %H:%M"))
        self.assertNotContains(r, str(theirs.number))
        self.assertNotContains(r, "李娜")
        # Read-only: no way into the applicant's own pages, not even a link to a 404.
        self.assertNotContains(r, reverse("cases:detail", args=[mine.pk]))
        self.assertNotContains(r, reverse("cases:detail", args=[draft.pk]))

    def test_it_highlights_a_specialty_near_its_expiry(self):
        registration = self.register(self.applicant, self.enterprise)
        self.set_expiry(registration, 30)
        r = self.client.get(URL)
        self.assertContains(r, "即将到期（剩30天）")
        self.assertContains(r, '<tr role="row" class="row-attention">')

    def test_it_does_not_highlight_a_specialty_with_time_left(self):
        registration = self.register(self.applicant, self.enterprise)
        self.set_expiry(registration, 91)
        r = self.client.get(URL)
        self.assertContains(r, registration.number)
        self.assertNotContains(r, "即将到期（")
        self.assertNotContains(r, "row-attention")

    def test_expiring_soon_follows_the_renewal_window_an_administrator_sets(self):
        RegisterSettings.objects.create(pk=1, renewal_opens_days=120, renewal_closes_days=30)
        registration = self.register(self.applicant, self.enterprise)
        self.set_expiry(registration, 100)
        r = self.client.get(URL)
        self.assertContains(r, "即将到期（剩100天）")
        self.assertContains(r, "标记“即将到期”的注册专业在120天内届满")

    def test_a_narrower_window_highlights_later(self):
        RegisterSettings.objects.create(pk=1, renewal_opens_days=60, renewal_closes_days=30)
        registration = self.register(self.applicant, self.enterprise)
        self.set_expiry(registration, 61)
        r = self.client.get(URL)
        self.assertNotContains(r, "即将到期（")
        self.assertContains(r, "标记“即将到期”的注册专业在60天内届满")

    def test_it_shows_lapsed_when_every_specialty_has_expired(self):
        registration = self.register(self.applicant, self.enterprise)
        self.set_expiry(registration, -1)
        r = self.client.get(URL)
        self.assertContains(r, '<span class="status status-lapsed">失效</span>', html=True)
        self.assertNotContains(r, "即将到期（")
        registration.refresh_from_db()
        self.assertEqual(registration.status, RegistrationStatus.VALID)  # only shown, not written

    def test_it_shows_a_cancelled_registration_as_cancelled(self):
        registration = self.register(self.applicant, self.enterprise)
        registration.status = RegistrationStatus.CANCELLED
        registration.save()
        r = self.client.get(URL)
        self.assertContains(r, '<span class="status status-cancelled">注销</span>', html=True)

    def test_it_pages_each_table_on_its_own(self):
        case = submitted_case(self)
        for n in range(21):
            person = Person.objects.create(
                id_number=f"ID{n:02d}", name=f"人员{n:02d}", sex="男", birth_date=timezone.localdate()
            )
            Registration.objects.create(
                person=person,
                number=f"N{n:02d}",
                qualification_number="Q",
                qualification_year=2020,
                employer_name=self.enterprise.name,
                employer_uscc=self.enterprise.enterprise.uscc,
                first_registered_on=timezone.localdate(),
                issued_on=timezone.localdate(),
                created_by_case=case,
            )
        for n in range(20):
            Case.objects.create(
                number=f"C{n:02d}",
                applicant=self.applicant,
                applicant_name=self.applicant.name,
                department=case.department,
                matter=case.matter,
                item=initial_item(),
                status=CaseStatus.PENDING,
                employer_uscc=self.enterprise.enterprise.uscc,
                submitted_at=timezone.now() - timedelta(days=1),
            )
        r = self.client.get(URL)
        self.assertEqual(len(r.context["entries"]), 20)
        self.assertEqual(r.context["registrations"].paginator.num_pages, 2)
        self.assertEqual(r.context["cases"].paginator.count, 21)
        self.assertContains(r, "共 21 人")
        self.assertContains(r, '<a href="?rpage=2&amp;cpage=1">下一页</a>', html=True)
        self.assertContains(r, '<a href="?rpage=1&amp;cpage=2">下一页</a>', html=True)

        r = self.client.get(URL, {"rpage": 2, "cpage": 2})
        self.assertEqual([e.registration.number for e in r.context["entries"]], ["N20"])
        self.assertEqual([c.number for c in r.context["cases"]], ["C00"])  # the oldest submitted

    def test_the_nav_and_the_profile_link_it_for_an_enterprise_only(self):
        self.assertContains(self.client.get(reverse("accounts:profile")), f'href="{URL}"', count=2)
        self.client.force_login(self.applicant)
        self.assertNotContains(self.client.get(reverse("accounts:profile")), f'href="{URL}"')

    def test_a_person_gets_404(self):
        self.register(self.applicant, self.enterprise)
        self.client.force_login(self.applicant)
        r = self.client.get(URL)
        self.assertEqual(r.status_code, 404)
        self.assertNotContains(r, "张伟", status_code=404)

    def test_staff_get_404(self):
        for user in (self.acceptor, self.admin):
            self.client.force_login(user)
            self.assertEqual(self.client.get(URL).status_code, 404)

    def test_anonymous_is_sent_to_login(self):
        self.client.logout()
        r = self.client.get(URL)
        self.assertRedirects(r, f"{reverse('accounts:login')}?next={URL}", fetch_redirect_response=False)


class UnverifiedEnterpriseTestCase(BaseTestCase):
    def test_it_shows_nothing_of_its_people_and_says_why(self):
        registration_case = submitted_case(self)
        with transaction.atomic():
            registration_apply_effect(case=registration_case)
        Enterprise.objects.filter(user=self.enterprise).update(verified_at=None)
        self.client.force_login(self.enterprise)
        r = self.client.get(URL)
        self.assertContains(r, "本单位账号尚未通过企业认证")
        self.assertContains(r, "去企业认证")
        self.assertNotContains(r, "张伟")
        self.assertNotContains(r, str(registration_case.number))
        self.assertNotContains(r, mask_id_number(self.applicant.id_number))
