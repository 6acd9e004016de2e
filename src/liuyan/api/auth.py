"""Authentication for the API: bearer tokens, and the signed-in session for the site's own pages."""

from django.contrib.auth.models import AnonymousUser
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth

from liuyan.accounts.actions import authenticate_api_token


class BearerToken(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request, token: str):
        user = authenticate_api_token(token)
        if user is not None:
            request.user = user
        return user


class SignedInSession(SessionAuth):
    """The session of a signed-in page, CSRF-checked. Without a signed-in session there is nothing to
    forge: the caller is simply not authenticated (401), not refused a CSRF check (403)."""

    def _get_key(self, request):
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)


bearer = BearerToken()
# Writes accept a bearer token, or the session of a signed-in page.
signed_in = [bearer, SignedInSession()]


def viewer(request):
    """Who is reading a public endpoint: the token's user, the session's user, or anonymous.

    A token that is present but invalid is an error, not a silent fall-back to anonymous.
    """
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        user = authenticate_api_token(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise AuthenticationError()
        return user
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else AnonymousUser()
