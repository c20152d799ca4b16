"""The one settings module. Every value that differs between machines comes from the
environment, and a bad value fails loudly at start-up rather than at the first request."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from lib.datacrypt import DataKeyError, keys_check
from lib.keyring import KeyringError, keyring_parse

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. `make run` writes one to var/portal.env; "
        "in production set it in the service's environment."
    )

# The audit chain's key (HMAC-SM3): `<keyid>:<base64 32 bytes>`, several comma-separated while
# rotating, the first current. Same on every host; kept apart from database backups (a copy
# with the database would let whoever holds both rewrite the chain unnoticed).
AUDIT_KEY = env("AUDIT_KEY")
if not AUDIT_KEY:
    raise ImproperlyConfigured(
        "AUDIT_KEY is not set. `make run` writes one to var/portal.env; "
        "in production set it in the service's environment (docs/operations.md)."
    )
try:
    keyring_parse("AUDIT_KEY", AUDIT_KEY, length=32)  # audit.chain.KEY_BYTES
except KeyringError as _e:
    raise ImproperlyConfigured(str(_e)) from None
# Audit rows are kept this long in the table, then archived to a file and removed. Never less
# than six months: 网络安全法 Art. 21 and 等保 2.0 ask for logs kept that long, and the issue too.
AUDIT_RETENTION_MIN_DAYS = 180
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", AUDIT_RETENTION_MIN_DAYS)
if AUDIT_RETENTION_DAYS < AUDIT_RETENTION_MIN_DAYS:
    raise ImproperlyConfigured(
        f"AUDIT_RETENTION_DAYS must be at least {AUDIT_RETENTION_MIN_DAYS}, not {AUDIT_RETENTION_DAYS} "
        f"（审计记录至少保留{AUDIT_RETENTION_MIN_DAYS}天，期满才归档删除；docs/operations.md 审计记录）"
    )
# Personal data at rest (lib/datacrypt.py, docs/adr/0014): SM4 data keys, the first encrypts
# and all decrypt (`<key id>:<base64 of 16 bytes>`, comma-separated), and the blind-index key.
# The same on every host, and never kept with the database's backups.
DATA_KEY = env("DATA_KEY")
BLIND_INDEX_KEY = env("BLIND_INDEX_KEY")
if not DATA_KEY or not BLIND_INDEX_KEY:
    raise ImproperlyConfigured(
        "DATA_KEY and BLIND_INDEX_KEY must both be set. `make run` writes them to var/portal.env; "
        "in production set them in the service's environment (docs/operations.md 个人信息加密)."
    )
try:
    keys_check(data_key=DATA_KEY, blind_index_key=BLIND_INDEX_KEY)
except DataKeyError as _e:
    raise ImproperlyConfigured(str(_e)) from None

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# The public address, used in SMS texts and certificate QR codes.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = "辽宁政务服务网"

VAR_DIR = Path(env("VAR_DIR", str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "portal.apps.PortalAdminConfig",  # django.contrib.admin, audited (portal/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # django-ninja, for the open API (api/); listed so that its docs page takes Swagger UI
    # from our static files, not from a CDN the Content-Security-Policy would refuse.
    "ninja",
    "portal",
    "catalog",
    "accounts",
    "notifications",
    "paperwork",
    "exchange",
    "cases",
    "registry",
    "certificates",
    "privacy",
    "commitments",
    "revocation",
    "ratings",
    "supervision",
    "bulletins",
    "review",
    "figures",
    "audit",
    "api",
]

MIDDLEWARE = [
    # Before anything that checks the Host header or opens the session: every answer carries
    # X-Request-ID, and /healthz, /readyz and /metrics answer a probe sent to the server's own
    # address (portal/probes.py).
    "portal.middleware.RequestIdMiddleware",
    "portal.probes.ProbeMiddleware",
    "portal.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.PageCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A control character (%00) in a page's address or query: the 400 page, before anything
    # reads it (on PostgreSQL a NUL in a query is a server error).
    "portal.middleware.RequestTextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.AdminNetworkMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    # After the lifetime's check (a login it ends is not renewed).
    "accounts.middleware.SessionRenewMiddleware",
    # Says why a page sent you to the login page (超时 or 请先登录) and where you come back to.
    "accounts.middleware.LoginRedirectMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.middleware.StorageUnavailableMiddleware",
    # Under /api/ every refusal is JSON, those Django answers itself (404, 405, 500) too.
    "api.middleware.ApiErrorsMiddleware",
]

ROOT_URLCONF = "portal.urls"
# A form refused for its CSRF token gets a page in Chinese with a way back (portal/views.py).
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.site",
                "portal.context_processors.statuses",
                "portal.context_processors.display",
            ],
        },
    },
]

# SQLite in WAL mode by default, so one web process and one worker can write side by side;
# PostgreSQL whenever DATABASE_URL is set.
DATABASE_URL = env("DATABASE_URL")
# A web process keeps its connection between requests for CONN_MAX_AGE seconds (SQLite too:
# opening the file and its PRAGMAs cost more than a small page's query), and checks it before
# reusing it (CONN_HEALTH_CHECKS), so a database restarted meanwhile costs no failed request
# (ADR 0030).
CONN_MAX_AGE = env_int("CONN_MAX_AGE", 60)
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=CONN_MAX_AGE, conn_health_checks=True)
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env("SQLITE_PATH", str(VAR_DIR / "portal.sqlite3")),
            "CONN_MAX_AGE": CONN_MAX_AGE,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                # secure_delete: a freed page is zeroed, so an old value (a row deleted, a
                # table rebuilt by a migration) does not linger in the file (docs/adr/0014).
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                    "PRAGMA secure_delete=ON;"
                ),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.PortalBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"

# Sessions live on the server (database, or Redis in front of it on several hosts), so that
# logging out really ends them; 30 minutes of inactivity ends them too.
# The cache is an optimisation: with Redis down or hanging, pages answer from the database
# (lib/cache.py). Redis gets CACHE_TIMEOUT_SECONDS to answer; after a failure it is left alone
# for CACHE_RETRY_SECONDS.
REDIS_URL = env("REDIS_URL")
CACHE_TIMEOUT_SECONDS = env_float("CACHE_TIMEOUT_SECONDS", 0.3)
CACHE_RETRY_SECONDS = env_float("CACHE_RETRY_SECONDS", 30)
# The public pages' answers (lib/publiccache.py, ADR 0030) must be shared by every process that
# changes or shows them, or a revocation made in one would not show in another: Redis when
# there is one, else files under VAR_DIR, which the processes of one host share (several hosts
# need REDIS_URL).
PUBLIC_CACHE_DIR = Path(env("PUBLIC_CACHE_DIR", str(VAR_DIR / "cache" / "public")))
# The certificate fonts' character maps, advances and converted glyphs, prepared once per host
# and shared by its processes (certificates/ofd/fontstore.py, ADR 0035): a cache, rebuilt when
# missing or when fonts-noto-cjk changes.
CERTIFICATE_FONT_STORE = Path(
    env("CERTIFICATE_FONT_STORE", str(VAR_DIR / "fonts" / "certificate-fonts.sqlite3"))
)
CACHES: dict[str, dict[str, object]]
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "lib.cache.FailSoftRedisCache", "LOCATION": REDIS_URL},
        "public": {"BACKEND": "lib.cache.FailSoftRedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "public"},
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "public": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(PUBLIC_CACHE_DIR),
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        },
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
# The idle timeout is renewed at most once a minute, not by an UPDATE at every request
# (accounts.middleware.SessionRenewMiddleware, ISSUE 14).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env_bool("SECURE_COOKIES", False)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
if env_bool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# --- Security headers (CSP, HSTS) ---
# Content-Security-Policy (django-csp 4): scripts and styles come only from our own static
# files, so an injected <script> or style="" does nothing. The one inline style, the
# certificate preview's embedded @font-face, carries the request's nonce. data: is for what
# that preview embeds: the seal picture (img-src) and the subset fonts (font-src).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# HTTPS only, once the site is served over HTTPS (docs/operations.md lists the production
# values). Off by default so that `make run` on http://127.0.0.1 keeps working.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
# includeSubDomains and preload bind every host of the whole domain (and browsers' built-in
# lists, for months): a decision for whoever runs the domain, so off unless asked for, and
# check --deploy is not to nag about them.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
# --- end of security headers ---

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.passwords.StaffPasswordValidator"},
]

# Login protection: after this many wrong answers the account is locked for a while. The
# count lives in the database so that every app process on every host sees the same number.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
LOGIN_LOCK_SECONDS = env_int("LOGIN_LOCK_SECONDS", 15 * 60)

# --- Staff sign-in and sessions ---
# A staff login is finished only by a second factor (SMS code or TOTP); the half-done login
# waits in the session this long.
STAFF_SECOND_FACTOR_SECONDS = env_int("STAFF_SECOND_FACTOR_SECONDS", 5 * 60)
# The name an authenticator app shows next to the account.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "辽宁政务服务网")
# The 安全管理员 may list and remove a staff member's authenticator, never read its key or
# QR code: whoever has it can make that staff member's codes (三员分立, ADR 0016).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# /admin/ answers only to these client networks (others get 404, as if it did not exist).
ADMIN_ALLOWED_NETWORKS = env_list("ADMIN_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")
try:
    for _network in ADMIN_ALLOWED_NETWORKS:
        ipaddress.ip_network(_network, strict=False)
except ValueError as _e:
    raise ImproperlyConfigured(f"ADMIN_ALLOWED_NETWORKS has a bad network: {_e}") from None
# However busy a user keeps a session, it ends this long after the login.
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60)
# The long-lived signed cookie that tells a known browser from a new one (login notices).
DEVICE_COOKIE_NAME = "portal_device"
DEVICE_COOKIE_AGE = 2 * 365 * 24 * 60 * 60

# SMS verification codes.
SMS_CODE_TTL_SECONDS = env_int("SMS_CODE_TTL_SECONDS", 5 * 60)
SMS_CODE_MAX_TRIES = env_int("SMS_CODE_MAX_TRIES", 5)
SMS_CODE_RESEND_SECONDS = env_int("SMS_CODE_RESEND_SECONDS", 60)
SMS_CODE_DAILY_CAP = env_int("SMS_CODE_DAILY_CAP", 10)

# --- Rate limits and client addresses ---
# Our own load balancers (addresses or CIDRs, comma-separated). Only a request that comes
# straight from one of them has its X-Forwarded-For read (lib/ratelimit.py client_ip); empty,
# the default, means REMOTE_ADDR is the client, which is right with no proxy in front.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an address or CIDR") from None


def env_rates(name: str) -> dict[str, tuple[int, int]]:
    """`sms_send.site=5000/3600,register_query.client=20/60`: count per seconds, for the
    named limits of lib/ratelimit.py (whose table holds the defaults)."""
    rates: dict[str, tuple[int, int]] = {}
    for item in env_list(name, ""):
        key, _, value = item.partition("=")
        count, _, seconds = value.partition("/")
        if not (key.strip() and count.strip().isdigit() and seconds.strip().isdigit()):
            raise ImproperlyConfigured(f"{name}: {item!r} is not <limit>.<scope>=<count>/<seconds>")
        rates[key.strip()] = (int(count), int(seconds))
    return rates


RATE_LIMITS = env_rates("RATE_LIMITS")
# Anti-automation on registration and the SMS-code request (lib/antibot.py): a form sent
# sooner than this after the page was shown is a script's, and a page older than the second
# number must be reloaded.
FORM_MIN_SECONDS = env_int("FORM_MIN_SECONDS", 3)
FORM_MAX_AGE_SECONDS = env_int("FORM_MAX_AGE_SECONDS", 4 * 3600)

# SMS delivery: `console` logs the text (works out of the box); `http` posts to a gateway.
SMS_GATEWAY = env("SMS_GATEWAY", "console")
if SMS_GATEWAY not in ("console", "http"):
    raise ImproperlyConfigured(f"SMS_GATEWAY must be console or http, not {SMS_GATEWAY!r}")
SMS_HTTP_URL = env("SMS_HTTP_URL")
SMS_HTTP_TOKEN = env("SMS_HTTP_TOKEN")
SMS_HTTP_SIGN = env("SMS_HTTP_SIGN", "辽宁政务服务网")
SMS_HTTP_TIMEOUT = env_int("SMS_HTTP_TIMEOUT", 10)
if SMS_GATEWAY == "http" and not SMS_HTTP_URL:
    raise ImproperlyConfigured("SMS_GATEWAY=http needs SMS_HTTP_URL")
SMS_MAX_ATTEMPTS = env_int("SMS_MAX_ATTEMPTS", 6)
SMS_RETRY_BASE_SECONDS = env_int("SMS_RETRY_BASE_SECONDS", 30)
# A message claimed by a worker that then died is handed out again after this long.
SMS_STALE_SECONDS = env_int("SMS_STALE_SECONDS", 5 * 60)


# Data sharing (exchange/, docs/exchange.md): certificates to the 电子证照库, case status changes
# to the province's 办件 collection. Each channel is `off` (nothing recorded), `console` (the
# records are written and logged, nothing sent; works out of the box) or `http` (sent, signed
# with HMAC-SM3 under the channel's secret, which the receiver holds too).
def _exchange_channel_check(name: str, mode: str, url: str, app_id: str, secret: str) -> None:
    if mode not in ("off", "console", "http"):
        raise ImproperlyConfigured(f"EXCHANGE_{name}_GATEWAY must be off, console or http, not {mode!r}")
    if mode != "http":
        return
    if not url.startswith(("https://", "http://")):
        raise ImproperlyConfigured(f"EXCHANGE_{name}_GATEWAY=http needs an http(s) EXCHANGE_{name}_URL")
    if not app_id or len(secret) < 32:
        raise ImproperlyConfigured(
            f"EXCHANGE_{name}_GATEWAY=http needs EXCHANGE_{name}_APP_ID and an EXCHANGE_{name}_SECRET "
            "of at least 32 characters"
        )


EXCHANGE_LICENCE_GATEWAY = env("EXCHANGE_LICENCE_GATEWAY", "console")
EXCHANGE_LICENCE_URL = env("EXCHANGE_LICENCE_URL")
EXCHANGE_LICENCE_APP_ID = env("EXCHANGE_LICENCE_APP_ID")
EXCHANGE_LICENCE_SECRET = env("EXCHANGE_LICENCE_SECRET")
_exchange_channel_check(
    "LICENCE",
    EXCHANGE_LICENCE_GATEWAY,
    EXCHANGE_LICENCE_URL,
    EXCHANGE_LICENCE_APP_ID,
    EXCHANGE_LICENCE_SECRET,
)
EXCHANGE_CASE_GATEWAY = env("EXCHANGE_CASE_GATEWAY", "console")
EXCHANGE_CASE_URL = env("EXCHANGE_CASE_URL")
EXCHANGE_CASE_APP_ID = env("EXCHANGE_CASE_APP_ID")
EXCHANGE_CASE_SECRET = env("EXCHANGE_CASE_SECRET")
_exchange_channel_check(
    "CASE", EXCHANGE_CASE_GATEWAY, EXCHANGE_CASE_URL, EXCHANGE_CASE_APP_ID, EXCHANGE_CASE_SECRET
)
EXCHANGE_HTTP_TIMEOUT = env_float("EXCHANGE_HTTP_TIMEOUT", 10)
# A receiver may be down for most of a day (maintenance windows): 12 tries, doubling from a
# minute and at most six hours apart, span about twenty hours before a record fails for staff.
EXCHANGE_MAX_ATTEMPTS = env_int("EXCHANGE_MAX_ATTEMPTS", 12)
EXCHANGE_RETRY_BASE_SECONDS = env_int("EXCHANGE_RETRY_BASE_SECONDS", 60)
# A record claimed by a worker that then died is handed out again after this long.
EXCHANGE_STALE_SECONDS = env_int("EXCHANGE_STALE_SECONDS", 5 * 60)
# 好差评: each rating is pushed to the provincial 好差评 system (docs/rating-push.md).
# `console` logs it (works out of the box); `http` posts it. The push retries for longer than
# an SMS (a rating is not urgent, and must arrive): 12 attempts reach about a day and a half.
RATING_GATEWAY = env("RATING_GATEWAY", "console")
if RATING_GATEWAY not in ("console", "http"):
    raise ImproperlyConfigured(f"RATING_GATEWAY must be console or http, not {RATING_GATEWAY!r}")
RATING_HTTP_URL = env("RATING_HTTP_URL")
RATING_HTTP_TOKEN = env("RATING_HTTP_TOKEN")
RATING_HTTP_TIMEOUT = env_int("RATING_HTTP_TIMEOUT", 10)
if RATING_GATEWAY == "http" and not RATING_HTTP_URL:
    raise ImproperlyConfigured("RATING_GATEWAY=http needs RATING_HTTP_URL")
RATING_PUSH_MAX_ATTEMPTS = env_int("RATING_PUSH_MAX_ATTEMPTS", 12)
RATING_PUSH_RETRY_BASE_SECONDS = env_int("RATING_PUSH_RETRY_BASE_SECONDS", 60)
RATING_PUSH_STALE_SECONDS = env_int("RATING_PUSH_STALE_SECONDS", 5 * 60)

# Faults absorbed (docs/operations.md 「故障时的表现」): a task row left RUNNING this long by a
# worker that died is re-queued (if the task is safe to run again) or marked failed; a
# certificate copy claimed by a worker that died is handed to another after COPY_STALE_SECONDS;
# files that no row references are deleted once older than ORPHAN_GRACE_SECONDS.
TASK_STALE_SECONDS = env_int("TASK_STALE_SECONDS", 10 * 60)
COPY_STALE_SECONDS = env_int("COPY_STALE_SECONDS", 30)
ORPHAN_GRACE_SECONDS = env_int("ORPHAN_GRACE_SECONDS", 60 * 60)
# run_periodic's pause between two rounds of sweeps.
PERIODIC_INTERVAL_SECONDS = env_float("PERIODIC_INTERVAL_SECONDS", 15)

# Background work: django-tasks with the database backend, so a job is written in the same
# transaction as the data it concerns and is never lost or run for data that was rolled back.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "ENQUEUE_ON_COMMIT": False,
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# `collectstatic` (at every deploy, on every host) writes each file under a name carrying a hash
# of its content (css/portal.3c5a9e0f1b2d.css) beside gzip and Brotli copies; pages link to
# those names, and WhiteNoise serves them with `Cache-Control: max-age=315360000, public,
# immutable`. Equal files get equal names, so every host agrees. The tests collect nothing and
# link to the plain names (portal/testenv.py), except the one test of this.
STATIC_HASHED_NAMES = env_bool("STATIC_HASHED_NAMES", True)
# Files (attachments, certificates) on this host's disk by default; in S3-compatible object
# storage when S3_BUCKET is set, so that no app server keeps anything on its own disk.
S3_BUCKET = env("S3_BUCKET")
if S3_BUCKET:
    _default_storage: dict[str, object] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env("S3_ENDPOINT_URL") or None,
            "region_name": env("S3_REGION") or None,
            "access_key": env("S3_ACCESS_KEY_ID") or None,
            "secret_key": env("S3_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_HASHED_NAMES
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"  # files are only ever served through views that check access
# The largest file an applicant may upload as one material (bytes): a scan of a signed form
# or a certificate fits in 10 MB, and the upload is read into memory to be checked.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
if UPLOAD_MAX_BYTES < 1024 * 1024:
    raise ImproperlyConfigured(f"UPLOAD_MAX_BYTES must be at least 1048576 (1 MB), not {UPLOAD_MAX_BYTES}")

# --- Health, metrics and logs (docs/operations.md 健康检查、监控指标、日志) ---
# /healthz and /readyz answer whatever the Host (portal/probes.py). A /readyz check that
# takes longer than this fails as 超时, so a hanging Redis or S3 cannot hang the probe.
READY_CHECK_TIMEOUT_SECONDS = env_float("READY_CHECK_TIMEOUT_SECONDS", 1.5)
# The queue check fails when the oldest due task has waited longer than this: no worker runs.
READY_QUEUE_MAX_AGE_SECONDS = env_int("READY_QUEUE_MAX_AGE_SECONDS", 300)
READY_CHECKS = ("database", "cache", "storage", "queue", "keys")
# Checks that /readyz reports but that do not make it answer 503 (e.g. "cache", once a cache
# outage only costs speed: every host shares the one Redis, so taking them all out helps no one).
READY_NONCRITICAL = env_list("READY_NONCRITICAL", "cache")
for _check in READY_NONCRITICAL:
    if _check not in READY_CHECKS:
        raise ImproperlyConfigured(f"READY_NONCRITICAL: {_check!r} is not one of {', '.join(READY_CHECKS)}")
# /metrics answers these client networks (lib.ratelimit.client_ip, so TRUSTED_PROXIES count)
# and, when METRICS_TOKEN is set, anyone sending `Authorization: Bearer <token>`; others get 404.
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")
for _network in METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"METRICS_ALLOWED_NETWORKS: {_network!r} is not a network (CIDR)"
        ) from None
METRICS_TOKEN = env("METRICS_TOKEN")
# Read by prometheus_client itself from the environment; checked here so that a missing folder
# fails at start-up rather than at the first counted SMS.
PROMETHEUS_MULTIPROC_DIR = env("PROMETHEUS_MULTIPROC_DIR")
if PROMETHEUS_MULTIPROC_DIR and not Path(PROMETHEUS_MULTIPROC_DIR).is_dir():
    raise ImproperlyConfigured(
        f"PROMETHEUS_MULTIPROC_DIR={PROMETHEUS_MULTIPROC_DIR} is not a directory: create it (empty) "
        "before starting the web server and the worker, or leave the variable unset."
    )

# One JSON object a line (lib/logs.py), times in Asia/Shanghai with their offset, each line
# with its request id; LOG_FORMAT=text is for a person reading a terminal (`make run`).
LOG_FORMAT = env("LOG_FORMAT", "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "lib.logs.RequestIdFilter"},
        "personal_data": {"()": "lib.logs.PersonalDataFilter"},
    },
    "formatters": {"json": {"()": "lib.logs.JsonFormatter"}, "text": {"()": "lib.logs.TextFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # Naming the logger drops Django's own handlers (a second, plain console line when
        # DEBUG is on); its records reach the root handler above.
        "django": {"level": "INFO"},
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
# --- end of health, metrics and logs ---

# Identity sources (accounts/realname.py): the real-name service for persons and the enterprise
# register. The defaults answer from directories kept in the admin (实名目录, 企业登记目录);
# production points these at the adapters for the province's services.
REALNAME_PROVIDER = env("REALNAME_PROVIDER", "accounts.realname.DirectoryProvider")
ENTERPRISE_REGISTRY_PROVIDER = env(
    "ENTERPRISE_REGISTRY_PROVIDER", "accounts.realname.EnterpriseDirectoryProvider"
)
if REALNAME_PROVIDER.endswith(".FormatOnlyProvider") and not DEBUG:
    raise ImproperlyConfigured(
        "REALNAME_PROVIDER=FormatOnlyProvider accepts any well-formed number and is for development "
        "only (DEBUG=true). Use the directory or the province's real-name service."
    )

# Sign-in through the province's 统一身份认证 (OpenID Connect, accounts/unified.py, ADR 0023).
# Off (no button, the pages answer 404) until an issuer and a client id are set.
# Exactly as the platform writes it (a trailing slash included): ID tokens must name it so.
OIDC_ISSUER = env("OIDC_ISSUER").strip()
# Where the provider's metadata is read; by default the standard place under the issuer.
OIDC_DISCOVERY_URL = env("OIDC_DISCOVERY_URL") or (
    f"{OIDC_ISSUER.rstrip('/')}/.well-known/openid-configuration" if OIDC_ISSUER else ""
)
OIDC_CLIENT_ID = env("OIDC_CLIENT_ID")
OIDC_CLIENT_SECRET = env("OIDC_CLIENT_SECRET")
# client_secret_basic (HTTP Basic) or client_secret_post (in the form), as the platform asks.
OIDC_TOKEN_AUTH_METHOD = env("OIDC_TOKEN_AUTH_METHOD", "client_secret_basic")
OIDC_SCOPES = env_list("OIDC_SCOPES", "openid,profile")
# The claims (in the ID token or, failing that, from the userinfo endpoint) that carry the
# person's 证件类型, 证件号码, 姓名 and (optionally) 手机号. An empty OIDC_CLAIM_ID_TYPE means the
# platform asserts 居民身份证 numbers only.
OIDC_CLAIM_ID_TYPE = env("OIDC_CLAIM_ID_TYPE", "id_type")
OIDC_CLAIM_ID_NUMBER = env("OIDC_CLAIM_ID_NUMBER", "id_number")
OIDC_CLAIM_NAME = env("OIDC_CLAIM_NAME", "name")
OIDC_CLAIM_MOBILE = env("OIDC_CLAIM_MOBILE")
# OIDC's standard claims for 性别 (`gender`: male / female) and 出生日期 (`birthdate`:
# YYYY-MM-DD), taken only for the documents whose number does not carry them (ADR 0038) and
# only when both are usable; empty: not taken (the holder gives them in 个人中心).
OIDC_CLAIM_GENDER = env("OIDC_CLAIM_GENDER", "gender")
OIDC_CLAIM_BIRTHDATE = env("OIDC_CLAIM_BIRTHDATE", "birthdate")
# The platform's 证件类型 codes and ours (accounts.models.IdType), `code:ours` comma-separated;
# the defaults are the codes of GA/T 2000.156 that 政务服务 platforms use.
OIDC_ID_TYPE_CODES = env(
    "OIDC_ID_TYPE_CODES", "111:resident,414:passport,516:hk_macao,511:taiwan,553:foreign_pr"
)
OIDC_TIMEOUT_SECONDS = env_float("OIDC_TIMEOUT_SECONDS", 10.0)
if OIDC_ISSUER and not (OIDC_CLIENT_ID and OIDC_CLIENT_SECRET):
    raise ImproperlyConfigured("OIDC_ISSUER is set: OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are needed too")
if OIDC_ISSUER and "openid" not in OIDC_SCOPES:
    raise ImproperlyConfigured("OIDC_SCOPES must include openid (an ID token is what proves the person)")
if OIDC_TOKEN_AUTH_METHOD not in ("client_secret_basic", "client_secret_post"):
    raise ImproperlyConfigured(
        "OIDC_TOKEN_AUTH_METHOD must be client_secret_basic or client_secret_post, "
        f"not {OIDC_TOKEN_AUTH_METHOD!r}"
    )

# --- Electronic certificates (certificates/) -------------------------------------------
# Key material lives outside the repository. `make run` creates a test CA, the issuing
# authority's SM2 key and certificate, a seal maker's and the seal once under CERT_KEY_DIR; production
# points these at its own files (or replaces certificates.crypto's signer by its adapter).
CERT_KEY_DIR = Path(env("CERT_KEY_DIR", str(VAR_DIR / "keys")))
# (the certificates helper owns the settings between these two markers)
# PEM or DER files; each path can be set on its own (production: the authority's own files).
CERT_CA_CERT = Path(env("CERT_CA_CERT", str(CERT_KEY_DIR / "ca.pem")))  # the trusted root for verification
CERT_CA_KEY = Path(
    env("CERT_CA_KEY", str(CERT_KEY_DIR / "ca.key"))
)  # the test CA's key; not needed in production
CERT_SIGNING_KEY = Path(env("CERT_SIGNING_KEY", str(CERT_KEY_DIR / "issuer.key")))
CERT_SIGNING_CERT = Path(env("CERT_SIGNING_CERT", str(CERT_KEY_DIR / "issuer.pem")))
CERT_SEAL_FILE = Path(env("CERT_SEAL_FILE", str(CERT_KEY_DIR / "seal.esl")))  # DER SESeal (GB/T 38540)
# The seal maker (制章者): signs the seal when `certificate_keys --create` makes it. Needed only
# on the host where seals are made, never on an app server (the seal carries the maker's
# certificate inside it, which is all a verifier needs).
CERT_MAKER_CERT = Path(env("CERT_MAKER_CERT", str(CERT_KEY_DIR / "maker.pem")))
CERT_MAKER_KEY = Path(env("CERT_MAKER_KEY", str(CERT_KEY_DIR / "maker.key")))
# A zero-argument callable returning a certificates.crypto.Signer: the local key files by
# default, or the dotted path of an adapter to a signing service (signature server / HSM).
CERT_SIGNER = env("CERT_SIGNER", "certificates.crypto.local_signer")
# A signing service over HTTP (CERT_SIGNER=certificates.signers.remote.http_signer; docs/signing.md):
# its address, and the client credential both sides hold (the reference service, `manage.py
# serve_signing` on the signer host, reads the same two settings).
CERT_SIGNER_URL = env("CERT_SIGNER_URL")
CERT_SIGNER_KEY_ID = env("CERT_SIGNER_KEY_ID")
CERT_SIGNER_SECRET = env("CERT_SIGNER_SECRET")
CERT_SIGNER_TIMEOUT_SECONDS = env_float("CERT_SIGNER_TIMEOUT_SECONDS", 10.0)
# An HSM through its PKCS#11 module (CERT_SIGNER=certificates.signers.pkcs11.pkcs11_signer): the
# module's path, the token and key labels, the user PIN, and the vendor's SM2 mechanism number
# (0x… accepted); whether that mechanism is given e = SM3(Z‖M) ("digest") or the message itself
# ("message"), and whether it returns r‖s ("raw") or DER ("der").
CERT_PKCS11_MODULE = env("CERT_PKCS11_MODULE")
CERT_PKCS11_TOKEN_LABEL = env("CERT_PKCS11_TOKEN_LABEL")
CERT_PKCS11_PIN = env("CERT_PKCS11_PIN")
CERT_PKCS11_KEY_LABEL = env("CERT_PKCS11_KEY_LABEL")
CERT_PKCS11_MECHANISM = env("CERT_PKCS11_MECHANISM")
CERT_PKCS11_MECHANISM_INPUT = env("CERT_PKCS11_MECHANISM_INPUT", "digest")
CERT_PKCS11_SIGNATURE_FORMAT = env("CERT_PKCS11_SIGNATURE_FORMAT", "raw")
# --- end of certificates settings ------------------------------------------------------
# Trusted time and revocation for sealed files (ADR 0032). CERT_TSA: "none" (no timestamp) or
# "rfc3161": every seal gets a token of the time-stamping service at CERT_TSA_URL, and a copy
# is not issued while it is down (the copy task fails and is tried again). CERT_TSA_CA: PEM
# file of the TSA's root certificate(s), needed to stamp and to verify stamps.
CERT_TSA = env("CERT_TSA", "none")
CERT_TSA_URL = env("CERT_TSA_URL")
CERT_TSA_TIMEOUT_SECONDS = env_float("CERT_TSA_TIMEOUT_SECONDS", 10.0)
CERT_TSA_DIGEST = env("CERT_TSA_DIGEST", "sm3")  # the imprint's digest: sm3 or sha256
CERT_TSA_POLICY = env("CERT_TSA_POLICY")  # a policy OID to ask for; empty: the TSA's default
CERT_TSA_CA = env("CERT_TSA_CA")
# The CA's certificate revocation list (DER or PEM, signed by CERT_CA_CERT's key): the verifier
# checks the signer and seal-maker certificates against it. Empty: no revocation check.
# CERT_CRL_URL: where `certificate_crl --fetch` (and run_periodic, every CERT_CRL_REFRESH_SECONDS)
# fetches a new list into CERT_CRL_FILE.
CERT_CRL_FILE = env("CERT_CRL_FILE")
CERT_CRL_URL = env("CERT_CRL_URL")
CERT_CRL_REFRESH_SECONDS = env_int("CERT_CRL_REFRESH_SECONDS", 3600)
CERT_CRL_TIMEOUT_SECONDS = env_float("CERT_CRL_TIMEOUT_SECONDS", 10.0)
if CERT_TSA not in ("none", "rfc3161"):
    raise ImproperlyConfigured(f"CERT_TSA must be none or rfc3161, not {CERT_TSA!r}")
if CERT_TSA == "rfc3161" and not (CERT_TSA_URL and CERT_TSA_CA):
    raise ImproperlyConfigured("CERT_TSA=rfc3161 needs CERT_TSA_URL and CERT_TSA_CA")
if CERT_CRL_URL and not CERT_CRL_FILE:
    raise ImproperlyConfigured("CERT_CRL_URL is set: CERT_CRL_FILE names where the fetched list is kept")
