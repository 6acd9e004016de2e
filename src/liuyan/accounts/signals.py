"""Receivers that keep accounts consistent whichever path changed them."""

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from liuyan.accounts.actions import revoke_user_tokens
from liuyan.accounts.models import User


@receiver(post_save, sender=User, dispatch_uid="liuyan.accounts.end_tokens_on_password_change")
def end_tokens_on_password_change(sender: type[User], instance: User, created: bool, **kwargs: Any) -> None:
    """A new password ends the account's API tokens, whether the site's password page, the admin, a
    password reset or a command set it: whoever knew the old one may have made a token with it.

    `set_password` leaves the raw password in `_password` until the save; Django's transparent rehash
    on sign-in clears it first, so an upgraded hash does not end tokens. (Other sessions end through
    Django's session auth hash, which the new password changes.)
    """
    if not created and instance._password is not None:  # type: ignore[attr-defined]  # not in django-stubs
        revoke_user_tokens(instance)
