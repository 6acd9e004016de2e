"""Which requests may read from a database replica, and keeping a user who just wrote on the primary.

A replica is a moment behind the primary. Reads may go to one only where that cannot mislead: a GET or
HEAD of a public page or of the public API, by a visitor, a citizen, or an anonymous API client. Kept
on the primary: every other method; staff (they act on what they read); the workbench, the admin, the
account pages and a citizen's own pages; API calls carrying a token (a token issued a moment ago may
not have reached the replica, and a script that posts and then reads keeps no cookie); and anyone who
sent a write within the last settings.LIUYAN_REPLICA_PIN_SECONDS, so that they see their own message,
support or rating at once. That mark is a signed cookie: any web process on any machine reads it, with
no session and no shared state.

A read whose replica fails in the middle (the server stopped, the connection cut) is served again from
the primary: GET and HEAD change nothing, so running the view twice is safe.

Runs after the authentication and staff-session middleware (it reads request.user, which they load
from the primary). Not loaded at all when no replica is configured.
"""

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed

from liuyan.accounts.two_factor import needs_second_factor
from liuyan.replicas.routing import fall_back_to_primary, reads_from_replicas

READ_METHODS = frozenset({"GET", "HEAD"})
PRIMARY_PATH_PREFIXES = ("/workbench/", "/admin/", "/accounts/", "/me/", "/post/", "/briefs/subscription/")
PIN_COOKIE = "liuyan_primary"
PIN_SALT = "liuyan.web.replica_reads"


class ReplicaReadsMiddleware:
    def __init__(self, get_response):
        if not settings.LIUYAN_DATABASE_REPLICAS:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        if not may_read_replica(request):
            response = self.get_response(request)
        else:
            with reads_from_replicas():
                response = self.get_response(request)
                # The replica went away in the middle (pages, the API and Open311 all answer that with
                # 503): serve the read again, from the primary.
                if response.status_code == 503 and fall_back_to_primary():
                    response = self.get_response(request)
        if request.method not in READ_METHODS:
            pin_to_primary(response)
        return response


def may_read_replica(request) -> bool:
    return (
        request.method in READ_METHODS
        and not request.path.startswith(PRIMARY_PATH_PREFIXES)
        and "Authorization" not in request.headers
        and not pinned_to_primary(request)
        and not needs_second_factor(request.user)  # staff, whether or not signed in with it yet
    )


def pinned_to_primary(request) -> bool:
    if PIN_COOKIE not in request.COOKIES:
        return False
    seconds = settings.LIUYAN_REPLICA_PIN_SECONDS
    return request.get_signed_cookie(PIN_COOKIE, default=None, salt=PIN_SALT, max_age=seconds) is not None


def pin_to_primary(response) -> None:
    """Keep the sender's reads on the primary for the next LIUYAN_REPLICA_PIN_SECONDS."""
    response.set_signed_cookie(
        PIN_COOKIE,
        "1",
        salt=PIN_SALT,
        max_age=settings.LIUYAN_REPLICA_PIN_SECONDS,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
