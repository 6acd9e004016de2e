import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from liuyan.accounts.actions import save_user_with_role
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

    def handle(self, *args, username, password, role, unit, region, phone, nickname, **options):
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
        self.stdout.write(json.dumps(user_summary(user), ensure_ascii=False))
