"""/api/v1/docs: Swagger UI from our own static files (django-ninja's, collected like ours),
so the site's Content-Security-Policy holds and no CDN is asked; in Chromium it draws the
operations with no policy violation."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

from api.tests.helpers import ApiTestCase
from portal.browser import BrowserTestCase
from portal.tests.test_browser_csp import RECORD_VIOLATIONS


class DocsPageTest(ApiTestCase):
    def test_it_loads_swagger_ui_from_our_own_static_files(self):
        r = self.client.get("/api/v1/docs")
        self.assertEqual(r.status_code, 200)
        html = r.content.decode()
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        self.assertIn("/static/ninja/swagger-ui-bundle.js", sources)
        self.assertTrue(all(s.startswith("/static/") for s in sources), sources)
        for source in sources:
            self.assertIsNotNone(finders.find(source.removeprefix("/static/")), source)
        policy = r["Content-Security-Policy"]
        self.assertIn("script-src 'self'", policy)
        self.assertNotIn("cdn", html.lower())

    def test_the_description_is_openapi_3_and_names_every_endpoint(self):
        spec = self.client.get("/api/v1/openapi.json").json()
        self.assertTrue(spec["openapi"].startswith("3."))
        self.assertEqual(spec["info"]["title"], "辽宁政务服务网开放接口")
        self.assertEqual(
            sorted(spec["paths"]),
            [
                "/api/v1/me/cases",
                "/api/v1/me/cases/{number}",
                "/api/v1/me/certificates",
                "/api/v1/partner/certificates/by-license-id/{license_id}",
                "/api/v1/partner/certificates/by-token/{token}",
                "/api/v1/partner/certificates/check-file",
                "/api/v1/partner/register/query",
                "/api/v1/public/certificates/by-license-id/{license_id}",
                "/api/v1/public/certificates/by-token/{token}",
                "/api/v1/public/certificates/check-file",
                "/api/v1/public/register/query",
            ],
        )
        partner = spec["paths"]["/api/v1/partner/register/query"]["post"]
        self.assertEqual(partner["security"], [{"SignedRequest": []}])
        self.assertIn("401", partner["responses"])


@pytest.mark.browser
class DocsPageBrowserTest(BrowserTestCase):
    def test_swagger_ui_draws_the_operations_without_a_policy_violation(self) -> None:
        self.context.add_init_script(RECORD_VIOLATIONS)
        response = self.page.goto(self.url("/api/v1/docs"))
        self.assertIsNotNone(response)
        self.assertEqual(response.status, 200)
        self.page.wait_for_selector("text=按电子证照标识核验证书")
        self.page.wait_for_load_state("networkidle")
        self.assertEqual(self.page.evaluate("window.__cspViolations"), [])
        self.assertIn("辽宁政务服务网开放接口", self.page.content())
