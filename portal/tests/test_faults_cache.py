"""A Redis outage costs speed, not pages (lib/cache.py): with Redis refusing connections or
hanging, login, 个人中心 and 注册人员查询 answer at once from the database; a session ended
during the outage stays ended once Redis is back; the daily jobs still run, once."""

from __future__ import annotations

import time
from unittest.mock import Mock, patch

import redis
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings

from lib.cache import cache_breakers_reset, cache_is_down
from portal.management.commands import run_periodic
from portal.test import PASSWORD, BaseTestCase
from portal.tests.servers import RedisServer, free_port, hanging_server, redis_settings

# Far below the ~5 s a request waited for a hanging Redis before (redis-py's default timeout);
# a login's password hashing takes a few tenths of a second on its own.
REQUEST_BOUND_SECONDS = 1.5
SESSION_PREFIX = "django.contrib.sessions.cached_db"


class OutageJourney(BaseTestCase):
    """张伟 logs in, opens 个人中心, asks 注册人员查询 and logs out, each answered in time."""

    def setUp(self) -> None:
        cache_breakers_reset()
        super().setUp()
        self.addCleanup(cache_breakers_reset)

    def timed(self, method: str, url: str, data: dict[str, str] | None = None):
        started = time.monotonic()
        response = getattr(self.client, method)(url, data or {})
        elapsed = time.monotonic() - started
        self.assertLess(elapsed, REQUEST_BOUND_SECONDS, f"{method.upper()} {url} took {elapsed:.2f} s")
        return response

    def journey(self) -> None:
        # Warm-up, untimed: the first request of a test process compiles templates and URLs.
        self.assertEqual(self.client.get("/accounts/login/").status_code, 200)
        r = self.timed(
            "post",
            "/accounts/login/",
            {"kind": "person", "identifier": self.applicant.mobile, "password": PASSWORD},
        )
        self.assertRedirects(r, "/accounts/profile/", fetch_redirect_response=False)
        session_key = self.client.cookies["sessionid"].value
        # The session was written to the database, the cache being down.
        self.assertTrue(Session.objects.filter(session_key=session_key).exists())

        r = self.timed("get", "/accounts/profile/")
        self.assertContains(r, "张伟")
        r = self.timed("get", "/registry/query/")
        self.assertEqual(r.status_code, 200)
        r = self.timed("post", "/registry/query/", {"name": "张伟", "number": "辽221000000001"})
        self.assertEqual(r.status_code, 200)
        self.assertTrue(cache_is_down())

        r = self.timed("post", "/accounts/logout/")
        self.assertEqual(r.status_code, 302)
        self.assertFalse(Session.objects.filter(session_key=session_key).exists())
        r = self.timed("get", "/accounts/profile/")
        self.assertRedirects(r, "/accounts/login/?next=/accounts/profile/", fetch_redirect_response=False)


@override_settings(**redis_settings(f"redis://127.0.0.1:{free_port()}/0"))
class RedisRefusingTestCase(OutageJourney):
    def test_pages_answer_from_the_database(self):
        self.journey()


class RedisHangingTestCase(OutageJourney):
    def setUp(self) -> None:
        url = self.enterContext(hanging_server())
        self.enterContext(override_settings(**redis_settings(url)))
        super().setUp()

    def test_pages_answer_without_waiting_for_redis(self):
        self.journey()


class BreakerTestCase(BaseTestCase):
    """The breaker on a real Redis: one warning per outage, no waiting while it is open, and the
    keys missed during the outage dropped from Redis when it answers again."""

    def setUp(self) -> None:
        self.redis = RedisServer()
        self.redis.start()
        self.addCleanup(self.redis.stop)
        self.enterContext(override_settings(**redis_settings(self.redis.url), CACHE_RETRY_SECONDS=0.5))
        cache_breakers_reset()
        self.addCleanup(cache_breakers_reset)
        super().setUp()
        self.admin_client = redis.Redis.from_url(self.redis.url)
        self.addCleanup(self.admin_client.close)

    def pause_redis(self, seconds: float) -> None:
        """Redis keeps its data but answers nobody for a while: a hang."""
        self.admin_client.execute_command("CLIENT", "PAUSE", int(seconds * 1000), "ALL")  # type: ignore[no-untyped-call]

    def test_one_warning_per_outage_and_no_waiting_while_open(self):
        cache.set("k", "v")
        self.pause_redis(1.5)
        with self.assertLogs("lib.cache", level="WARNING") as logs:
            started = time.monotonic()
            self.assertEqual(cache.get("k", "default"), "default")  # waits one timeout
            first = time.monotonic() - started
            started = time.monotonic()
            for _ in range(20):
                self.assertIsNone(cache.get("k"))
                self.assertFalse(cache.add("n", 1))
            others = time.monotonic() - started
        self.assertLess(first, 0.6)
        self.assertLess(others, 0.05)  # no network at all while the breaker is open
        self.assertEqual(len(logs.records), 1)
        self.assertIn("cache unavailable", logs.output[0])

        time.sleep(1.6)  # Redis answers again, and the retry pause is over
        with self.assertLogs("lib.cache", level="WARNING") as logs:
            self.assertEqual(cache.get("k"), "v")
        self.assertIn("cache available again", logs.output[0])
        self.assertFalse(cache_is_down())

    def test_a_session_ended_during_the_outage_stays_ended(self):
        r = self.client.post(
            "/accounts/login/", {"kind": "person", "identifier": self.applicant.mobile, "password": PASSWORD}
        )
        self.assertRedirects(r, "/accounts/profile/", fetch_redirect_response=False)
        old_key = self.client.cookies["sessionid"].value
        self.assertTrue(self.admin_client.exists(f":1:{SESSION_PREFIX}{old_key}"))

        self.pause_redis(1.0)
        self.client.post("/accounts/logout/")  # Redis cannot hear the session's deletion
        self.assertFalse(Session.objects.filter(session_key=old_key).exists())
        time.sleep(1.1)
        # Redis still holds the ended session, until the portal speaks to it again.
        self.assertTrue(self.admin_client.exists(f":1:{SESSION_PREFIX}{old_key}"))

        # Someone replays the old cookie: the first cache use after the outage drops the stale
        # copy, so the session is looked for in the database, where it is gone.
        self.client.cookies["sessionid"] = old_key
        r = self.client.get("/accounts/profile/")
        self.assertRedirects(r, "/accounts/login/?next=/accounts/profile/", fetch_redirect_response=False)
        self.assertFalse(self.admin_client.exists(f":1:{SESSION_PREFIX}{old_key}"))


@override_settings(**redis_settings(f"redis://127.0.0.1:{free_port()}/0"))
class DailyJobsWithoutCacheTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache_breakers_reset()
        self.addCleanup(cache_breakers_reset)
        super().setUp()
        run_periodic._days_run_without_cache.clear()
        self.addCleanup(run_periodic._days_run_without_cache.clear)

    def test_the_daily_jobs_run_once_a_day_without_the_cache(self):
        job = Mock(return_value=0)
        with patch("portal.management.commands.run_periodic.DAILY_JOBS", (("job", job),)):
            call_command("run_periodic", once=True)
            call_command("run_periodic", once=True)
        self.assertTrue(cache_is_down())
        job.assert_called_once()
