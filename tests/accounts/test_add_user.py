import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from liuyan.accounts.models import User
from liuyan.directory.models import Unit

pytestmark = pytest.mark.django_db


def add_user(*args) -> dict:
    out = StringIO()
    call_command("add_user", *args, stdout=out)
    return json.loads(out.getvalue())


def test_creates_a_handler_and_prints_it():
    unit = Unit.objects.get(code="530900-education")
    printed = add_user(
        "--username", "lin", "--password", "Kq8-secure-pass", "--role", "handler", "--unit", str(unit.id)
    )
    user = User.objects.get(username="lin")
    assert printed == {
        "id": user.id,
        "username": "lin",
        "nickname": "",
        "roles": [{"role": "handler", "unit": {"id": unit.id, "name": "临沧市教育局"}, "region": None}],
    }
    assert user.password.startswith("argon2$")
    assert user.check_password("Kq8-secure-pass")


def test_updates_an_existing_user_and_adds_a_role():
    add_user("--username", "wang", "--password", "Kq8-secure-pass", "--role", "citizen")
    printed = add_user(
        "--username", "wang", "--password", "New-Kq8-pass", "--role", "leader", "--region", "530900"
    )
    assert [r["role"] for r in printed["roles"]] == ["citizen", "leader"]
    assert printed["roles"][1]["region"] == {"code": "530900", "name": "临沧市"}
    assert User.objects.get(username="wang").check_password("New-Kq8-pass")
    again = add_user("--username", "wang", "--role", "leader", "--region", "530900")
    assert len(again["roles"]) == 2


def test_admin_role_opens_the_django_admin():
    add_user("--username", "root", "--password", "Kq8-secure-pass", "--role", "admin")
    user = User.objects.get(username="root")
    assert user.is_staff and user.is_superuser


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "handler"], "须指定所属办理单位"),
        (["--role", "leader"], "须指定所辖行政区划"),
        (["--role", "editor", "--region", "530900"], "适用于全平台"),
        (["--role", "dispatcher", "--unit", "UNIT:530900-education"], "不是留言办理工作机构"),
        (["--role", "handler", "--unit", "99999999"], "No unit has the id 99999999"),
        (["--role", "leader", "--region", "999999"], "No region has the code"),
        (["--role", "citizen", "--password", "123"], "密码"),
        (["--role", "citizen", "--phone", "12345"], "11 位手机号码"),
    ],
)
def test_refuses_what_does_not_fit_and_writes_nothing(args, message):
    args = [str(Unit.objects.get(code=a[5:]).id) if a.startswith("UNIT:") else a for a in args]
    if "--password" not in args:
        args += ["--password", "Kq8-secure-pass"]
    with pytest.raises(CommandError, match=message):
        add_user("--username", "refused", *args)
    assert not User.objects.filter(username="refused").exists()
