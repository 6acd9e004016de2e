"""API tokens' lifetime: they expire, their holder lists and revokes them on the account page, and a new
password ends them (and the account's other sessions), whichever way the password was set."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from liuyan.accounts.actions import issue_api_token, save_user_with_role
from liuyan.accounts.choices import Role
from liuyan.accounts.models import ApiToken
from tests.conftest import PASSWORD
from tests.second_factor import SecondFactorClient

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Nq7-new-secret"


def works(token: str) -> bool:
    response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 401)
    return response.status_code == 200


def test_a_token_lives_the_configured_number_of_days(citizen, settings):
    settings.LIUYAN_TOKEN_DAYS = 7
    before = timezone.now()
    token = issue_api_token(citizen, "脚本")
    stored = ApiToken.objects.get(user=citizen)
    assert before + timedelta(days=7) <= stored.expires_at <= timezone.now() + timedelta(days=7)
    assert works(token)

    ApiToken.objects.filter(pk=stored.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert not works(token)

    short = issue_api_token(citizen, days=1)
    assert ApiToken.objects.get(prefix=short[:10]).expires_at <= timezone.now() + timedelta(days=1)


def test_a_token_from_before_expiries_lives_the_default_lifetime_from_its_creation(citizen, settings):
    settings.LIUYAN_TOKEN_DAYS = 90
    old, recent = issue_api_token(citizen), issue_api_token(citizen)
    ApiToken.objects.filter(prefix=old[:10]).update(
        expires_at=None, created_at=timezone.now() - timedelta(days=91)
    )
    ApiToken.objects.filter(prefix=recent[:10]).update(
        expires_at=None, created_at=timezone.now() - timedelta(days=89)
    )
    assert not works(old)
    assert works(recent)


def test_the_account_page_lists_makes_and_revokes_tokens(client, citizen, editor):
    assert client.get("/accounts/").url == "/accounts/login/?next=/accounts/"
    issue_api_token(editor, "编辑的令牌")
    old = issue_api_token(citizen, "旧脚本")
    ApiToken.objects.filter(prefix=old[:10]).update(last_used_at=timezone.now())
    client.force_login(citizen)

    page = client.get("/accounts/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "旧脚本" in html and old[:10] in html and old not in html and "编辑的令牌" not in html
    assert "创建时间" in html and "最近使用" in html and "失效时间" in html and "撤销" in html

    made = client.post("/accounts/", {"name": "统计脚本", "days": "30"})
    assert made.status_code == 200 and made["Cache-Control"] == "no-store"
    token = made.context["new_token"]
    assert token in made.content.decode() and "只显示这一次" in made.content.decode()
    stored = ApiToken.objects.get(prefix=token[:10])
    assert stored.name == "统计脚本" and stored.expires_at <= timezone.now() + timedelta(days=30)
    assert works(token)
    assert token not in client.get("/accounts/").content.decode()  # shown once

    too_long = client.post("/accounts/", {"name": "x", "days": "3650"})
    assert too_long.status_code == 422 and too_long.context["form"].errors["days"]

    revoked = client.post(f"/accounts/tokens/{stored.pk}/revoke/", follow=True)
    assert revoked.status_code == 200 and "已撤销" in revoked.content.decode()
    assert not works(token)
    assert [row.prefix for row in revoked.context["tokens"]] == [old[:10]]

    someone_elses = ApiToken.objects.get(user=editor)
    assert client.post(f"/accounts/tokens/{someone_elses.pk}/revoke/").status_code == 404
    assert client.post("/accounts/tokens/99999999999999999999/revoke/").status_code == 404
    assert client.get(f"/accounts/tokens/{stored.pk}/revoke/").status_code == 405
    someone_elses.refresh_from_db()
    assert someone_elses.revoked_at is None


def test_staff_make_tokens_on_the_account_page_after_the_second_factor(handler):
    password_only = Client()
    password_only.post("/accounts/login/", {"username": "handler", "password": PASSWORD})
    assert password_only.post("/accounts/", {"name": "x", "days": "30"}).status_code == 302
    assert not ApiToken.objects.exists()

    verified = SecondFactorClient()
    verified.force_login(handler)
    token = verified.post("/accounts/", {"name": "办理脚本", "days": "30"}).context["new_token"]
    assert works(token)
    me = Client().get("/api/v1/workbench", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200


def test_changing_the_password_on_the_site_ends_tokens_and_other_sessions(client, citizen):
    token = issue_api_token(citizen)
    elsewhere = Client()
    elsewhere.force_login(citizen)
    assert elsewhere.get("/me/messages/").status_code == 200
    client.force_login(citizen)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "API 令牌" in response.content.decode()
    assert not works(token)
    assert ApiToken.objects.get(user=citizen).revoked_at is not None
    assert client.get("/me/messages/").status_code == 200  # this session stays
    assert elsewhere.get("/me/messages/").status_code == 302  # the others end


def test_a_password_set_in_the_admin_ends_the_users_tokens(client, admin_user, handler):
    token = issue_api_token(handler)
    client.force_login(admin_user)
    response = client.post(
        f"/admin/accounts/user/{handler.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302
    handler.refresh_from_db()
    assert handler.check_password(NEW_PASSWORD)
    assert not works(token)


def test_any_password_change_ends_tokens_but_other_saves_do_not(citizen, handler):
    kept = issue_api_token(citizen)
    citizen.nickname = "小明"
    citizen.save()
    assert works(kept)

    citizen.set_password(NEW_PASSWORD)
    citizen.save()
    assert not works(kept)

    by_command = issue_api_token(handler)
    save_user_with_role(
        username="handler", password=NEW_PASSWORD, role=Role.HANDLER, unit=handler.memberships.get().unit
    )
    assert not works(by_command)


def test_add_user_prints_a_token_for_staff(handler):
    out = StringIO()
    call_command(
        "add_user",
        "--username",
        "bench-editor",
        "--role",
        "editor",
        "--token",
        "压测",
        "--token-days",
        "2",
        stdout=out,
    )
    printed = json.loads(out.getvalue())
    assert printed["username"] == "bench-editor" and printed["token"].startswith("ly_")
    stored = ApiToken.objects.get(prefix=printed["token"][:10])
    assert stored.name == "压测" and stored.expires_at <= timezone.now() + timedelta(days=2)
    response = Client().get("/api/v1/workbench", headers={"Authorization": f"Bearer {printed['token']}"})
    assert response.status_code == 200

    out = StringIO()
    call_command(
        "add_user",
        "--username",
        "handler",
        "--role",
        "handler",
        "--unit",
        str(handler.memberships.get().unit_id),
        stdout=out,
    )
    assert "token" not in json.loads(out.getvalue())
