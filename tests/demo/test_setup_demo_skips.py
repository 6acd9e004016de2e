"""`liuyan setup_demo` on a database it must leave alone (the other module keeps the demo written)."""

import io

import pytest
from django.core.management import call_command

from liuyan.accounts.models import User
from liuyan.board.models import Message

pytestmark = pytest.mark.django_db


def test_demo_skips_when_a_demo_username_is_taken():
    User.objects.create_user(username="admin", password="Someone-else-1")
    out = io.StringIO()
    call_command("setup_demo", "--messages", "300", stdout=out)
    assert "admin" in out.getvalue() and not Message.objects.exists()
    assert User.objects.get(username="admin").check_password("Someone-else-1")
