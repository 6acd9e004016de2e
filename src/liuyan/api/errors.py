"""The API's one error shape: {"error": {"code": "...", "message": "<中文说明>"}} with the right status."""

import logging

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.http.multipartparser import MultiPartParserError
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from liuyan.accounts.limits import TooManyAttempts
from liuyan.board.actions.base import ActionError

logger = logging.getLogger("liuyan.api")


class ErrorDetail(Schema):
    code: str
    message: str
    details: list[dict] | None = None
    fields: dict[str, str] | None = None


class ErrorOut(Schema):
    error: ErrorDetail


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The error answers an operation documents, for `response={200: X, **errors(401, 404, 422)}`.

    Besides what a handler raises, the framework answers on its own: 400 for a body that cannot be parsed
    (any operation with a body), 422 for parameters or a body that fail validation, 401 for missing or
    invalid credentials (and for an invalid token on public reads), 403 for a signed-in page's request
    without its CSRF token (writes), 429 from a rate limit."""
    return dict.fromkeys(statuses, ErrorOut)


def download(description: str, *media_types: str) -> dict:
    """`openapi_extra` for an operation answering 200 with a file rather than JSON (its `response` says
    `200: None`): the document names the file's media types."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {"responses": {200: {"description": description, "content": dict.fromkeys(media_types, binary)}}}


class ApiError(Exception):
    """Raised by handlers for an error the client can act on."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_response(
    status: int,
    code: str,
    message: str,
    details: list[dict] | None = None,
    fields: dict[str, str] | None = None,
) -> JsonResponse:
    error = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    if fields:
        error["fields"] = fields
    return JsonResponse({"error": error}, status=status, json_dumps_params={"ensure_ascii": False})


# The database cannot be reached (restarting, failing over, out of connections) or dropped the
# connection mid-request: the request did not happen, and the same request will work again in a moment.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
UNAVAILABLE_MESSAGE = "系统正在维护或暂时繁忙，请求未能处理，请稍后再试。"
RETRY_AFTER_SECONDS = 10


def unavailable_response() -> JsonResponse:
    """503 in the API's error shape, saying when to try again."""
    response = error_response(503, "unavailable", UNAVAILABLE_MESSAGE)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


_HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    429: "too_many_requests",
}

_HTTP_ERROR_MESSAGES = {
    400: "请求内容无法解析，请检查格式（如 JSON）后重试。",
    403: "请求未通过安全校验（CSRF），请刷新页面后重试。",
}


# pydantic's reasons, by error type, for the people reading `fields`; the board's own rules (api/fields.py)
# already give theirs in Chinese.
_REASONS = {
    "missing": "必须填写。",
    "int_parsing": "应为整数。",
    "int_type": "应为整数。",
    "int_from_float": "应为整数。",
    "bool_parsing": "应为 true 或 false。",
    "greater_than_equal": "不能小于 {ge}。",
    "less_than_equal": "不能大于 {le}。",
    "string_too_short": "至少 {min_length} 个字。",
    "string_too_long": "不能超过 {max_length} 个字。",
    "string_pattern_mismatch": "格式不正确。",
    "string_type": "应为文字。",
    "date_parsing": "应为日期，如 2026-11-05。",
    "date_from_datetime_parsing": "应为日期，如 2026-11-05。",
    "datetime_parsing": "应为时间，如 2026-11-05T08:15:30+08:00。",
    "datetime_from_date_parsing": "应为时间，如 2026-11-05T08:15:30+08:00。",
    "literal_error": "应为 {expected} 之一。",
    "enum": "应为 {expected} 之一。",
    "too_long": "最多 {max_length} 项。",
    "list_type": "应为列表。",
}


def field_reason(error: dict) -> str:
    """Why a field failed validation, in Chinese where the reason is a known kind."""
    reason = _REASONS.get(error.get("type", ""))
    if reason is None:
        return error.get("msg", "")
    try:
        return reason.format(**error.get("ctx", {}))
    except (KeyError, IndexError):
        return error.get("msg", "")


def install_error_handlers(api) -> None:
    @api.exception_handler(ApiError)
    def api_error(request, exc: ApiError):
        return error_response(exc.status, exc.code, exc.message)

    @api.exception_handler(ActionError)
    def action_error(request, exc: ActionError):
        return error_response(exc.status, exc.code, exc.message, fields=exc.errors or None)

    @api.exception_handler(TooManyAttempts)
    def too_many_attempts(request, exc: TooManyAttempts):
        response = error_response(429, "too_many_requests", exc.refusal.message)
        response["Retry-After"] = str(exc.refusal.retry_after)
        return response

    @api.exception_handler(Throttled)
    def throttled(request, exc: Throttled):
        response = error_response(429, "too_many_requests", "操作太频繁，请稍后再试。")
        if exc.wait:
            response["Retry-After"] = str(int(exc.wait))
        return response

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        details = [
            {
                "location": ".".join(str(part) for part in error.get("loc", ())),
                "message": error.get("msg", ""),
            }
            for error in exc.errors
        ]
        # Each field named once, with its (first) reason in Chinese.
        fields = {}
        for error in exc.errors:
            name = str(error.get("loc", ("",))[-1])
            fields.setdefault(name, field_reason(error))
        return error_response(
            422, "validation_error", "请求参数不符合要求，请检查后重试。", details, fields=fields
        )

    @api.exception_handler(AuthenticationError)
    def authentication_error(request, exc):
        return error_response(401, "unauthorized", "请先登录或提供有效的访问令牌。")

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return error_response(404, "not_found", "请求的对象不存在。")

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        # Only django-ninja raises HttpError (our handlers raise ApiError), with English text for a
        # developer: a body it cannot parse (400) and a session write without its CSRF token (403).
        status = exc.status_code
        message = _HTTP_ERROR_MESSAGES.get(status, str(exc))
        return error_response(status, _HTTP_ERROR_CODES.get(status, "error"), message)

    @api.exception_handler(MultiPartParserError)
    @api.exception_handler(BadRequest)
    @api.exception_handler(SuspiciousOperation)
    def bad_request(request, exc):
        # A body Django cannot read (e.g. multipart without its boundary, or too large).
        return error_response(400, "bad_request", "请求内容无法解析，请检查格式后重试。")

    @api.exception_handler(PermissionDenied)
    def permission_denied(request, exc):
        return error_response(403, "forbidden", "没有权限进行这项操作。")

    @api.exception_handler(Exception)
    def server_error(request, exc):
        # Whatever else went wrong is ours to fix: logged with its traceback, answered without it.
        logger.error("Internal error on %s %s", request.method, request.path, exc_info=exc)
        return error_response(500, "server_error", "服务器内部错误，请稍后再试；问题已记录。")


def unknown_endpoint(request, rest: str = ""):
    """Any path under /api/v1/ that names no endpoint."""
    return error_response(404, "unknown_endpoint", f"没有这个接口：{request.path}")
