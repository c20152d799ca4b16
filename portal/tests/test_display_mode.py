"""The header's 「关怀版」/「标准版」 switch (portal.views.display_mode): a form POST that keeps
the choice in a cookie for a year and goes back to the page it came from, never elsewhere;
and every page paints <html class="care"> from that cookie."""

from __future__ import annotations

from django.test import TestCase

from portal.display import COOKIE_MAX_AGE, COOKIE_NAME, DisplayMode


class DisplayModeTestCase(TestCase):
    def test_it_turns_care_mode_on_and_goes_back(self) -> None:
        r = self.client.post("/display/", {"mode": "care", "next": "/catalog/search/?q=建造师"})
        self.assertRedirects(r, "/catalog/search/?q=建造师", fetch_redirect_response=False)
        cookie = r.cookies[COOKIE_NAME]
        self.assertEqual(cookie.value, DisplayMode.CARE)
        self.assertEqual(cookie["max-age"], COOKIE_MAX_AGE)
        self.assertEqual(cookie["samesite"], "Lax")
        self.assertTrue(cookie["httponly"])
        self.assertEqual(cookie["path"], "/")

    def test_it_turns_care_mode_off(self) -> None:
        self.client.cookies[COOKIE_NAME] = DisplayMode.CARE
        r = self.client.post("/display/", {"mode": "standard", "next": "/help/"})
        self.assertRedirects(r, "/help/", fetch_redirect_response=False)
        self.assertEqual(r.cookies[COOKIE_NAME].value, DisplayMode.STANDARD)
        page = self.client.get("/help/")
        self.assertContains(page, '<html lang="zh-CN">')
        self.assertContains(page, ">关怀版</button>")

    def test_it_refuses_to_send_the_user_to_another_site(self) -> None:
        for target in ("https://evil.example/", "//evil.example/", "http://evil.example/help/", ""):
            with self.subTest(target=target):
                r = self.client.post("/display/", {"mode": "care", "next": target})
                self.assertRedirects(r, "/", fetch_redirect_response=False)
                self.assertEqual(r.cookies[COOKIE_NAME].value, DisplayMode.CARE)

    def test_it_sets_nothing_for_an_unknown_mode(self) -> None:
        r = self.client.post("/display/", {"mode": "giant", "next": "/help/"})
        self.assertRedirects(r, "/help/", fetch_redirect_response=False)
        self.assertNotIn(COOKIE_NAME, r.cookies)

    def test_it_only_answers_a_post(self) -> None:
        r = self.client.get("/display/", {"mode": "care", "next": "/help/"})
        self.assertEqual(r.status_code, 405)
        self.assertNotIn(COOKIE_NAME, r.cookies)

    def test_a_page_is_painted_in_care_mode_from_the_cookie(self) -> None:
        self.client.cookies[COOKIE_NAME] = DisplayMode.CARE
        r = self.client.get("/")
        self.assertContains(r, '<html lang="zh-CN" class="care">')
        self.assertContains(r, ">标准版</button>")
        self.assertContains(r, f'name="mode" value="{DisplayMode.STANDARD}"')
        self.assertContains(r, '<input type="hidden" name="next" value="/">')

    def test_a_page_without_the_cookie_or_with_a_forged_one_is_standard(self) -> None:
        for value in (None, "huge"):
            with self.subTest(value=value):
                if value:
                    self.client.cookies[COOKIE_NAME] = value
                r = self.client.get("/help/")
                self.assertContains(r, '<html lang="zh-CN">')
                self.assertContains(r, f'name="mode" value="{DisplayMode.CARE}"')
                self.assertNotContains(r, 'class="care"')
