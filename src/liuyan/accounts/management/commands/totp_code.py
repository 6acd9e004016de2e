from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from liuyan.accounts.models import User
from liuyan.accounts.two_factor import confirmed_totp_device, current_totp_code


class Command(BaseCommand):
    help = (
        "Development only: print the current second-factor code of a staff account, so that the demo's "
        "staff can sign in without an authenticator app. Refused when LIUYAN_ENV=production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)

    def handle(self, *args, username, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "totp_code is for development only: with LIUYAN_ENV=production a code comes from the "
                "person's own authenticator app."
            )
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user is called {username!r}.")
        device = confirmed_totp_device(user)
        if device is None:
            raise CommandError(
                f"{username!r} has no confirmed authenticator: sign in to enrol one "
                "(demo staff get one from `liuyan setup_demo`)."
            )
        self.stdout.write(current_totp_code(device))
