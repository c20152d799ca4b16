"""Rate limits for everything a stranger can repeat: SMS codes, logins, registration, password
reset, 提取信息, 注册人员查询 and the certificate file check. Counted in the shared cache so
that every app process on every host counts alike (Redis on several hosts).

The table of limits lives here and nowhere else (`LIMITS`); each named limit counts per
subject (the mobile, login name or account the request is about), per client address and for
the whole site, and settings.RATE_LIMITS overrides any number (docs/operations.md)."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from lib.cache import CacheUnavailable
from lib.datacrypt import subject_index

logger = logging.getLogger(__name__)

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


# --- The client's address ---------------------------------------------------------------


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IpNetwork, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _address(value: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address: IpAddress, networks: tuple[IpNetwork, ...]) -> bool:
    return any(address in network for network in networks)


def ip_in_networks(address: str, networks: Sequence[str]) -> bool:
    """Whether `address` lies in one of `networks` (CIDRs checked by settings at start-up).
    An address that does not parse (an empty REMOTE_ADDR) lies in none."""
    ip = _address(address)
    if ip is None:
        return False
    # An IPv4 client seen through an IPv6 socket arrives as ::ffff:a.b.c.d.
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return _trusted(ip, _networks(tuple(networks)))


def client_ip(request: HttpRequest) -> str:
    """The address a limit is counted against.

    X-Forwarded-For is typed by whoever sends the request, so it is read only when the
    request comes straight from one of settings.TRUSTED_PROXIES (our own load balancers).
    Each proxy appends the address it received the request from, so the list is read from the
    right, skipping our own proxies: the first address that is not ours is the client's.
    Anything to the left of it was typed by the client and is ignored."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    remote_address = _address(remote)
    if not networks or remote_address is None or not _trusted(remote_address, networks):
        return remote
    hops = [hop for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            # Not written by a proxy of ours (they write addresses): count the proxy itself
            # rather than let a typed string choose the count.
            return remote
        if not _trusted(address, networks):
            return str(address)
    # Only our own machines in the chain: an internal request.
    return remote


# --- Counting ---------------------------------------------------------------------------


def rate_allow(*, key: str, limit: int, window_seconds: int) -> bool:
    """Count one more event under `key`; True while at most `limit` fell in the window.

    The window is fixed: it starts with the first event and lasts `window_seconds`. add and
    incr are each atomic in the cache (Redis INCR, a lock in local memory), so concurrent
    requests on any number of processes never lose a count, which a get then set would.

    A cache that is down lets the request through with a warning in the log: a limit is a
    brake, and the per-account lockout and the per-phone SMS quota in the database still hold,
    whereas an error here would close the login and registration pages for everyone."""
    cache_key = f"ratelimit:{key}"
    try:
        cache.add(cache_key, 0, timeout=window_seconds)
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr: this event opens a new window
            cache.set(cache_key, 1, timeout=window_seconds)
            count = 1
    except CacheUnavailable:
        return True  # an outage the cache has logged once already (lib/cache.py)
    except Exception:
        logger.warning("rate limit %s not counted: the cache is unavailable", key, exc_info=True)
        return True
    return count <= limit


# --- The table of limits ----------------------------------------------------------------


class Scope(StrEnum):
    SUBJECT = "subject"  # the mobile, login name or account the request is about
    CLIENT = "client"  # the client's address (an IPv6 client's /64: one line, one count)
    SITE = "site"  # everyone together: a brake on a flood from many addresses


class LimitName(StrEnum):
    SMS_SEND = "sms_send"
    LOGIN = "login"  # with a password
    SMS_LOGIN = "sms_login"
    REGISTER = "register"
    RESET = "reset"  # 找回密码
    EXTRACT = "extract"
    REGISTER_QUERY = "register_query"
    VERIFY_UPLOAD = "verify_upload"
    VERIFY_LICENSE = "verify_license"  # the open API's check by 电子证照标识
    VERIFY_NOTICE = "verify_notice"  # the public check of a sealed notice by its QR code
    API_AUTH_FAILURE = "api_auth_failure"  # a signed API request refused before it was served


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


@dataclass(frozen=True)
class Limit:
    action: str  # what the user was doing, for the refusal: 「获取验证码过于频繁…」
    rates: dict[Scope, Rate]


HOUR = 3600

# The numbers are for one province's applicants: a person needs a few of each a day, an
# office behind one address (an enterprise's agents) a few dozen; the site-wide brake is far
# above the busiest hour seen, so that it only ever stops a flood.
LIMITS: dict[LimitName, Limit] = {
    LimitName.SMS_SEND: Limit(
        "获取验证码",
        {Scope.SUBJECT: Rate(10, HOUR), Scope.CLIENT: Rate(30, HOUR), Scope.SITE: Rate(3000, HOUR)},
    ),
    LimitName.LOGIN: Limit(
        "登录",
        {Scope.SUBJECT: Rate(20, HOUR), Scope.CLIENT: Rate(60, HOUR), Scope.SITE: Rate(1200, 60)},
    ),
    LimitName.SMS_LOGIN: Limit(
        "登录",
        {Scope.SUBJECT: Rate(20, HOUR), Scope.CLIENT: Rate(60, HOUR), Scope.SITE: Rate(1200, 60)},
    ),
    LimitName.REGISTER: Limit(
        "注册",
        {Scope.SUBJECT: Rate(20, HOUR), Scope.CLIENT: Rate(30, HOUR), Scope.SITE: Rate(600, 60)},
    ),
    LimitName.RESET: Limit(
        "找回密码",
        {Scope.SUBJECT: Rate(20, HOUR), Scope.CLIENT: Rate(30, HOUR), Scope.SITE: Rate(600, 60)},
    ),
    LimitName.EXTRACT: Limit(
        "提取信息",
        {Scope.SUBJECT: Rate(20, HOUR), Scope.CLIENT: Rate(60, HOUR), Scope.SITE: Rate(600, 60)},
    ),
    LimitName.REGISTER_QUERY: Limit(
        "查询",
        {Scope.SUBJECT: Rate(20, HOUR), Scope.CLIENT: Rate(10, 60), Scope.SITE: Rate(600, 60)},
    ),
    LimitName.VERIFY_UPLOAD: Limit(
        "核验",
        {Scope.CLIENT: Rate(20, 60), Scope.SITE: Rate(300, 60)},
    ),
    # A 电子证照标识 carries a serial number: counted like the register query, so that the
    # public lookup does not serve to walk through the serials.
    LimitName.VERIFY_LICENSE: Limit(
        "核验",
        {Scope.SUBJECT: Rate(20, HOUR), Scope.CLIENT: Rate(10, 60), Scope.SITE: Rate(600, 60)},
    ),
    # A notice's check is computed on every visit (nothing kept), by a random token: limited
    # per address like the file check, so the page serves no one scanning for tokens.
    LimitName.VERIFY_NOTICE: Limit(
        "核验",
        {Scope.CLIENT: Rate(30, 60), Scope.SITE: Rate(600, 60)},
    ),
    # Wrong signatures, unknown app keys and the like, per address: past this the refusals
    # are no longer written to the audit trail one by one (a flood must not fill it).
    LimitName.API_AUTH_FAILURE: Limit(
        "接口调用",
        {Scope.CLIENT: Rate(30, 60), Scope.SITE: Rate(600, 60)},
    ),
}


def limit_rate(name: LimitName, scope: Scope) -> Rate | None:
    """The rate in force: settings.RATE_LIMITS["<name>.<scope>"] if set, else the table's."""
    override = settings.RATE_LIMITS.get(f"{name}.{scope}")
    if override is not None:
        count, seconds = override
        return Rate(count, seconds)
    return LIMITS[name].rates.get(scope)


def limits_check_settings() -> None:
    """Refuse to start with an override for a limit or scope that does not exist: a typo
    there would leave the intended number silently unused."""
    known = {f"{name}.{scope}" for name in LimitName for scope in Scope}
    unknown = sorted(set(settings.RATE_LIMITS) - known)
    if unknown:
        raise ImproperlyConfigured(f"RATE_LIMITS names unknown limits: {', '.join(unknown)}")


def _client_key(request: HttpRequest) -> str:
    address = _address(client_ip(request))
    if address is None:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        # One home line gets a whole /64: counting each address would give it 2**64 tries.
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _subject_key(subject: str) -> str:
    # The blind index (HMAC-SM3, lib/datacrypt.py): the shared cache never holds a mobile or
    # an ID number, and the same subject counts alike on every host.
    return subject_index(subject)[:32]


def limit_refusal(name: LimitName, *, request: HttpRequest, subject: str = "") -> str:
    """Count this request against each scope of limit `name`; return the refusal to show (in
    Chinese, with HTTP 429) when one of them is exceeded, or "" to go on.

    Every scope is counted even when an earlier one refuses, so the answer depends only on
    what was asked, never on whether the mobile or name belongs to an account."""
    limit = LIMITS[name]
    keys = {
        Scope.SITE: "all",
        Scope.CLIENT: _client_key(request),
        Scope.SUBJECT: _subject_key(subject) if subject.strip() else "",
    }
    exceeded: set[Scope] = set()
    for scope, key in keys.items():
        rate = limit_rate(name, scope)
        if rate is None or not key:
            continue
        if not rate_allow(key=f"{name}:{scope}:{key}", limit=rate.count, window_seconds=rate.seconds):
            exceeded.add(scope)
    if not exceeded:
        return ""
    if exceeded == {Scope.SITE}:
        return f"当前{limit.action}的人数较多，请稍后再试"
    return f"{limit.action}过于频繁，请稍后再试"
