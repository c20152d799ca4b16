"""The idle timeout, renewed at most once a minute (accounts.middleware.SessionRenewMiddleware):
a click does not write the session row, yet thirty idle minutes still end the login."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.utils import timezone

from accounts.middleware import RENEWED_AT_SESSION_KEY
from portal.test import PASSWORD, BaseTestCase


class SessionRenewTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.applicant)
        self.assertEqual(self.client.get("/accounts/profile/").status_code, 200)

    def renewed_ago(self, seconds: float) -> None:
        # The renewal's recorded time moved back, and the row's expiry with it.
        session = self.client.session
        session[RENEWED_AT_SESSION_KEY] -= seconds
        session.save()
        Session.objects.update(expire_date=timezone.now() + timedelta(seconds=30 * 60 - seconds))

    def test_it_does_not_write_the_session_at_every_click(self):
        expiry = Session.objects.get().expire_date
        # The session, the account, its enterprise and the unread messages: no UPDATE.
        with self.assertNumQueries(4):
            self.client.get("/accounts/profile/")
        self.assertEqual(Session.objects.get().expire_date, expiry)

    def test_it_renews_the_idle_timeout_a_minute_after_the_last_renewal(self):
        self.renewed_ago(61)
        before = timezone.now()
        self.assertEqual(self.client.get("/accounts/profile/").status_code, 200)
        expiry = Session.objects.get().expire_date
        self.assertGreaterEqual(expiry, before + timedelta(minutes=30))
        self.assertGreaterEqual(self.client.session[RENEWED_AT_SESSION_KEY], before.timestamp())

    def test_a_login_idle_for_thirty_minutes_ends(self):
        # Clicks within the minute did not renew it: the last renewal counts.
        self.renewed_ago(30 * 60 + 1)
        r = self.client.get("/accounts/profile/")
        self.assertRedirects(r, "/accounts/login/?next=/accounts/profile/", fetch_redirect_response=False)
        self.assertFalse(Session.objects.filter(expire_date__gt=timezone.now()).exists())

    def test_the_page_is_told_no_more_than_the_server_keeps(self):
        r = self.client.get("/accounts/profile/")
        self.assertContains(r, 'data-session-idle="1740"')

    @override_settings(SESSION_COOKIE_AGE=20)
    def test_a_short_idle_timeout_is_renewed_after_a_tenth_of_it(self):
        self.renewed_ago(3)
        before = timezone.now()
        self.client.get("/accounts/profile/")
        self.assertGreaterEqual(self.client.session[RENEWED_AT_SESSION_KEY], before.timestamp())


class SessionRenewAtLoginTestCase(BaseTestCase):
    def test_the_login_renews_the_idle_timeout_so_the_next_click_writes_nothing(self):
        r = self.client.post(
            "/accounts/login/", {"kind": "person", "identifier": self.applicant.mobile, "password": PASSWORD}
        )
        self.assertRedirects(r, "/accounts/profile/", fetch_redirect_response=False)
        self.assertIsInstance(self.client.session[RENEWED_AT_SESSION_KEY], float)
        with self.assertNumQueries(4):  # as in SessionRenewTestCase: no UPDATE
            self.assertEqual(self.client.get("/accounts/profile/").status_code, 200)


class SessionRenewAnonymousTestCase(BaseTestCase):
    def test_a_visitor_without_a_session_is_given_none(self):
        # The kept public pages need a visitor like any other: no session made for them.
        r = self.client.get("/")
        self.assertEqual(r.status_code, 200)
        self.assertNotIn(settings.SESSION_COOKIE_NAME, r.cookies)
        self.assertFalse(Session.objects.exists())
