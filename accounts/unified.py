"""The province's 统一身份认证 (OpenID Connect): one adapter, which sends the browser to the
platform and, when it comes back, proves what the platform says about the person.

Authlib does the protocol (docs/adr/0023-unified-identity-sign-in.md): the Authorization Code
flow with PKCE (S256), a fresh `state` and `nonce` kept in the session, the code exchanged at
the token endpoint with the client's secret, and the ID token's signature checked against the
keys the platform publishes (JWKS), with its issuer, audience, expiry and nonce. What leaves
this module is an `UnifiedAssertion`: the issuer, the subject and the person's 姓名, 证件类型
and 证件号码 as the platform asserted them; who that is on this site is decided by the
accounts services, by (证件类型, 证件号码) alone.

Everything that can go wrong here (a state this browser did not start, a forged or expired
token, a platform that does not answer, an assertion without an identity) is an
`UnifiedSignInRefused` with a sentence for the person and a detail for the logs."""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage
from django.core.checks import Error as CheckError
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from joserfc.errors import JoseError

from accounts.models import IdType, Sex
from lib.datacrypt import normalize_identity_number
from lib.idcard import IdNumberError, birth_date_plausible, validate_id_number
from lib.mobile import MobileError, validate_mobile

log = logging.getLogger(__name__)

CLIENT_NAME = "unified"
# The platform's metadata (endpoints, and with it the JWKS) is read again after an hour, so a
# key the platform rotates in is found without a restart; an unknown key id refetches at once.
METADATA_SECONDS = 3600
# Clocks of two servers differ a little; an ID token is accepted this many seconds either side.
LEEWAY_SECONDS = 60

REFUSED_STATE = "登录请求已失效或不是从本网站发起的，请重新点击「统一身份认证登录」"
# A sentence, not a secret (the name says "token").
REFUSED_TOKEN = "统一身份认证平台返回的登录凭证未通过校验，未能登录。请重新登录；多次出现请拨打客服电话"  # noqa: S105
REFUSED_CANCELLED = "您已取消统一身份认证登录"
REFUSED_UNAVAILABLE = "统一身份认证平台暂时无法访问，请稍后再试，或使用账号密码、短信验证码登录"
REFUSED_NO_IDENTITY = (
    "统一身份认证平台没有提供您的姓名、证件类型和证件号码，无法确认您的身份。"
    "请先在统一身份认证平台完成实名认证，或使用账号密码登录"
)
REFUSED_ID_TYPE = (
    "统一身份认证平台提供的证件类型本网站暂不支持，请使用账号密码登录，或携带本人证件到政务服务大厅办理"
)
REFUSED_ID_NUMBER = (
    "统一身份认证平台提供的证件号码不是有效的居民身份证号码，无法确认您的身份，请联系统一身份认证平台核实"
)


class UnifiedSignInRefused(Exception):
    """The sign-in cannot go on. `reason` is shown to the person as it is; `detail` says what
    happened technically, for the logs only (it may name a claim or an error code)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class UnifiedAssertion:
    """What the platform asserted about the person signing in, after every check passed."""

    issuer: str
    subject: str
    name: str
    id_type: str
    id_number: str
    mobile: str = ""
    # For a document whose number does not carry them, when the platform gave both: 男/女
    # (`accounts.models.Sex`) and the ISO date (the assertion waits in the session as JSON).
    sex: str = ""
    birth_date: str = ""


def unified_signin_enabled() -> bool:
    """Configured (an issuer and a client): the login page shows the button."""
    return bool(settings.OIDC_ISSUER and settings.OIDC_CLIENT_ID)


def id_type_codes() -> dict[str, str]:
    """OIDC_ID_TYPE_CODES as {the platform's code: our IdType}. Our own values are understood
    too, for a platform that was told them."""
    codes = {value: value for value in IdType.values}
    for item in settings.OIDC_ID_TYPE_CODES.split(","):
        if not item.strip():
            continue
        code, sep, ours = (part.strip() for part in item.partition(":"))
        if not sep or not code or ours not in IdType.values:
            raise ImproperlyConfigured(
                f"OIDC_ID_TYPE_CODES: {item.strip()!r} is not code:type with a type among {IdType.values}"
            )
        codes[code] = ours
    return codes


def settings_check(**kwargs: Any) -> list[CheckMessage]:
    """A system check (run at start-up and by `manage.py check --deploy`): a bad code table
    fails there, not at a person's sign-in."""
    try:
        id_type_codes()
    except ImproperlyConfigured as e:
        return [CheckError(str(e), id="accounts.E023")]
    return []


@functools.lru_cache(maxsize=4)
def _client_for(
    discovery_url: str, client_id: str, client_secret: str, scope: str, auth_method: str, timeout: float
) -> Any:
    # One client per configuration (the settings are the cache key, so a test's
    # override_settings gets its own); it keeps the platform's metadata and keys between
    # sign-ins. Authlib ships no type hints: Any stands for its client here only.
    from authlib.integrations.django_client import DjangoIntegration, DjangoOAuth2App

    return DjangoOAuth2App(
        DjangoIntegration(CLIENT_NAME),
        CLIENT_NAME,
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=discovery_url,
        client_kwargs={
            "scope": scope,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": auth_method,
            "default_timeout": timeout,
        },
    )


def _client() -> Any:
    client = _client_for(
        settings.OIDC_DISCOVERY_URL,
        settings.OIDC_CLIENT_ID,
        settings.OIDC_CLIENT_SECRET,
        " ".join(settings.OIDC_SCOPES),
        settings.OIDC_TOKEN_AUTH_METHOD,
        settings.OIDC_TIMEOUT_SECONDS,
    )
    loaded = client.server_metadata.get("_loaded_at")
    if loaded is not None and time.time() - loaded > METADATA_SECONDS:
        client.server_metadata.clear()
    return client


def _metadata(client: Any) -> dict[str, Any]:
    """The platform's metadata, which must name the configured issuer (OpenID Connect
    Discovery 4.3): a discovery document from elsewhere is not the platform's."""
    metadata: dict[str, Any] = client.load_server_metadata()
    if metadata.get("issuer") != settings.OIDC_ISSUER:
        client.server_metadata.clear()
        raise UnifiedSignInRefused(REFUSED_UNAVAILABLE, f"discovery issuer {metadata.get('issuer')!r}")
    return metadata


def unified_signin_redirect(request: HttpRequest, *, redirect_uri: str) -> HttpResponse:
    """Send the browser to the platform. The state, nonce and PKCE verifier stay in this
    browser's session, where the way back must find them."""
    import requests  # here: a web worker that never signs anyone in this way never loads it

    try:
        client = _client()
        _metadata(client)
        response: HttpResponse = client.authorize_redirect(request, redirect_uri)
    except (requests.RequestException, ValueError, RuntimeError) as e:
        raise UnifiedSignInRefused(REFUSED_UNAVAILABLE, f"discovery: {e!r}") from None
    return response


def unified_signin_finish(request: HttpRequest) -> UnifiedAssertion:
    """The way back from the platform: check the state, exchange the code (with the PKCE
    verifier), check the ID token, and read the person's identity from it."""
    if request.GET.get("error"):
        error = str(request.GET["error"])[:60]
        reason = REFUSED_CANCELLED if error == "access_denied" else REFUSED_TOKEN
        raise UnifiedSignInRefused(reason, f"authorization error {error}")
    import requests
    from authlib.integrations.base_client import MismatchingStateError, OAuthError

    client = _client()
    try:
        metadata = _metadata(client)
        token = client.authorize_access_token(
            request,
            claims_options={
                "iss": {"essential": True, "value": settings.OIDC_ISSUER},
                # Authlib checks the audience only through azp; the ID token must be ours.
                "aud": {"essential": True, "value": settings.OIDC_CLIENT_ID},
            },
            leeway=LEEWAY_SECONDS,
        )
        claims: dict[str, Any] | None = token.get("userinfo")
        if claims is None:
            # No ID token: an access token alone proves nothing about who signed in.
            raise UnifiedSignInRefused(REFUSED_TOKEN, "no id_token in the token response")
        claims = dict(claims)
        if _identity_claims_missing(claims) and metadata.get("userinfo_endpoint"):
            claims = _with_userinfo(client, token, claims)
    except MismatchingStateError:
        raise UnifiedSignInRefused(REFUSED_STATE, "state not started in this session") from None
    except JoseError as e:
        raise UnifiedSignInRefused(REFUSED_TOKEN, f"id_token: {e!r}") from None
    except OAuthError as e:
        raise UnifiedSignInRefused(REFUSED_TOKEN, f"token endpoint: {e.error} {e.description}") from None
    except (requests.RequestException, ValueError, RuntimeError) as e:
        raise UnifiedSignInRefused(REFUSED_UNAVAILABLE, f"platform: {e!r}") from None
    return _assertion_from(claims)


def _identity_claims_missing(claims: dict[str, Any]) -> bool:
    names = [settings.OIDC_CLAIM_ID_NUMBER, settings.OIDC_CLAIM_NAME, settings.OIDC_CLAIM_ID_TYPE]
    return any(name and name not in claims for name in names)


def _with_userinfo(client: Any, token: dict[str, Any], claims: dict[str, Any]) -> dict[str, Any]:
    """Claims the ID token lacks, from the userinfo endpoint; its `sub` must be the ID
    token's (OpenID Connect Core 5.3.2), or the answer is about someone else."""
    info = dict(client.userinfo(token=token))
    if info.get("sub") != claims.get("sub"):
        raise UnifiedSignInRefused(REFUSED_TOKEN, "userinfo sub differs from the id_token's")
    return {**info, **claims}


def _claim(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name) if name else None
    return str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""


def _assertion_from(claims: dict[str, Any]) -> UnifiedAssertion:
    name = _claim(claims, settings.OIDC_CLAIM_NAME)
    number = normalize_identity_number(_claim(claims, settings.OIDC_CLAIM_ID_NUMBER))
    code = _claim(claims, settings.OIDC_CLAIM_ID_TYPE) if settings.OIDC_CLAIM_ID_TYPE else IdType.RESIDENT
    if not name or not number or not code:
        raise UnifiedSignInRefused(REFUSED_NO_IDENTITY, "name, id type or id number claim missing")
    id_type = id_type_codes().get(code)
    if id_type is None:
        raise UnifiedSignInRefused(REFUSED_ID_TYPE, f"unknown id type code {code[:20]!r}")
    if id_type == IdType.RESIDENT:
        try:
            number = validate_id_number(number)
        except IdNumberError:
            raise UnifiedSignInRefused(REFUSED_ID_NUMBER, "resident id number fails its check") from None
    try:
        mobile = validate_mobile(_claim(claims, settings.OIDC_CLAIM_MOBILE))
    except MobileError:
        mobile = ""  # optional: a number we cannot use is left out, never a reason to refuse
    sex, birth_date = _particulars_from(claims) if id_type != IdType.RESIDENT else ("", "")
    return UnifiedAssertion(
        issuer=settings.OIDC_ISSUER,
        subject=str(claims["sub"]),
        name=name[:100],
        id_type=id_type,
        id_number=number[:32],
        mobile=mobile,
        sex=sex,
        birth_date=birth_date,
    )


# OIDC's `gender` values, and the words 政务服务 platforms send instead.
_GENDERS = {"male": Sex.MALE, "female": Sex.FEMALE, "男": Sex.MALE, "女": Sex.FEMALE}


def _particulars_from(claims: dict[str, Any]) -> tuple[str, str]:
    """性别 and 出生日期 from the platform's claims, both or neither: optional, like the
    mobile, so a value we cannot use is left out (the holder gives them in 个人中心)."""
    sex = _GENDERS.get(_claim(claims, settings.OIDC_CLAIM_GENDER).lower())
    try:
        born = date.fromisoformat(_claim(claims, settings.OIDC_CLAIM_BIRTHDATE))
    except ValueError:
        return "", ""
    if sex is None or not birth_date_plausible(born, today=timezone.localdate()):
        return "", ""
    return str(sex), born.isoformat()
