"""The one retry policy of everything notify sends (webhook POSTs, e-mail, SMS): after a failed attempt
the next is tried after a growing delay, and after the last delay the send is given up (shown in the
admin, where it can be sent again by hand)."""

from datetime import datetime, timedelta

# Waits before the 2nd, 3rd … attempt; after the last, the send is given up.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))


def next_attempt_at(failed_attempts: int, now: datetime) -> datetime | None:
    """When to try again after `failed_attempts` attempts have failed; None once the policy gives up."""
    if failed_attempts > len(RETRY_DELAYS):
        return None
    return now + RETRY_DELAYS[failed_attempts - 1]
