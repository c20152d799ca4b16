"""The verification page answers from the cache (ADR 0030): nothing read from the database on
a hit, and every change of the register, the certificate or the copy shows at the next
request; a new day is a new answer; with the cache down the page is still right."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

from django.core.cache import caches
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from certificates.services import certificate_copy_request, certificate_issue, certificate_revoke
from certificates.tests.helpers import approved_case, ensure_keys
from lib.publiccache import local_answers_forget
from notifications.testing import drain_task_queue
from portal.test import BaseTestCase
from registry.models import Registration, RegistrationAction
from registry.services import registration_transition

VALID = '<p class="verdict-label">有效</p>'
SHANGHAI = ZoneInfo("Asia/Shanghai")


class VerificationCacheTestCase(BaseTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_keys()

    def setUp(self) -> None:
        super().setUp()
        caches["public"].clear()
        local_answers_forget()
        _, self.certificate = approved_case(self)
        self.registration = self.certificate.registration
        self.copy = certificate_copy_request(certificate=self.certificate, user=self.applicant)
        drain_task_queue()
        self.copy.refresh_from_db()
        self.url = reverse("certificates:verify", args=[self.copy.token])

    def warm(self) -> None:
        r = self.client.get(self.url)
        self.assertContains(r, VALID)

    def end(self, action: RegistrationAction, reason: str) -> None:
        with transaction.atomic():
            registration = Registration.objects.select_for_update().get(pk=self.registration.pk)
            registration_transition(registration=registration, action=action, today=timezone.localdate())
            certificate_revoke(registration=registration, reason=reason)

    def test_it_reads_nothing_from_the_database_on_a_hit(self):
        # A miss: the copy's registration, the copy with its rows, the specialties.
        with self.assertNumQueries(3):
            self.warm()
        with self.assertNumQueries(0):
            r = self.client.get(self.url)
        self.assertContains(r, VALID)
        self.assertContains(r, "张*")
        self.assertNotContains(r, "张伟")
        self.assertContains(r, self.registration.number)
        self.assertContains(r, "建筑工程（有效期：")
        self.assertIn("Cookie", r["Vary"])

    def test_a_second_visitor_reads_the_answer_without_the_copy_query(self):
        self.warm()
        with self.assertNumQueries(0):
            r = Client().get(self.url)
        self.assertContains(r, VALID)

    def test_a_revocation_shows_at_once(self):
        self.warm()
        self.end(RegistrationAction.REVOKE, "注册已撤销")
        r = self.client.get(self.url)
        self.assertContains(r, '<p class="verdict-label">注册已撤销</p>')
        self.assertNotContains(r, VALID)
        self.assertContains(r, "撤销时间")

    def test_a_cancellation_shows_at_once(self):
        self.warm()
        self.end(RegistrationAction.FORCE_CANCEL, "强制注销")
        r = self.client.get(self.url)
        self.assertContains(r, '<p class="verdict-label">注册已注销</p>')
        self.assertContains(r, "注销时间")

    def test_a_new_certificate_shows_at_once(self):
        self.warm()
        certificate_issue(registration=self.registration, case=None)
        self.assertContains(self.client.get(self.url), '<p class="verdict-label">已被新证书替代</p>')

    def test_a_void_certificate_shows_at_once(self):
        self.warm()
        certificate_issue(registration=self.registration, case=None, revoke_reason="证书遗失补办")
        self.assertContains(self.client.get(self.url), '<p class="verdict-label">已作废</p>')

    def _at(self, day, hour: int, minute: int):
        moment = datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)
        return mock.patch("django.utils.timezone.now", return_value=moment)

    def test_the_copy_expires_at_midnight_with_the_answer_kept(self):
        last_day = self.copy.usage_valid_until
        with self._at(last_day, 23, 59):
            self.assertContains(self.client.get(self.url), VALID)
            self.assertContains(self.client.get(self.url), VALID)
        with self._at(last_day + timedelta(days=1), 0, 0):
            r = self.client.get(self.url)
        self.assertContains(r, '<p class="verdict-label">超过使用有效期</p>')

    def test_the_registration_lapses_the_day_after_its_last_specialty(self):
        last_day = max(s.valid_to for s in self.registration.specialties.all())
        with self._at(last_day, 12, 0):
            self.client.get(self.url)
        with self._at(last_day + timedelta(days=1), 0, 0):
            r = self.client.get(self.url)
        self.assertContains(r, '<p class="verdict-label">注册已失效</p>')

    def test_the_shared_page_carries_no_token_and_its_forms_work_without_one(self):
        self.warm()
        visitor = Client(enforce_csrf_checks=True)
        r = visitor.get(self.url)
        html = r.content.decode()
        self.assertNotIn("csrfmiddlewaretoken", html)
        self.assertNotIn("timemark", html)
        self.assertNotIn("csrftoken", r.cookies)
        upload = visitor.post(reverse("certificates:verify_upload"), {})
        self.assertEqual(upload.status_code, 200)
        self.assertContains(upload, "请选择")
        switch = visitor.post(reverse("portal:display_mode"), {"mode": "care", "next": self.url})
        self.assertRedirects(switch, self.url, fetch_redirect_response=False)
        self.assertEqual(switch.cookies["display_mode"].value, "care")

    def test_the_check_time_is_this_requests(self):
        today = timezone.localdate()
        with self._at(today, 9, 5):
            self.client.get(self.url)
        with self._at(today, 9, 7):
            r = self.client.get(self.url)
        self.assertContains(r, f"{today.isoformat()} 09:07")

    def test_a_logged_in_holder_sees_their_own_header(self):
        self.warm()
        self.client.force_login(self.applicant)
        r = self.client.get(self.url)
        self.assertContains(r, VALID)
        self.assertContains(r, "退出")

    def test_a_visitor_with_a_message_or_a_query_gets_a_page_of_their_own(self):
        # A message waiting in the cookie is the visitor's own, and the query string is
        # repeated in the 关怀版 switch's return address: neither page may be the shared one.
        self.warm()
        self.client.cookies["messages"] = "x"
        with mock.patch("certificates.views.page_get", side_effect=AssertionError("shared page read")):
            self.assertContains(self.client.get(self.url), VALID)
        del self.client.cookies["messages"]
        with mock.patch("certificates.views.page_get", side_effect=AssertionError("shared page read")):
            r = self.client.get(self.url + "?from=wechat")
        self.assertContains(r, VALID)
        self.assertContains(r, f'name="next" value="{self.url}?from=wechat"')

    def test_care_mode_is_kept_apart(self):
        self.warm()
        self.client.cookies["display_mode"] = "care"
        r = self.client.get(self.url)
        self.assertContains(r, 'class="care"')
        self.client.cookies["display_mode"] = "standard"
        self.assertNotContains(self.client.get(self.url), 'class="care"')

    def test_with_the_cache_down_the_page_is_still_right(self):
        self.warm()
        broken = mock.Mock(side_effect=ConnectionError("cache down"))
        failing = mock.Mock(get=broken, set=broken, add=broken, delete=broken)
        with mock.patch("lib.publiccache._cache", return_value=failing), self.assertLogs("lib.publiccache"):
            self.end(RegistrationAction.REVOKE, "注册已撤销")
            r = self.client.get(self.url)
        self.assertContains(r, '<p class="verdict-label">注册已撤销</p>')
        self.assertNotIn("timemark", r.content.decode())

    def test_a_new_release_does_not_serve_the_previous_ones_page(self):
        self.warm()
        # The copy with its rows and its specialties, kept anew.
        with mock.patch("certificates.verification.release", return_value="next"), self.assertNumQueries(2):
            r = self.client.get(self.url)
        self.assertContains(r, VALID)
