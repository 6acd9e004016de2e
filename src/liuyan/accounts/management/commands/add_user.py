import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from liuyan.accounts.actions import issue_api_token, save_user_with_role
from liuyan.accounts.choices import Role
from liuyan.accounts.selectors import user_summary
from liuyan.directory.models import Region, Unit


class Command(BaseCommand):
    help = "Create or update a user, grant it a role with its scope, and print the user as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", help="set (or change) the password")
        parser.add_argument("--role", required=True, choices=Role.values)
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument(
            "--unit", type=int, metavar="UNIT_ID", help="the unit (handler) or desk (dispatcher)"
        )
        scope.add_argument("--region", metavar="CODE", help="the region subtree (leader, dispatcher)")
        parser.add_argument("--phone")
        parser.add_argument("--nickname")
        parser.add_argument(
            "--token",
            nargs="?",
            const="liuyan add_user",
            metavar="NAME",
            help='also issue an API token (named NAME) and print it in the JSON as "token": how an '
            "operator gives staff a token without the second factor, e.g. for scripts and benchmarks",
        )
        parser.add_argument(
            "--token-days", type=int, metavar="DAYS", help="the token's lifetime (default LIUYAN_TOKEN_DAYS)"
        )

    def handle(
        self, *args, username, password, role, unit, region, phone, nickname, token, token_days, **options
    ):
        if token_days is not None and token_days < 1:
            raise CommandError("--token-days must be at least 1.")
        try:
            unit_obj = Unit.objects.select_related("region").get(pk=unit) if unit is not None else None
        except Unit.DoesNotExist:
            raise CommandError(f"No unit has the id {unit}.") from None
        try:
            region_obj = Region.objects.get(pk=region) if region is not None else None
        except Region.DoesNotExist:
            raise CommandError(f"No region has the code {region!r}.") from None
        try:
            user, _created = save_user_with_role(
                username=username,
                password=password,
                role=Role(role),
                unit=unit_obj,
                region=region_obj,
                phone=phone,
                nickname=nickname,
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        summary = user_summary(user)
        if token is not None:
            summary["token"] = issue_api_token(user, token, days=token_days)
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
