"""Rate limits whose rates come from settings at each request (so operators and tests can change them).

A client is counted under `client_address` (X-Forwarded-For believed only from LIUYAN_TRUSTED_PROXIES, not
ninja's reading of whatever the client sends), a signed-in user under its id whichever way it signed in.
"""

from django.conf import settings
from ninja.throttling import AnonRateThrottle, UserRateThrottle

from liuyan.accounts.client import client_address


class _SettingsRate:
    setting: str

    def get_ident(self, request) -> str:
        return client_address(request) or "unknown"

    def get_rate(self):
        return getattr(settings, self.setting)

    def allow_request(self, request) -> bool:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)


class AuthThrottle(_SettingsRate, AnonRateThrottle):
    """Sign-in and registration, per client address: against password guessing and mass sign-ups."""

    setting = "LIUYAN_AUTH_RATE"


class _PerUser(_SettingsRate, UserRateThrottle):
    def get_cache_key(self, request) -> str:
        # `request.auth` is the user of a bearer token or an Open311 api_key, which leave `request.user`
        # anonymous: counted by address, such a user would get a fresh limit on each channel.
        user = getattr(request, "auth", None)
        if not getattr(user, "is_authenticated", False):
            user = getattr(request, "user", None)
        ident = user.pk if getattr(user, "is_authenticated", False) else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class SubmitThrottle(_PerUser):
    """Message submission, per user: against flooding."""

    setting = "LIUYAN_SUBMIT_RATE"


class AnalyzeThrottle(_PerUser):
    """Text analysis (the post form asks as the citizen types), per user."""

    scope = "analyze"
    setting = "LIUYAN_ANALYZE_RATE"


class SimilarThrottle(_PerUser):
    """Similar-message look-ups (the post form asks as the citizen types), per user or client address."""

    scope = "similar"  # its own counter: throttles of the same scope share one history in the cache
    setting = "LIUYAN_SIMILAR_RATE"
