"""Security headers every page carries: a Content Security Policy with no inline script or style, so
that injected markup cannot run; scripts only enhance pages that work without them. And the answer
when the database is unavailable."""

import logging

from django.http import HttpResponse
from django.shortcuts import render

from liuyan.api import errors
from liuyan.api.errors import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE
from liuyan.api.open311 import error_list

logger = logging.getLogger(__name__)

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# The API's interactive documentation (django-ninja's Swagger UI, served locally) sets inline styles.
CSP_EXEMPT_PREFIXES = ("/api/v1/docs",)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(CSP_EXEMPT_PREFIXES):
            response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


def unavailable_response(request) -> HttpResponse:
    """503 in the shape the caller reads: the API's error object, Open311's error list, or a page."""
    if request.path.startswith("/api/"):
        return errors.unavailable_response()
    if request.path.startswith("/open311/"):
        response = error_list("xml" if request.path.endswith(".xml") else "json", 503, UNAVAILABLE_MESSAGE)
    else:
        # A page of its own, without the site's layout: that reads the signed-in user from the database.
        response = render(request, "503.html", {"message": UNAVAILABLE_MESSAGE}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """Answers 503 with a Chinese message, not a 500, when a view finds the database unavailable.

    Nothing else is needed for service to resume: each request starts by checking its connection
    (CONN_HEALTH_CHECKS in settings), so the first request after the database is back reconnects.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        logger.warning("Database unavailable for %s %s: %s", request.method, request.path, exception)
        return unavailable_response(request)
