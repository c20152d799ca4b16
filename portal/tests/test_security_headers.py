"""Every page carries the Content-Security-Policy; the certificate preview's inline font
style is allowed by that request's nonce and nothing else inline is."""

from __future__ import annotations

import re

from django.urls import reverse

from cases.tests.helpers import draft_case
from certificates.tests.helpers import approved_case, ensure_keys
from portal.test import BaseTestCase

HEADER = "Content-Security-Policy"
PUBLIC_PAGES = ["portal:home", "accounts:login", "accounts:register", "catalog:departments", "registry:query"]


def directives(header: str) -> dict[str, list[str]]:
    parts = (d.strip().split() for d in header.split(";") if d.strip())
    return {p[0]: p[1:] for p in parts}


class SecurityHeadersTestCase(BaseTestCase):
    def assert_policy(self, path: str) -> dict[str, list[str]]:
        r = self.client.get(path)
        self.assertEqual(r.status_code, 200, path)
        policy = directives(r[HEADER])
        self.assertEqual(policy["default-src"], ["'self'"])
        self.assertEqual(policy["script-src"], ["'self'"])
        self.assertEqual(policy["object-src"], ["'none'"])
        self.assertEqual(policy["base-uri"], ["'self'"])
        self.assertEqual(policy["form-action"], ["'self'"])
        self.assertEqual(policy["frame-ancestors"], ["'none'"])
        self.assertNotIn("'unsafe-inline'", r[HEADER])
        self.assertNotIn("'unsafe-eval'", r[HEADER])
        return policy

    def test_it_sends_the_policy_on_public_pages(self) -> None:
        for name in PUBLIC_PAGES:
            policy = self.assert_policy(reverse(name))
            self.assertEqual(policy["style-src"], ["'self'"], name)  # no nonce where nothing uses it

    def test_it_sends_the_policy_on_applicant_and_staff_pages(self) -> None:
        case = draft_case(self)
        self.client.force_login(self.applicant)
        self.assert_policy(reverse("cases:mine"))
        self.assert_policy(reverse("cases:edit", args=[case.pk]))
        self.client.force_login(self.acceptor)
        self.assert_policy(reverse("review:queue"))

    def test_it_allows_the_certificate_preview_fonts_by_nonce(self) -> None:
        ensure_keys()
        _, certificate = approved_case(self)
        self.client.force_login(self.applicant)
        r = self.client.get(reverse("certificates:preview", args=[certificate.pk]))
        self.assertEqual(r.status_code, 200)
        policy = directives(r[HEADER])
        self.assertNotIn("'unsafe-inline'", r[HEADER])
        nonces = [s for s in policy["style-src"] if s.startswith("'nonce-")]
        self.assertEqual(len(nonces), 1)
        # The page's one <style> (the SVG's fonts) carries this response's nonce.
        html = r.content.decode()
        self.assertEqual(re.findall(r"<style[^>]*>", html), [f'<style nonce="{nonces[0][7:-1]}">'])
        # The seal picture and the subset fonts are embedded as data: URIs.
        self.assertIn('href="data:image/png;base64,', html)
        self.assertIn("src:url(data:font/ttf;base64,", html)
        self.assertEqual(policy["img-src"], ["'self'", "data:"])
        self.assertEqual(policy["font-src"], ["'self'", "data:"])

    def test_it_leaves_pdfs_without_the_policy(self) -> None:
        # Chromium's PDF viewer shows a blank page under object-src 'none'.
        case = draft_case(self)
        self.client.force_login(self.applicant)
        r = self.client.get(reverse("cases:print", args=[case.pk]))
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Type"], "application/pdf")
        self.assertNotIn(HEADER, r)
        # Framed by the portal's own page that prints it (static/js/print.js), by no other site.
        self.assertEqual(r["X-Frame-Options"], "SAMEORIGIN")
