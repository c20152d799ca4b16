"""/metrics: who may read it, and that it counts what the operations guide says it counts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from unittest.mock import patch
from zoneinfo import ZoneInfo

from django.test import override_settings
from prometheus_client.parser import text_string_to_metric_families

from accounts.tests.helpers import human_fields, last_code
from cases.tests.helpers import employer_offline
from certificates.models import CopyStatus
from certificates.services import certificate_copy_request
from certificates.tests.helpers import ensure_keys, granted_registration
from notifications.gateways import GatewayError
from notifications.services import sms_enqueue
from notifications.tasks import deliver_sms
from notifications.testing import drain_task_queue, frozen_now
from portal.test import BaseTestCase
from ratings.gateways import RatingGatewayError
from ratings.tests.builders import case_ended, rating_made

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
FOREIGN = "203.0.113.9"


class MetricsTestCase(BaseTestCase):
    def scrape(self, **extra: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        r = self.client.get("/metrics", **extra)
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r["Content-Type"].startswith("text/plain; version="))
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(r.content.decode())
            for sample in family.samples
        }

    def value(self, name: str, **labels: str) -> float:
        return self.scrape().get((name, tuple(sorted(labels.items()))), 0.0)


class AccessTestCase(MetricsTestCase):
    def test_it_answers_the_loopback_by_default(self):
        samples = self.scrape()

        self.assertIn(("portal_sms_total", (("outcome", "sent"),)), samples)

    def test_it_is_not_there_for_a_foreign_address(self):
        r = self.client.get("/metrics", REMOTE_ADDR=FOREIGN)

        self.assertEqual(r.status_code, 404)
        self.assertNotIn(b"portal_", r.content)

    @override_settings(METRICS_TOKEN="scrape-token-2026")
    def test_it_refuses_a_wrong_token(self):
        r = self.client.get("/metrics", REMOTE_ADDR=FOREIGN, HTTP_AUTHORIZATION="Bearer wrong-token")
        r2 = self.client.get("/metrics", REMOTE_ADDR=FOREIGN, HTTP_AUTHORIZATION="scrape-token-2026")

        self.assertEqual(r.status_code, 404)
        self.assertEqual(r2.status_code, 404)

    @override_settings(METRICS_TOKEN="scrape-token-2026")
    def test_it_answers_the_token_from_anywhere(self):
        samples = self.scrape(REMOTE_ADDR=FOREIGN, HTTP_AUTHORIZATION="Bearer scrape-token-2026")

        self.assertIn(("portal_sms_total", (("outcome", "sent"),)), samples)

    @override_settings(METRICS_ALLOWED_NETWORKS=["10.1.0.0/16"], TRUSTED_PROXIES=["127.0.0.1"])
    def test_it_reads_the_client_address_behind_a_trusted_proxy(self):
        allowed = self.client.get("/metrics", HTTP_X_FORWARDED_FOR="10.1.2.3")
        refused = self.client.get("/metrics", HTTP_X_FORWARDED_FOR=FOREIGN)
        typed = self.client.get("/metrics", REMOTE_ADDR=FOREIGN, HTTP_X_FORWARDED_FOR="10.1.2.3")

        self.assertEqual(allowed.status_code, 200)
        self.assertEqual(refused.status_code, 404)
        # From an address that is not our proxy, X-Forwarded-For is the client's own typing.
        self.assertEqual(typed.status_code, 404)


class RequestMetricsTestCase(MetricsTestCase):
    def test_it_counts_a_request_by_view_name_and_status_class(self):
        before = self.value("portal_http_requests_total", view="portal:home", method="GET", status="2xx")
        timed = self.value("portal_http_request_duration_seconds_count", view="portal:home")

        self.assertEqual(self.client.get("/").status_code, 200)

        after = self.value("portal_http_requests_total", view="portal:home", method="GET", status="2xx")
        self.assertEqual(after - before, 1)
        self.assertEqual(
            self.value("portal_http_request_duration_seconds_count", view="portal:home") - timed, 1
        )

    def test_it_labels_unknown_paths_alike_and_never_with_the_path(self):
        before = self.value("portal_http_requests_total", view="unmatched", method="GET", status="4xx")

        self.client.get("/no-such-page/13800000001/")
        self.client.get("/another/missing/page/")

        r = self.client.get("/metrics")
        self.assertNotIn(b"13800000001", r.content)
        self.assertNotIn(b"no-such-page", r.content)
        after = self.value("portal_http_requests_total", view="unmatched", method="GET", status="4xx")
        self.assertEqual(after - before, 2)

    def test_probes_are_not_counted(self):
        before = self.scrape()

        self.client.get("/healthz")

        after = self.scrape()
        requests = {key: value for key, value in after.items() if key[0] == "portal_http_requests_total"}
        self.assertEqual(requests, {k: v for k, v in before.items() if k[0] == "portal_http_requests_total"})


class DomainMetricsTestCase(MetricsTestCase):
    def enqueue_sms(self) -> None:
        sms_enqueue(
            mobile=self.applicant.mobile,
            template="password_changed",
            context={"time": "2026-03-01 09:00"},
            user=self.applicant,
        )

    def test_it_counts_sms_outcomes(self):
        sent = self.value("portal_sms_total", outcome="sent")
        retry = self.value("portal_sms_total", outcome="retry")
        failed = self.value("portal_sms_total", outcome="failed")

        self.enqueue_sms()
        drain_task_queue()
        with (
            override_settings(SMS_MAX_ATTEMPTS=2),
            patch(
                "notifications.gateways.ConsoleGateway.send",
                side_effect=GatewayError("短信网关返回 HTTP 503"),
            ),
        ):
            with frozen_now(T0):
                self.enqueue_sms()
            drain_task_queue(at=T0)  # the first try fails and is retried later
            drain_task_queue(at=T0 + timedelta(hours=1))  # the second fails too: given up

        self.assertEqual(self.value("portal_sms_total", outcome="sent") - sent, 1)
        self.assertEqual(self.value("portal_sms_total", outcome="retry") - retry, 1)
        self.assertEqual(self.value("portal_sms_total", outcome="failed") - failed, 1)

    def test_it_counts_rating_push_outcomes(self):
        before = {o: self.value("portal_rating_pushes_total", outcome=o) for o in ("sent", "retry", "failed")}
        down = RatingGatewayError("省好差评系统返回 HTTP 503")

        with frozen_now(T0):
            rating_made(self, case=case_ended(self))
            rating_made(self, case=case_ended(self, applicant=self.other_applicant))
        with (
            override_settings(RATING_PUSH_MAX_ATTEMPTS=2),
            patch("ratings.gateways.ConsoleRatingGateway.push", side_effect=["HCP-1", down, down]),
            self.assertLogs("ratings.services", "ERROR"),
        ):
            drain_task_queue(at=T0)  # one delivered, one failed and retried later
            drain_task_queue(at=T0 + timedelta(hours=1))  # the second fails again: given up

        after = {o: self.value("portal_rating_pushes_total", outcome=o) for o in ("sent", "retry", "failed")}
        self.assertEqual({o: after[o] - before[o] for o in after}, {"sent": 1, "retry": 1, "failed": 1})

    def test_it_counts_login_failures_by_kind(self):
        password = self.value("portal_login_failures_total", kind="password")
        sms = self.value("portal_login_failures_total", kind="sms")

        r = self.client.post(
            "/accounts/login/",
            {"kind": "person", "identifier": self.applicant.mobile, "password": "Wrong-1234"},
        )
        self.assertContains(r, "账号或密码错误")
        self.client.post(
            "/accounts/sms-code/",
            {**human_fields(), "mobile": self.applicant.mobile, "purpose": "login", "kind": "person"},
        )
        wrong = "000000" if last_code(self.applicant.mobile) != "000000" else "111111"
        r = self.client.post(
            "/accounts/login/",
            {"kind": "person", "method": "sms", "mobile": self.applicant.mobile, "sms_code": wrong},
        )
        self.assertContains(r, "验证码错误")

        self.assertEqual(self.value("portal_login_failures_total", kind="password") - password, 1)
        self.assertEqual(self.value("portal_login_failures_total", kind="sms") - sms, 1)

    def test_it_counts_a_wrong_staff_second_factor(self):
        before = self.value("portal_login_failures_total", kind="second_factor")
        self.client.post(
            "/accounts/login/", {"kind": "staff", "identifier": "admin", "password": "Shenpi#2026-ln"}
        )
        wrong = "000000" if last_code(self.admin.mobile) != "000000" else "111111"

        r = self.client.post("/accounts/login/verify/", {"code": wrong})

        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(self.value("portal_login_failures_total", kind="second_factor") - before, 1)

    def test_it_reads_the_queue_depth_and_age_at_scrape_time(self):
        with frozen_now(T0):
            deliver_sms.enqueue(message_id=1)
            deliver_sms.enqueue(message_id=2)
        with frozen_now(T0 + timedelta(seconds=30)):
            deliver_sms.enqueue(message_id=3)

        with frozen_now(T0 + timedelta(seconds=90)):
            samples = self.scrape()

        self.assertEqual(samples[("portal_task_queue_depth", (("queue", "default"), ("status", "ready")))], 3)
        self.assertEqual(
            samples[("portal_task_queue_depth", (("queue", "default"), ("status", "running")))], 0
        )
        self.assertEqual(samples[("portal_task_queue_oldest_due_seconds", (("queue", "default"),))], 90)


class CopyMetricsTestCase(MetricsTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # The manual's paper path: the employer has no verified account (ADR 19).
        employer_offline(cls.enterprise)

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_keys()

    def test_it_times_the_making_of_a_copy_in_the_worker(self):
        before = self.value("portal_certificate_copy_seconds_count")
        _, certificate = granted_registration(self)
        drain_task_queue()  # the case's receipt, sealed (ADR 0033)
        copy = certificate_copy_request(certificate=certificate, user=self.applicant)

        self.assertEqual(drain_task_queue(), 1)

        copy.refresh_from_db()
        self.assertEqual(copy.status, CopyStatus.READY)
        self.assertEqual(self.value("portal_certificate_copy_seconds_count") - before, 1)
        self.assertGreater(self.value("portal_certificate_copy_seconds_sum"), 0)


def test_the_web_server_start_drops_the_files_of_exited_processes_only(tmp_path, monkeypatch) -> None:
    # Recycled gunicorn workers and finished manage.py runs each leave files in the shared
    # folder; between boots nothing else empties it (deploy/tmpfiles.d/lnzwfw.conf does at boot).
    import subprocess
    import sys

    from lib.metrics import dead_process_files_remove

    exited = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    exited_pid = int(exited.stdout)
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as running:
        try:
            for pid in (exited_pid, running.pid):
                for kind in ("counter", "histogram", "gauge_livesum"):
                    (tmp_path / f"{kind}_{pid}.db").write_bytes(b"")
            (tmp_path / "notes.txt").write_text("not ours")
            monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

            assert dead_process_files_remove() == 3

            assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
                [f"counter_{running.pid}.db", f"histogram_{running.pid}.db",
                 f"gauge_livesum_{running.pid}.db", "notes.txt"]
            )  # fmt: skip
        finally:
            running.kill()


def test_gunicorn_sweeps_the_folder_as_it_starts() -> None:
    import runpy

    from django.conf import settings

    hooks = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))
    with patch("lib.metrics.dead_process_files_remove") as sweep:
        hooks["on_starting"](None)
    sweep.assert_called_once_with()
