"""Error pages in Chinese, in the portal's layout, each with a way back; the 500 page with no
request behind it (no context processor, no database), the CSRF refusal in words a person
understands."""

from __future__ import annotations

from unittest import mock

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

from portal.test import PASSWORD, BaseTestCase
from portal.urls import urlpatterns as portal_urlpatterns


def boom(request: HttpRequest) -> HttpResponse:
    raise OperationalError("database is locked")


# This module is the URLconf of the 500 tests: the portal's, plus a view that fails.
urlpatterns = [*portal_urlpatterns, path("boom/", boom)]
handler400 = "portal.views.bad_request"
handler500 = "portal.views.server_error"


@override_settings(DEBUG=False)
class ErrorPagesTestCase(BaseTestCase):
    def test_it_answers_a_missing_page_in_chinese_with_a_way_home(self):
        self.client.force_login(self.applicant)
        r = self.client.get("/cases/no-such-page/")
        self.assertEqual(r.status_code, 404)
        self.assertContains(r, "<h1>页面不存在</h1>", status_code=404, html=True)
        self.assertContains(r, '<a class="btn" href="/">返回首页</a>', status_code=404, html=True)
        # In the portal's layout, but telling nothing about anyone, not even who is logged in.
        self.assertContains(r, '<a href="/registry/query/">注册人员查询</a>', status_code=404, html=True)
        self.assertNotContains(r, self.applicant.name, status_code=404)
        self.assertNotContains(r, "Not Found", status_code=404)

    def test_it_refuses_a_page_in_chinese(self):
        self.client.force_login(self.applicant)
        r = self.client.get("/workbench/")
        self.assertEqual(r.status_code, 403)
        self.assertContains(r, "<h1>没有访问权限</h1>", status_code=403, html=True)
        self.assertContains(r, "请确认登录的账号是否正确", status_code=403)
        self.assertNotContains(r, "Forbidden", status_code=403)

    def test_it_answers_an_unknown_host_in_chinese(self):
        r = self.client.get("/", HTTP_HOST="portal.example.com")
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "<h1>请求无法处理</h1>", status_code=400, html=True)
        self.assertContains(r, '<a class="btn" href="/">返回首页</a>', status_code=400, html=True)
        self.assertContains(r, "辽宁政务服务网", status_code=400)

    @override_settings(ROOT_URLCONF=__name__)
    def test_it_answers_a_failure_in_chinese_without_the_database(self):
        client = Client(raise_request_exception=False)
        client.force_login(self.applicant)
        # The page must not need what may have failed: the context processors read the
        # database (unread messages), so one that fails must not matter.
        with mock.patch("portal.context_processors.inbox_unread_count", side_effect=OperationalError):
            r = client.get("/boom/")
        self.assertEqual(r.status_code, 500)
        self.assertContains(r, "<h1>抱歉，系统暂时无法处理您的请求</h1>", status_code=500, html=True)
        self.assertContains(r, "024-83988821", status_code=500)
        self.assertContains(r, '<a class="btn" href="/">返回首页</a>', status_code=500, html=True)
        self.assertContains(r, "/static/css/portal", status_code=500)
        self.assertNotContains(r, "Server Error", status_code=500)
        self.assertNotContains(r, "database is locked", status_code=500)


@override_settings(DEBUG=False)
class CsrfFailureTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.client = Client(enforce_csrf_checks=True)

    def login_without_token(self, *, referer: str):
        return self.client.post(
            "/accounts/login/",
            {"kind": "person", "identifier": self.applicant.mobile, "password": PASSWORD},
            headers={"referer": referer},
        )

    def test_it_explains_an_expired_form_in_chinese_and_links_back(self):
        r = self.login_without_token(referer="http://testserver/accounts/login/?kind=person")
        self.assertEqual(r.status_code, 403)
        self.assertContains(r, "页面已过期或登录已超时，请返回上一页刷新后重试", status_code=403)
        self.assertContains(
            r,
            '<a class="btn" href="http://testserver/accounts/login/?kind=person">返回上一页</a>',
            status_code=403,
            html=True,
        )
        self.assertNotContains(r, "CSRF", status_code=403)
        # Refused: nobody was logged in.
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_it_links_home_rather_than_to_another_site(self):
        r = self.login_without_token(referer="https://evil.example/phish")
        self.assertEqual(r.status_code, 403)
        self.assertContains(r, '<a class="btn" href="/">返回上一页</a>', status_code=403, html=True)
        self.assertNotContains(r, "evil.example", status_code=403)

    def test_it_tells_nothing_about_who_is_logged_in(self):
        # As the 403 and 404 pages: a post without its token, from someone logged in.
        self.client.force_login(self.applicant)
        r = self.client.post(
            "/accounts/profile/", {}, headers={"referer": "http://testserver/accounts/profile/"}
        )
        self.assertContains(r, "<h1>页面已过期</h1>", status_code=403, html=True)
        self.assertContains(r, '<a href="/registry/query/">注册人员查询</a>', status_code=403, html=True)
        self.assertNotContains(r, self.applicant.name, status_code=403)
        self.assertNotContains(r, "个人中心", status_code=403)
        self.assertNotContains(r, 'action="/accounts/logout/"', status_code=403)
