"""Nothing typed is lost (issue 11): the autosave, two pages saving one draft, 开始申请
resuming the open draft, and 删除 on 我的办件."""

from __future__ import annotations

import uuid

from django.core.files.storage import default_storage
from django.urls import reverse

from cases.models import Case, CaseStatus
from cases.services import DRAFT_CONFLICT, DRAFT_OPEN_ELSEWHERE
from cases.tests.builders import case_build
from cases.tests.helpers import attach_required, draft_case
from cases.tests.sample_files import form_post, initial_item, start_url
from portal.test import BaseTestCase


def autosave_url(case: Case) -> str:
    return reverse("cases:autosave", args=[case.pk])


class AutosaveTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.applicant)
        self.case = draft_case(self)

    def test_it_saves_partial_data_without_submitting(self):
        r = self.client.post(autosave_url(self.case), {"major": "给排水工程", "version": "1"})
        self.assertEqual(r.status_code, 409)  # the draft is at version 0, see below
        r = self.client.post(autosave_url(self.case), {"major": "给排水工程", "version": "0"})
        self.assertEqual(r.status_code, 200)
        answer = r.json()
        self.assertTrue(answer["ok"])
        self.assertEqual(answer["version"], 1)
        self.assertRegex(answer["message"], r"^已自动保存 \d\d:\d\d$")
        self.assertEqual(r["Cache-Control"], "private, no-store")
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.DRAFT)
        self.assertIsNone(self.case.number)
        self.assertEqual(self.case.version, 1)
        self.assertEqual(self.case.form_data["major"], "给排水工程")
        # Partial: what was not sent is kept as empty, as 保存信息 keeps it.
        self.assertEqual(self.case.form_data["education"], "")
        self.assertEqual(self.case.form_data["specialties"], [])
        self.assertEqual(self.case.submit_method, "online")

    def test_it_refuses_a_save_from_a_page_that_missed_a_newer_version(self):
        first = self.client.post(
            autosave_url(self.case), {**form_post(self, major="工程管理"), "version": "0"}
        )
        self.assertEqual(first.json()["version"], 1)
        # The second tab still holds version 0.
        r = self.client.post(autosave_url(self.case), {**form_post(self, major="土木工程"), "version": "0"})
        self.assertEqual(r.status_code, 409)
        self.assertEqual(r.json(), {"ok": False, "message": DRAFT_CONFLICT})
        self.case.refresh_from_db()
        self.assertEqual((self.case.version, self.case.form_data["major"]), (1, "工程管理"))

    def test_保存信息_from_a_stale_page_is_refused_on_the_form_with_what_was_typed(self):
        self.client.post(autosave_url(self.case), {**form_post(self, major="工程管理"), "version": "0"})
        r = self.client.post(
            reverse("cases:edit", args=[self.case.pk]),
            {**form_post(self, major="桥梁工程"), "version": "0", "action": "save"},
        )
        self.assertEqual(r.status_code, 409)
        self.assertContains(r, DRAFT_CONFLICT, status_code=409)
        self.assertContains(r, 'value="桥梁工程"', status_code=409)
        # The page keeps its old version: saving again is refused too, until it is reloaded.
        self.assertContains(r, '<input type="hidden" name="version" value="0">', status_code=409)
        self.case.refresh_from_db()
        self.assertEqual((self.case.version, self.case.form_data["major"]), (1, "工程管理"))

    def test_保存信息_at_the_current_version_saves_and_raises_it(self):
        r = self.client.post(
            reverse("cases:edit", args=[self.case.pk]),
            {**form_post(self, major="桥梁工程"), "version": "0", "action": "save"},
        )
        self.assertRedirects(r, reverse("cases:edit", args=[self.case.pk]), fetch_redirect_response=False)
        self.case.refresh_from_db()
        self.assertEqual((self.case.version, self.case.form_data["major"]), (1, "桥梁工程"))
        r = self.client.get(r["Location"])
        self.assertContains(r, '<input type="hidden" name="version" value="1">', html=True)
        self.assertContains(r, f'data-autosave-url="{autosave_url(self.case)}"')

    def test_it_limits_what_it_stores(self):
        r = self.client.post(autosave_url(self.case), {"major": "工" * 5000, "version": "0"})
        self.assertEqual(r.status_code, 200)
        self.case.refresh_from_db()
        self.assertEqual(len(self.case.form_data["major"]), 1000)

    def test_another_applicants_draft_does_not_exist(self):
        self.client.force_login(self.other_applicant)
        r = self.client.post(autosave_url(self.case), {"major": "工程管理", "version": "0"})
        self.assertEqual(r.status_code, 404)
        self.case.refresh_from_db()
        self.assertEqual((self.case.version, self.case.form_data["major"]), (0, "土木工程"))

    def test_a_submitted_case_is_not_autosaved(self):
        submitted = case_build(self, status=CaseStatus.PENDING)
        r = self.client.post(autosave_url(submitted), {"major": "工程管理", "version": "0"})
        self.assertEqual(r.status_code, 404)
        submitted.refresh_from_db()
        self.assertEqual(submitted.form_data["major"], "土木工程")

    def test_an_expired_login_gets_401_json_not_the_login_page(self):
        self.client.logout()
        r = self.client.post(autosave_url(self.case), {"major": "工程管理", "version": "0"})
        self.assertEqual(r.status_code, 401)
        self.assertEqual(r.json()["message"], "登录已超时，请重新登录")
        self.assertEqual(r.json()["login_url"], "/accounts/login/")
        self.case.refresh_from_db()
        self.assertEqual(self.case.form_data["major"], "土木工程")

    def test_it_answers_only_posts(self):
        self.assertEqual(self.client.get(autosave_url(self.case)).status_code, 405)


class AutosaveNewFormTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.applicant)
        self.url = reverse("cases:autosave_new", args=[initial_item().pk])

    def test_the_first_autosave_makes_the_draft_and_later_ones_update_it(self):
        token = str(uuid.uuid4())
        r = self.client.post(self.url, {"major": "土木", "client_token": token, "version": ""})
        self.assertEqual(r.status_code, 200)
        case = Case.objects.get(applicant=self.applicant)
        self.assertEqual(
            r.json() | {"message": ""},
            {
                "ok": True,
                "case": case.pk,
                "version": 0,
                "edit_url": f"/cases/{case.pk}/edit/",
                "autosave_url": f"/cases/{case.pk}/autosave/",
                "message": "",
            },
        )
        self.assertEqual(
            (case.status, case.submit_method, case.form_data["major"]), (CaseStatus.DRAFT, "", "土木")
        )
        # The same page again (a second autosave before it switched to the draft's address).
        r = self.client.post(self.url, {"major": "土木工程", "client_token": token, "version": ""})
        self.assertEqual(r.json()["version"], 1)
        self.assertEqual(Case.objects.filter(applicant=self.applicant).count(), 1)
        case.refresh_from_db()
        self.assertEqual(case.form_data["major"], "土木工程")

    def test_a_second_fresh_page_of_the_same_item_is_told_not_a_second_draft(self):
        # Two 开始申请 tabs opened before either saved: the first autosave makes the draft…
        first = self.client.post(
            self.url, {"major": "土木", "client_token": str(uuid.uuid4()), "version": ""}
        )
        self.assertEqual(first.status_code, 200)
        # …and the second page's first save is refused, as a save that missed a newer version is.
        second_token = str(uuid.uuid4())
        r = self.client.post(self.url, {"major": "桥梁", "client_token": second_token, "version": ""})
        self.assertEqual(r.status_code, 409)
        self.assertEqual(r.json(), {"ok": False, "message": DRAFT_OPEN_ELSEWHERE})
        r = self.client.post(
            start_url(),
            {
                **form_post(self, major="桥梁"),
                "client_token": second_token,
                "action": "save",
                "submit_method": "online",
            },
        )
        self.assertContains(r, DRAFT_OPEN_ELSEWHERE, status_code=409)
        self.assertContains(r, 'value="桥梁"', status_code=409)  # what was typed stays on the page
        case = Case.objects.get(applicant=self.applicant)
        self.assertEqual((case.pk, case.form_data["major"]), (first.json()["case"], "土木"))
        # Reloaded, the second tab opens the one draft.
        r = self.client.get(start_url())
        self.assertRedirects(r, reverse("cases:edit", args=[case.pk]), fetch_redirect_response=False)

    def test_it_needs_the_pages_token(self):
        r = self.client.post(self.url, {"major": "土木"})
        self.assertEqual(r.status_code, 404)
        self.assertFalse(Case.objects.exists())


class ResumeAndDeleteTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.applicant)

    def test_开始申请_opens_the_open_draft_of_that_item(self):
        case = draft_case(self)
        r = self.client.get(start_url())
        self.assertRedirects(r, reverse("cases:edit", args=[case.pk]), fetch_redirect_response=False)
        r = self.client.get(r["Location"])
        self.assertContains(r, "已为您打开此前保存的草稿，请继续填写")
        self.assertEqual(Case.objects.count(), 1)

    def test_开始申请_starts_afresh_when_the_draft_is_someone_elses(self):
        draft_case(self, applicant=self.other_applicant)
        r = self.client.get(start_url())
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, 'name="client_token"')

    def test_it_deletes_an_own_draft_with_its_files(self):
        case = draft_case(self)
        attach_required(self, case)
        names = [a.file.name for a in case.attachments.all()]
        self.assertTrue(names and all(default_storage.exists(n) for n in names))
        r = self.client.get(reverse("cases:mine"))
        self.assertContains(r, reverse("cases:delete", args=[case.pk]))
        self.assertContains(r, "data-confirm=")
        with self.captureOnCommitCallbacks(execute=True):
            r = self.client.post(reverse("cases:delete", args=[case.pk]))
        self.assertRedirects(r, reverse("cases:mine"), fetch_redirect_response=False)
        self.assertFalse(Case.objects.filter(pk=case.pk).exists())
        self.assertFalse(any(default_storage.exists(n) for n in names))
        r = self.client.get(r["Location"])
        self.assertContains(r, "已删除“初始注册”的草稿")

    def test_it_does_not_delete_a_submitted_case(self):
        case = case_build(self, status=CaseStatus.PENDING)
        r = self.client.get(reverse("cases:mine"))
        self.assertNotContains(r, reverse("cases:delete", args=[case.pk]))
        r = self.client.post(reverse("cases:delete", args=[case.pk]), follow=True)
        self.assertContains(r, "只能删除本人尚未提交的草稿")
        self.assertTrue(Case.objects.filter(pk=case.pk).exists())

    def test_another_applicants_draft_is_a_404(self):
        case = draft_case(self, applicant=self.other_applicant)
        r = self.client.post(reverse("cases:delete", args=[case.pk]))
        self.assertEqual(r.status_code, 404)
        self.assertTrue(Case.objects.filter(pk=case.pk).exists())

    def test_deleting_answers_only_posts(self):
        case = draft_case(self)
        self.assertEqual(self.client.get(reverse("cases:delete", args=[case.pk])).status_code, 405)
        self.assertTrue(Case.objects.filter(pk=case.pk).exists())
