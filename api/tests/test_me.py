"""The signed-in applicant's endpoints (the province's mobile app): their own cases by 办件编号
and their own certificates; anyone else's is a JSON 404, and no session a JSON 401."""

from __future__ import annotations

from api.tests.helpers import ApiTestCase
from cases.models import Case
from cases.tests.helpers import draft_case, employer_offline, submitted_case
from registry.models import Registration
from registry.tests.builders import registration_granted

CASES = "/api/v1/me/cases"
CERTIFICATES = "/api/v1/me/certificates"


class MyCasesTest(ApiTestCase):
    case: Case

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        employer_offline(cls.enterprise)  # the paper path (no 单位确认, ADR 19)
        cls.case = submitted_case(cls)  # type: ignore[arg-type]  # the class holds the personas

    def test_without_a_session_it_asks_to_sign_in(self):
        for path in (CASES, f"{CASES}/{self.case.number}", CERTIFICATES):
            r = self.client.get(path)
            self.assertEqual(r.status_code, 401, path)
            self.assertEqual(r.json(), {"code": "not_authenticated", "message": "请先登录"})

    def test_the_applicant_reads_the_status_of_their_case_by_number(self):
        self.client.force_login(self.applicant)
        r = self.client.get(f"{CASES}/{self.case.number}")
        self.assertEqual(r.status_code, 200, r.content)
        body = r.json()
        self.assertEqual(
            (body["number"], body["status"], body["status_label"]), (self.case.number, "pending", "待受理")
        )
        self.assertEqual(body["department"], self.case.department.name)
        self.assertEqual([e["action"] for e in body["events"]], ["submit"])
        self.assertEqual(body["events"][0]["status_label"], "待受理")
        self.assertEqual(r["Cache-Control"], "private, no-store")

    def test_someone_elses_case_is_a_404(self):
        self.client.force_login(self.other_applicant)
        r = self.client.get(f"{CASES}/{self.case.number}")
        self.assertEqual((r.status_code, r.json()["code"]), (404, "not_found"))
        self.client.force_login(self.reviewer)
        self.assertEqual(self.client.get(f"{CASES}/{self.case.number}").status_code, 404)

    def test_the_list_holds_only_submitted_cases_of_ones_own(self):
        draft_case(self)
        submitted_case(self, applicant=self.other_applicant)
        self.client.force_login(self.applicant)
        body = self.client.get(CASES).json()
        self.assertEqual([c["number"] for c in body], [self.case.number])


class MyCertificatesTest(ApiTestCase):
    registration: Registration

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.registration = registration_granted(cls)

    def test_the_holder_sees_their_certificate_and_nobody_else_does(self):
        self.client.force_login(self.applicant)
        body = self.client.get(CERTIFICATES).json()
        self.assertEqual(len(body), 1)
        self.assertEqual(body[0]["registration_number"], self.registration.number)
        self.assertEqual((body[0]["status"], body[0]["verdict"]), ("current", "valid"))
        self.client.force_login(self.other_applicant)
        self.assertEqual(self.client.get(CERTIFICATES).json(), [])
        self.client.force_login(self.enterprise)
        self.assertEqual(self.client.get(CERTIFICATES).json(), [])
