"""注册人员查询: anyone, by 姓名 and 注册编号 together; the live status, the employer and the
specialties, never a personal number; the same answer for any mismatch; limited per address."""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.tests.builders import case_build
from catalog.registration_types import RegistrationType
from lib.ratelimit import LimitName, Scope, limit_rate
from portal.bench_lists import register_load
from portal.test import BaseTestCase
from registry.models import RegisteredSpecialty, RegisterSettings, Registration, RegistrationStatus
from registry.selectors import registration_for_public_query
from registry.services import registration_apply_effect
from registry.views import NOT_FOUND

URL = reverse("registry:query")
_RATE = limit_rate(LimitName.REGISTER_QUERY, Scope.CLIENT)
assert _RATE is not None
QUERIES_PER_MINUTE = _RATE.count


class QueryTestCase(BaseTestCase):
    registration: Registration
    specialty: RegisteredSpecialty

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # Letters in the number, to show they match in either case.
        RegisterSettings.objects.update_or_create(
            pk=1, defaults={"number_format": "LN-{registration_year}-{serial:06d}"}
        )
        registration_apply_effect(case=case_build(cls, RegistrationType.INITIAL))
        cls.registration = Registration.objects.get(person__id_index=cls.applicant.id_index)
        cls.specialty = cls.registration.specialties.get()

    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # the query limit counts per address

    def ask(self, name: str, number: str, *, address: str = "127.0.0.1"):
        return self.client.post(URL, {"name": name, "number": number}, REMOTE_ADDR=address)

    def test_it_shows_the_form_to_anyone(self):
        r = self.client.get(URL)
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "<h1>二级建造师注册人员查询</h1>", html=True)
        self.assertContains(r, 'name="name"')
        self.assertContains(r, 'name="number"')
        self.assertNotContains(r, NOT_FOUND)

    def test_it_shows_the_registration_when_both_match(self):
        r = self.ask("张伟", self.registration.number)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.context["entry"].registration, self.registration)
        self.assertContains(r, '<p class="verdict-label">有效</p>', html=True)
        self.assertContains(r, "<dd>张*</dd>", html=True)
        self.assertContains(r, self.registration.number)
        self.assertContains(r, "辽宁宏建建设集团有限公司")
        valid_from, valid_to = self.specialty.valid_from, self.specialty.valid_to
        self.assertContains(
            r,
            f"建筑工程（有效期：{valid_from.year}年{valid_from.month}月{valid_from.day}日"
            f"至{valid_to.year}年{valid_to.month}月{valid_to.day}日）",
        )
        issued = self.registration.issued_on
        self.assertContains(
            r, f"<dt>签发日期</dt><dd>{issued.year}年{issued.month}月{issued.day}日</dd>", html=True
        )
        self.assertEqual(r["Cache-Control"], "private, no-store")

    def test_it_never_shows_the_full_name_the_id_number_or_the_mobile(self):
        r = self.ask("张伟", self.registration.number)
        self.assertEqual(r.context["entry"].registration, self.registration)
        self.assertNotContains(r, "张伟")  # not even in the form: a fresh one follows a hit
        self.assertNotContains(r, self.applicant.id_number)
        self.assertNotContains(r, self.applicant.id_number[:6])
        self.assertNotContains(r, self.applicant.mobile)

    def test_spaces_and_the_letters_case_do_not_matter(self):
        number = self.registration.number  # LN-2026-000001
        typed = f"  {number[:3].lower()} {number[3:]}\u3000"
        r = self.ask(" 张伟\u3000", typed)
        self.assertEqual(r.context["entry"].registration, self.registration)

    def test_the_number_is_looked_up_through_its_index_not_by_reading_every_row(self):
        with CaptureQueriesContext(connection) as queries:
            found = registration_for_public_query(name="张伟", number=self.registration.number.lower())
        self.assertEqual(found, self.registration)
        lookup = next(q["sql"] for q in queries.captured_queries if "registry_registration" in q["sql"])
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # A few rows: the planner would rightly scan them; forbid it to see the index.
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute(f"EXPLAIN {lookup}")
            else:
                cursor.execute(f"EXPLAIN QUERY PLAN {lookup}")
            plan = " ".join(str(row) for row in cursor.fetchall())
        self.assertIn("registry_number_upper", plan)

    def test_the_answer_costs_the_same_queries_among_1_or_30_registrations(self):
        with CaptureQueriesContext(connection) as alone:
            r = self.ask("张伟", self.registration.number)
        self.assertEqual(r.context["entry"].registration, self.registration)
        register_load(people=30, case=self.registration.created_by_case)  # the benchmark's loader
        cache.clear()
        with self.assertNumQueries(len(alone.captured_queries)):
            r = self.ask("张伟", self.registration.number)
        self.assertEqual(r.context["entry"].registration, self.registration)

    def test_it_needs_both_fields(self):
        r = self.ask("", "")
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "请输入姓名")
        self.assertContains(r, "请输入注册编号")
        self.assertNotIn("entry", r.context)
        r = self.ask("张伟", "   ")
        self.assertContains(r, "请输入注册编号")
        self.assertNotContains(r, "请输入姓名")
        self.assertNotContains(r, NOT_FOUND)
        self.assertNotIn("entry", r.context)

    def test_a_wrong_name_and_a_wrong_number_get_the_same_answer(self):
        wrong_name = self.ask("李娜", self.registration.number)
        wrong_number = self.ask("张伟", "LN-2026-999999")
        for r in (wrong_name, wrong_number):
            self.assertEqual(r.status_code, 200)
            self.assertContains(r, NOT_FOUND)
            self.assertNotIn("entry", r.context)
            self.assertNotContains(r, "辽宁宏建建设集团有限公司")
            self.assertNotContains(r, "verdict-label")
        self.assertEqual(wrong_name.context["not_found"], wrong_number.context["not_found"])

    def test_a_part_of_the_name_does_not_match(self):
        self.assertContains(self.ask("张", self.registration.number), NOT_FOUND)

    def test_it_says_cancelled(self):
        self.registration.status = RegistrationStatus.CANCELLED
        self.registration.save()
        r = self.ask("张伟", self.registration.number)
        self.assertContains(r, '<p class="verdict-label">注销</p>', html=True)
        self.assertContains(r, '<div class="verdict verdict-revoked" role="status">')

    def test_it_says_lapsed_when_every_specialty_has_expired(self):
        self.specialty.valid_to = timezone.localdate() - timedelta(days=1)
        self.specialty.save()
        r = self.ask("张伟", self.registration.number)
        self.assertContains(r, '<p class="verdict-label">失效</p>', html=True)
        self.registration.refresh_from_db()
        self.assertEqual(self.registration.status, RegistrationStatus.VALID)

    def test_it_still_says_valid_on_the_last_day(self):
        self.specialty.valid_to = timezone.localdate()
        self.specialty.save()
        self.assertContains(
            self.ask("张伟", self.registration.number), '<p class="verdict-label">有效</p>', html=True
        )

    def test_the_eleventh_query_in_a_minute_is_refused(self):
        for _ in range(QUERIES_PER_MINUTE):
            self.assertEqual(self.ask("李娜", "LN-2026-999999").status_code, 200)
        r = self.ask("张伟", self.registration.number)
        self.assertEqual(r.status_code, 429)
        self.assertContains(r, "查询过于频繁，请稍后再试", status_code=429)
        self.assertNotIn("entry", r.context)
        self.assertNotContains(r, "verdict-label", status_code=429)
        # Counted per address: another one still gets an answer.
        other = self.ask("张伟", self.registration.number, address="203.0.113.9")
        self.assertEqual(other.status_code, 200)
        self.assertEqual(other.context["entry"].registration, self.registration)

    def test_the_home_page_and_the_nav_link_it(self):
        r = self.client.get(reverse("portal:home"))
        self.assertContains(r, f'<a href="{URL}">注册人员查询</a>', count=2, html=True)

    def test_a_client_cannot_escape_the_limit_by_typing_x_forwarded_for(self):
        with self.settings(TRUSTED_PROXIES=["10.0.0.0/8"]):
            for i in range(QUERIES_PER_MINUTE):
                r = self.client.post(
                    URL,
                    {"name": "李娜", "number": f"LN-2026-99{i:04d}"},
                    HTTP_X_FORWARDED_FOR=f"198.51.100.{i}",
                )
                self.assertEqual(r.status_code, 200)
            r = self.client.post(
                URL,
                {"name": "张伟", "number": self.registration.number},
                HTTP_X_FORWARDED_FOR="198.51.100.200",
            )
        self.assertContains(r, "查询过于频繁，请稍后再试", status_code=429)
        self.assertNotIn("entry", r.context)

    def test_one_number_is_limited_from_any_number_of_addresses(self):
        with self.settings(RATE_LIMITS={"register_query.subject": (2, 3600)}):
            answers = [
                self.ask("李娜", self.registration.number, address=f"203.0.113.{i}").status_code
                for i in range(3)
            ]
        self.assertEqual(answers, [200, 200, 429])
