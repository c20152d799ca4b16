from __future__ import annotations

from portal.test import BaseTestCase


class ProfileTestCase(BaseTestCase):
    def test_it_masks_personal_numbers(self):
        self.client.force_login(self.applicant)
        r = self.client.get("/accounts/profile/")
        number = self.applicant.id_number
        self.assertContains(r, number[:4] + "*" * 10 + number[-4:])
        self.assertNotContains(r, number)
        self.assertContains(r, "138****0001")
        self.assertNotContains(r, self.applicant.mobile)

    def test_it_shows_the_enterprise(self):
        self.client.force_login(self.enterprise)
        r = self.client.get("/accounts/profile/")
        self.assertContains(r, "辽宁宏建建设集团有限公司")
        self.assertContains(r, self.enterprise.enterprise.uscc)
        self.assertNotContains(r, self.enterprise.enterprise.agent_id_number)

    def test_it_needs_a_login(self):
        r = self.client.get("/accounts/profile/")
        self.assertRedirects(r, "/accounts/login/?next=/accounts/profile/", fetch_redirect_response=False)
