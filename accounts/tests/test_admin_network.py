from __future__ import annotations

from django.test import override_settings

from portal.test import BaseTestCase


class AdminNetworkTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.admin)

    def test_the_default_allows_loopback_only(self):
        self.assertEqual(self.client.get("/admin/", REMOTE_ADDR="127.0.0.1").status_code, 200)
        self.assertEqual(self.client.get("/admin/", REMOTE_ADDR="::1").status_code, 200)
        r = self.client.get("/admin/", REMOTE_ADDR="203.0.113.7")
        self.assertEqual(r.status_code, 404)
        self.assertNotContains(r, "管理后台", status_code=404)

    def test_every_admin_page_and_its_login_are_hidden_from_outside(self):
        for path in ("/admin/accounts/user/", "/admin/login/", "/admin/nonexistent/"):
            self.assertEqual(self.client.get(path, REMOTE_ADDR="198.51.100.1").status_code, 404, path)
        # The rest of the portal does not care where one comes from.
        self.assertEqual(self.client.get("/accounts/profile/", REMOTE_ADDR="198.51.100.1").status_code, 200)

    @override_settings(ADMIN_ALLOWED_NETWORKS=["10.20.0.0/16", "2001:db8::/32"])
    def test_it_allows_the_configured_networks(self):
        self.assertEqual(self.client.get("/admin/", REMOTE_ADDR="10.20.3.4").status_code, 200)
        self.assertEqual(self.client.get("/admin/", REMOTE_ADDR="::ffff:10.20.3.4").status_code, 200)
        self.assertEqual(self.client.get("/admin/", REMOTE_ADDR="2001:db8::5").status_code, 200)
        self.assertEqual(self.client.get("/admin/", REMOTE_ADDR="10.21.0.1").status_code, 404)
        self.assertEqual(self.client.get("/admin/", REMOTE_ADDR="127.0.0.1").status_code, 404)
        self.assertEqual(self.client.get("/admin/", REMOTE_ADDR="").status_code, 404)
