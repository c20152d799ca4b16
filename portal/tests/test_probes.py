"""/healthz and /readyz: what a load balancer and the monitoring see of one app server."""

from __future__ import annotations

import socket
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch
from zoneinfo import ZoneInfo

from botocore.exceptions import EndpointConnectionError  # type: ignore[import-untyped]
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.files.storage import storages
from django.db import connection
from django.test import override_settings

from notifications.tasks import deliver_sms
from notifications.testing import frozen_now
from portal import health
from portal.test import BaseTestCase

# A server's own address, as a load balancer probes it: not in ALLOWED_HOSTS.
FOREIGN_HOST = "10.20.30.41:8000"
REFUSED_REDIS = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
}
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def key_files(directory: Path) -> dict[str, Path]:
    """CERT_* settings pointing at small readable files (the check reads, it does not parse)."""
    paths = {
        "CERT_CA_CERT": directory / "ca.pem",
        "CERT_SIGNING_KEY": directory / "issuer.key",
        "CERT_SIGNING_CERT": directory / "issuer.pem",
        "CERT_SEAL_FILE": directory / "seal.esl",
    }
    for path in paths.values():
        path.write_bytes(b"-----BEGIN-----")
    return paths


class ProbeTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        key_dir = tempfile.TemporaryDirectory()
        self.addCleanup(key_dir.cleanup)
        self.keys = key_files(Path(key_dir.name))
        overrides = override_settings(**self.keys)
        overrides.enable()
        self.addCleanup(overrides.disable)

    def readyz(self, **extra: Any):
        started = time.monotonic()
        response = self.client.get("/readyz", HTTP_HOST=FOREIGN_HOST, **extra)
        return response, time.monotonic() - started


class HealthzTestCase(ProbeTestCase):
    def test_it_answers_ok_whatever_the_host(self):
        # The same Host on a page is refused: the probe is answered before the host check.
        self.assertEqual(self.client.get("/", HTTP_HOST=FOREIGN_HOST).status_code, 400)

        with self.assertNumQueries(0):
            r = self.client.get("/healthz", HTTP_HOST=FOREIGN_HOST)

        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.content, b"ok")
        self.assertEqual(r["Content-Type"], "text/plain; charset=utf-8")
        self.assertEqual(r["Cache-Control"], "no-store")

    def test_it_sets_no_cookie_and_writes_no_session(self):
        r = self.client.get("/healthz", HTTP_HOST=FOREIGN_HOST)
        r2 = self.client.get("/readyz", HTTP_HOST=FOREIGN_HOST)

        self.assertEqual(dict(r.cookies), {})
        self.assertEqual(dict(r2.cookies), {})
        self.assertNotIn("Set-Cookie", r2)
        self.assertFalse(Session.objects.exists())

    def test_it_answers_while_the_cache_is_down(self):
        with override_settings(CACHES=REFUSED_REDIS):
            r = self.client.get("/healthz", HTTP_HOST=FOREIGN_HOST)

        self.assertEqual(r.status_code, 200)


class ReadyzTestCase(ProbeTestCase):
    def test_it_reports_every_check_ready(self):
        r, _ = self.readyz()

        self.assertEqual(r.status_code, 200)
        body = r.json()
        self.assertEqual(body["status"], "ok")
        self.assertEqual(list(body["checks"]), ["database", "cache", "storage", "queue", "keys"])
        for name, check in body["checks"].items():
            self.assertTrue(check["ok"], name)
            # The cache is an optimisation: its outage costs speed, not pages, so by default it
            # is reported but does not make the server unready.
            self.assertEqual(check["critical"], name != "cache", name)
            self.assertIsInstance(check["ms"], float)
        self.assertEqual(body["checks"]["database"]["detail"], connection.vendor)  # sqlite or postgresql
        self.assertEqual(body["checks"]["queue"]["detail"], "0个任务等待，最久0秒")
        self.assertEqual(body["checks"]["keys"]["detail"], "4个文件可读")
        # The storage probe removed its file again.
        self.assertEqual(list((Path(settings.MEDIA_ROOT) / "readyz").glob("*")), [])

    def test_it_fails_fast_with_the_cache_refusing_connections(self):
        with override_settings(CACHES=REFUSED_REDIS, READY_NONCRITICAL=[]):
            r, seconds = self.readyz()

        self.assertEqual(r.status_code, 503)
        body = r.json()
        self.assertEqual(body["status"], "fail")
        self.assertFalse(body["checks"]["cache"]["ok"])
        self.assertIn("ConnectionError", body["checks"]["cache"]["detail"])
        self.assertTrue(body["checks"]["database"]["ok"])
        self.assertTrue(body["checks"]["storage"]["ok"])
        self.assertLess(seconds, 2)

    def test_a_hanging_cache_costs_the_timeout_and_no_more(self):
        # A "Redis" that accepts connections and never answers: the client, with no socket
        # timeout of its own, would wait for ever.
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        self.addCleanup(self.join_hung_checks)
        self.addCleanup(silent.close)
        caches = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
            }
        }

        with override_settings(CACHES=caches, READY_CHECK_TIMEOUT_SECONDS=0.5, READY_NONCRITICAL=[]):
            r, seconds = self.readyz()
            r2, seconds2 = self.readyz()

        self.assertEqual(r.status_code, 503)
        self.assertEqual(r.json()["checks"]["cache"]["detail"], "超时（0.5秒无应答）")
        self.assertTrue(r.json()["checks"]["storage"]["ok"])
        self.assertLess(seconds, 1.5)
        # The hung check is not started a second time: one thread, not one per probe.
        self.assertEqual(r2.json()["checks"]["cache"]["detail"], "上一次检查仍未结束（无应答）")
        self.assertLess(seconds2, 1.5)

    def join_hung_checks(self):
        # Closing the silent server resets the client's connection; the thread then ends.
        thread = health._running.get("cache")
        if thread is not None:
            thread.join(5)

    def test_a_noncritical_check_is_reported_but_does_not_fail_readiness(self):
        with override_settings(CACHES=REFUSED_REDIS, READY_NONCRITICAL=["cache"]):
            r, _ = self.readyz()

        self.assertEqual(r.status_code, 200)
        cache_check = r.json()["checks"]["cache"]
        self.assertFalse(cache_check["ok"])
        self.assertFalse(cache_check["critical"])

    def test_it_logs_a_change_of_readiness_once_and_no_error_per_probe(self):
        self.readyz()  # whatever this process answered before: now it is ready
        with self.assertLogs("portal.probes") as logs, self.assertNoLogs("django.request"):
            with override_settings(CACHES=REFUSED_REDIS, READY_NONCRITICAL=[]):
                self.readyz()
                self.readyz()
            self.readyz()

        self.assertEqual(len(logs.output), 2)
        self.assertTrue(logs.output[0].startswith("WARNING:portal.probes:not ready: cache: ConnectionError"))
        self.assertEqual(logs.output[1], "INFO:portal.probes:ready: every critical check passes")

    def test_it_fails_with_the_storage_unreachable(self):
        # The object store (S3) is down: nothing uploaded or issued can be saved or read.
        error = EndpointConnectionError(endpoint_url="http://s3.internal")
        adapter = type(storages["default"])  # the adapter default_storage stands for
        with patch.object(adapter, "_save", side_effect=error):
            r, seconds = self.readyz()

        self.assertEqual(r.status_code, 503)
        body = r.json()
        self.assertEqual(body["status"], "fail")
        storage = body["checks"]["storage"]
        self.assertEqual((storage["ok"], storage["critical"]), (False, True))
        self.assertIn("EndpointConnectionError", storage["detail"])
        self.assertTrue(body["checks"]["database"]["ok"])
        self.assertLess(seconds, 2)

    def test_it_fails_with_a_missing_key_file(self):
        self.keys["CERT_SEAL_FILE"].unlink()

        r, seconds = self.readyz()

        self.assertEqual(r.status_code, 503)
        keys = r.json()["checks"]["keys"]
        self.assertFalse(keys["ok"])
        self.assertEqual(keys["detail"], "密钥文件缺失或不可读：CERT_SEAL_FILE")
        self.assertLess(seconds, 2)

    def test_a_signing_service_needs_no_local_key(self):
        self.keys["CERT_SIGNING_KEY"].unlink()
        self.keys["CERT_SIGNING_CERT"].unlink()  # the service reports its certificate

        with override_settings(CERT_SIGNER="somewhere.remote_signer"):
            r, _ = self.readyz()

        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json()["checks"]["keys"]["detail"], "2个文件可读")

    def test_it_fails_when_the_oldest_due_task_waited_too_long(self):
        with frozen_now(T0):
            deliver_sms.enqueue(message_id=1)
        # A retry scheduled for later is not overdue however long ago it was enqueued.
        with frozen_now(T0 - timedelta(hours=2)):
            deliver_sms.using(run_after=T0 + timedelta(minutes=30)).enqueue(message_id=2)

        with frozen_now(T0 + timedelta(seconds=60)):
            r, _ = self.readyz()
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json()["checks"]["queue"]["detail"], "2个任务等待，最久60秒")

        with frozen_now(T0 + timedelta(seconds=301)):
            r, _ = self.readyz()
        self.assertEqual(r.status_code, 503)
        queue = r.json()["checks"]["queue"]
        self.assertFalse(queue["ok"])
        self.assertEqual(queue["detail"], "2个任务等待，最久301秒，超过300秒：后台工作进程可能没有运行")
