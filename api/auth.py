"""Who is calling: a relying party that signs its request (`SignedRequest`, one instance per
endpoint, naming the scope the endpoint needs and the audit action its calls are recorded
under), or an applicant signed in to the portal (`ApplicantSession`).

A signed request is checked in this order, each step answering with its own code
(api/errors.py): the headers are there and well-formed; the app key names a party; the party
is not suspended; the timestamp is within 5 minutes of ours; the signature matches; the nonce
was not seen (the shared cache remembers nonces for twice the window: a nonce store that is
down refuses every call rather than let one be replayed); the party holds the scope; its
limits per minute and per day are not exceeded. Every refusal after the app key is known is
audited as DENIED, while the address's count of refusals allows (LimitName.API_AUTH_FAILURE:
a flood of bad signatures must not fill the trail); served calls are audited by the endpoint."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from ninja.security import APIKeyCookie, APIKeyHeader

from accounts.models import User
from accounts.selectors import request_user
from api import signing
from api.errors import ApiError, ApiErrorCode
from api.models import ApiScope, RelyingParty
from audit.models import AuditAction, AuditResult
from audit.services import audit_record
from lib.cache import CacheUnavailable, cache_is_down
from lib.ratelimit import LimitName, limit_refusal, rate_allow

logger = logging.getLogger(__name__)

DAY = 24 * 3600


@dataclass(frozen=True)
class PartyActor:
    """The relying party as the audit trail's actor: its name, no account (actor_id 0)."""

    party: RelyingParty
    pk: int = 0
    is_authenticated: bool = True
    kind: str = "api"

    @property
    def name(self) -> str:
        return f"接口调用方：{self.party.name}"

    def get_username(self) -> str:
        return self.party.app_key


def party_audit(
    *,
    request: HttpRequest,
    party: RelyingParty,
    action: AuditAction,
    result: AuditResult = AuditResult.SUCCESS,
    obj: Any = None,
    label: str = "",
    subject_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """One row for one call of `party`: what it asked for, and whose data was answered."""
    audit_record(
        action=action,
        request=request,
        actor=PartyActor(party),
        obj=obj,
        label=label,
        subject_id=subject_id,
        result=result,
        detail={"应用标识": party.app_key, "接口": request.path[:200], **(detail or {})},
    )


def _nonce_fresh(*, party: RelyingParty, nonce: str) -> bool:
    """Remember the nonce; False if it was seen. Fails closed: a cache that cannot answer
    refuses the call (NONCE_STORE_UNAVAILABLE), since it could not tell a replay."""
    key = f"api-nonce:{party.pk}:{nonce}"
    try:
        if cache_is_down():
            raise CacheUnavailable("the cache is unavailable")
        # A timestamp up to a window ahead of us stays acceptable for two windows from now.
        added = bool(cache.add(key, 1, timeout=2 * signing.WINDOW_SECONDS))
        if not added and cache_is_down():  # the fail-soft cache says False when it is down
            raise CacheUnavailable("the cache is unavailable")
    except CacheUnavailable:
        raise ApiError(ApiErrorCode.NONCE_STORE_UNAVAILABLE) from None
    except Exception:
        logger.warning("API nonce not checked: the cache is unavailable", exc_info=True)
        raise ApiError(ApiErrorCode.NONCE_STORE_UNAVAILABLE) from None
    return added


def _limits_allow(party: RelyingParty) -> bool:
    # Both counted, whichever refuses, so that a refused minute still counts toward the day.
    minute = rate_allow(key=f"api:{party.pk}:minute", limit=party.per_minute, window_seconds=60)
    day = rate_allow(key=f"api:{party.pk}:day", limit=party.per_day, window_seconds=DAY)
    return minute and day


class SignedRequest(APIKeyHeader):
    """The relying parties' authentication (documented in OpenAPI as the X-Api-Key header;
    the other three headers are in the API's description and docs/api.md)."""

    param_name = signing.HEADER_KEY

    def __init__(self, *, scope: ApiScope, action: AuditAction) -> None:
        self.scope = scope
        self.action = action
        super().__init__()

    def authenticate(self, request: HttpRequest, key: str | None) -> RelyingParty:
        timestamp = request.headers.get(signing.HEADER_TIMESTAMP, "")
        nonce = request.headers.get(signing.HEADER_NONCE, "")
        signature = request.headers.get(signing.HEADER_SIGNATURE, "")
        if not key or not timestamp or not nonce or not signature:
            raise self._refused(request, None, ApiErrorCode.SIGNATURE_MISSING)
        # Not one of ours, so not looked up (a NUL in the header would be a server error on
        # PostgreSQL, whatever else was sent would cost a query for nothing).
        if not signing.APP_KEY.fullmatch(key):
            raise self._refused(request, None, ApiErrorCode.UNKNOWN_APP_KEY)
        party = RelyingParty.objects.filter(app_key=key).first()
        if party is None:
            raise self._refused(request, None, ApiErrorCode.UNKNOWN_APP_KEY)
        if party.suspended:
            raise self._refused(request, party, ApiErrorCode.CLIENT_SUSPENDED)
        if not signing.NONCE.fullmatch(nonce) or not signing.SIGNATURE.fullmatch(signature.lower()):
            raise self._refused(request, party, ApiErrorCode.SIGNATURE_INVALID)
        if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
            raise self._refused(request, party, ApiErrorCode.TIMESTAMP_EXPIRED)
        if abs(time.time() - int(timestamp)) > signing.WINDOW_SECONDS:
            raise self._refused(request, party, ApiErrorCode.TIMESTAMP_EXPIRED)
        try:
            body = request.body
        except RequestDataTooBig:
            raise self._refused(request, party, ApiErrorCode.PAYLOAD_TOO_LARGE) from None
        text = signing.string_to_sign(
            method=request.method or "",
            path=request.path,
            query_string=request.META.get("QUERY_STRING", ""),
            app_key=party.app_key,
            timestamp=timestamp,
            nonce=nonce,
            body=body,
        )
        if not signing.signature_matches(secret=party.secret, text=text, signature=signature):
            raise self._refused(request, party, ApiErrorCode.SIGNATURE_INVALID)
        # After the signature: nobody without the secret can use up a party's nonces.
        if not _nonce_fresh(party=party, nonce=nonce):
            raise self._refused(request, party, ApiErrorCode.NONCE_REPLAYED)
        if not party.may(self.scope):
            raise self._refused(request, party, ApiErrorCode.SCOPE_DENIED)
        if not _limits_allow(party):
            raise self._refused(request, party, ApiErrorCode.RATE_LIMITED)
        return party

    def _refused(self, request: HttpRequest, party: RelyingParty | None, code: ApiErrorCode) -> ApiError:
        """The error to raise, audited when the party is known and the address's count of
        refusals allows; past that count the answer is a 429 without a row."""
        if limit_refusal(LimitName.API_AUTH_FAILURE, request=request):
            return ApiError(ApiErrorCode.RATE_LIMITED)
        if party is not None:
            party_audit(
                request=request,
                party=party,
                action=self.action,
                result=AuditResult.DENIED,
                label=party.name,
                detail={"拒绝原因": code.value},
            )
        return ApiError(code)


class ApplicantSession(APIKeyCookie):
    """An account signed in to the portal (its session cookie): the selectors decide what it
    sees, so an account with nothing of its own sees nothing."""

    def __init__(self) -> None:
        from django.conf import settings

        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            raise ApiError(ApiErrorCode.NOT_AUTHENTICATED)
        return request_user(request)
