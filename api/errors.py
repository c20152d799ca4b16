"""Every refusal the API gives: a stable code (the enum, which callers may branch on) and a
Chinese message (which they may show), as JSON `{"code": ..., "message": ...}`."""

from __future__ import annotations

from django.db import models


class ApiErrorCode(models.TextChoices):
    INVALID_REQUEST = "invalid_request", "请求参数有误"
    NOT_AUTHENTICATED = "not_authenticated", "请先登录"
    SIGNATURE_MISSING = "signature_missing", "缺少签名信息，请按接口文档提供 X-Api-Key 等请求头"
    UNKNOWN_APP_KEY = "unknown_app_key", "应用标识（AppKey）无效"
    TIMESTAMP_EXPIRED = "timestamp_expired", "请求时间戳与服务器时间相差超过5分钟，请校准时钟后重试"
    SIGNATURE_INVALID = "signature_invalid", "签名验证失败"
    NONCE_REPLAYED = "nonce_replayed", "该请求已经处理过（随机数重复），请重新生成随机数后发送"
    NONCE_STORE_UNAVAILABLE = "nonce_store_unavailable", "服务暂时无法校验请求，请稍后重试"
    CLIENT_SUSPENDED = "client_suspended", "该应用已被暂停调用接口，请联系系统管理员"
    SCOPE_DENIED = "scope_denied", "该应用无权调用此接口"
    RATE_LIMITED = "rate_limited", "调用过于频繁，请稍后再试"
    PAYLOAD_TOO_LARGE = "payload_too_large", "请求内容过大"
    FORBIDDEN = "forbidden", "无权访问"
    NOT_FOUND = "not_found", "未找到"
    METHOD_NOT_ALLOWED = "method_not_allowed", "不支持该请求方法"
    INTERNAL_ERROR = "internal_error", "服务器内部错误，请稍后重试"


STATUS: dict[ApiErrorCode, int] = {
    ApiErrorCode.INVALID_REQUEST: 422,
    ApiErrorCode.NOT_AUTHENTICATED: 401,
    ApiErrorCode.SIGNATURE_MISSING: 401,
    ApiErrorCode.UNKNOWN_APP_KEY: 401,
    ApiErrorCode.TIMESTAMP_EXPIRED: 401,
    ApiErrorCode.SIGNATURE_INVALID: 401,
    ApiErrorCode.NONCE_REPLAYED: 401,
    ApiErrorCode.NONCE_STORE_UNAVAILABLE: 503,
    ApiErrorCode.CLIENT_SUSPENDED: 403,
    ApiErrorCode.SCOPE_DENIED: 403,
    ApiErrorCode.RATE_LIMITED: 429,
    ApiErrorCode.PAYLOAD_TOO_LARGE: 413,
    ApiErrorCode.FORBIDDEN: 403,
    ApiErrorCode.NOT_FOUND: 404,
    ApiErrorCode.METHOD_NOT_ALLOWED: 405,
    ApiErrorCode.INTERNAL_ERROR: 500,
}


class ApiError(Exception):
    """A refusal: `code` and its HTTP status, and a message (the code's label unless a more
    precise sentence is given, such as the rate limit's or a form field's)."""

    def __init__(self, code: ApiErrorCode, message: str = "") -> None:
        self.code = code
        self.message = message or str(code.label)
        super().__init__(self.message)

    @property
    def status(self) -> int:
        return STATUS[self.code]

    def body(self) -> dict[str, str]:
        return {"code": self.code.value, "message": self.message}
