"""A test client whose `force_login` passes staff's second factor as well as their password."""

from django.test import Client

from liuyan.accounts.two_factor import (
    ensure_confirmed_totp_device,
    mark_session_verified,
    needs_second_factor,
)


class SecondFactorClient(Client):
    """`force_login` skips the password; for staff it skips the TOTP code the same way, with a real
    confirmed device marked in the session. The sign-in and enrolment flows have their own tests."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        if needs_second_factor(user):
            session = self.session
            mark_session_verified(session, ensure_confirmed_totp_device(user))
            session.save()
