"""Rate limits whose rates come from settings at each request (so operators and tests can change them)."""

from django.conf import settings
from ninja.throttling import AnonRateThrottle, UserRateThrottle


class _SettingsRate:
    setting: str

    def get_rate(self):
        return getattr(settings, self.setting)

    def allow_request(self, request) -> bool:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)


class AuthThrottle(_SettingsRate, AnonRateThrottle):
    """Sign-in and registration, per client address: against password guessing and mass sign-ups."""

    setting = "LIUYAN_AUTH_RATE"


class SubmitThrottle(_SettingsRate, UserRateThrottle):
    """Message submission, per user: against flooding."""

    setting = "LIUYAN_SUBMIT_RATE"


class AnalyzeThrottle(_SettingsRate, UserRateThrottle):
    """Text analysis (the post form asks as the citizen types), per user."""

    scope = "analyze"
    setting = "LIUYAN_ANALYZE_RATE"


class SimilarThrottle(_SettingsRate, UserRateThrottle):
    """Similar-message look-ups (the post form asks as the citizen types), per user or client address."""

    scope = "similar"  # its own counter: throttles of the same scope share one history in the cache
    setting = "LIUYAN_SIMILAR_RATE"
