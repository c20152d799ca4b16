"""What every answer under /api/ has in common:

- a request with a control character (NUL above all) in its path, its query or a header the API
  reads is refused before any endpoint sees it (lib/requesttext.py says why): as every
  request Django refuses here, `invalid_request` (422, which every operation declares);
- JSON refusals for what Django answers before or around the API's own views: an address that
  matches no endpoint (404), a method an endpoint does not take (405), a request Django
  refuses (400, 403) and an error nothing else caught (500) (the API's views answer JSON
  themselves, api/endpoints.py);
- lib.http's private headers: the answers are about people (a holder, an applicant's case),
  never to be kept by a browser or a shared proxy;
- `application/json; charset=utf-8`, as django-ninja's own answers say it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, JsonResponse
from django.http.response import HttpResponseBase

from api.errors import ApiError, ApiErrorCode
from api.signing import HEADER_KEY, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP
from lib.http import private
from lib.requesttext import request_text_refusal

logger = logging.getLogger(__name__)

PREFIX = "/api/"
JSON = "application/json; charset=utf-8"
# The headers the API reads (api/auth.py); others are nobody's business here.
API_HEADERS = (HEADER_KEY, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE)
_CODES = {
    400: ApiErrorCode.INVALID_REQUEST,
    403: ApiErrorCode.FORBIDDEN,
    404: ApiErrorCode.NOT_FOUND,
    405: ApiErrorCode.METHOD_NOT_ALLOWED,
    500: ApiErrorCode.INTERNAL_ERROR,
}
# Exceptions Django itself turns into a 4xx answer (which __call__ then words as JSON).
_DJANGO_ANSWERS = (Http404, PermissionDenied, SuspiciousOperation, BadRequest)


def is_api_path(path: str) -> bool:
    return path.startswith(PREFIX)


def error_response(error: ApiError) -> JsonResponse:
    return JsonResponse(
        error.body(), status=error.status, content_type=JSON, json_dumps_params={"ensure_ascii": False}
    )


class ApiErrorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if is_api_path(request.path_info):
            where = request_text_refusal(request, headers=API_HEADERS)
            if where is not None:
                message = f"请求参数有误：{where}中含有控制字符（如空字符 NUL），请去掉后重试"
                return private(error_response(ApiError(ApiErrorCode.INVALID_REQUEST, message)))
        response = self.get_response(request)
        if not is_api_path(request.path_info):
            return response
        code = _CODES.get(response.status_code)
        content_type = response.get("Content-Type", "")
        if code is None or content_type.startswith("application/json"):
            return private(response)
        answer = error_response(ApiError(code))
        if "Allow" in response:
            answer["Allow"] = response["Allow"]
        return private(answer)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        if not is_api_path(request.path_info) or isinstance(exception, _DJANGO_ANSWERS):
            return None
        logger.exception("API error on %s", request.method)
        return error_response(ApiError(ApiErrorCode.INTERNAL_ERROR))
