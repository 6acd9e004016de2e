"""Hostile input to the site's pages: the forms refuse control characters next to the field, odd numbers,
dates and codes in addresses answer a page (4xx or the form's error), never a 500, and with DEBUG off
(`make run`) errors show the site's own Chinese pages, with its styles."""

import importlib
import inspect

import pytest
from django import forms
from django.contrib.auth.forms import UsernameField
from django.test import RequestFactory
from django.views import defaults

from liuyan.board.choices import MessageState
from liuyan.board.models import Message
from liuyan.directory.models import Domain, Leader
from liuyan.web.forms import LineField, TextField
from tests.factories import make_message

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


def post_data(**fields) -> dict:
    return {
        "region_1": "530000",
        "region_2": "530900",
        "region_3": "530923",
        "leader_id": str(Leader.objects.get(code="530923-head").id),
        "type": "suggestion",
        "domain": str(Domain.objects.get(name="交通", parent=None).id),
        "title": "建议在永德县城增设公共充电桩",
        "body": "永德县城新能源汽车越来越多，但公共充电桩很少，建议在县城主要停车场增设充电桩。",
        "public": "on",
        **fields,
    }


# ---- Forms ----


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("body", "永德县城新能源汽车越来越多，但公共充电桩很少\x1b[2J，建议增设充电桩。"),
        ("title", "建议在永德县城\x07增设公共充电桩"),
        ("contact_phone", "13800138000\x7f"),
    ],
)
def test_the_post_form_refuses_a_control_character_next_to_the_field(client, citizen, field, value):
    client.force_login(citizen)
    response = client.post("/post/", post_data(**{field: value}))
    assert response.status_code in (200, 422)
    assert "不能包含控制字符或无效字符" in response.content.decode()
    assert not Message.objects.exists()


def test_the_post_form_keeps_line_breaks_in_the_body(client, citizen):
    client.force_login(citizen)
    body = "永德县城新能源汽车越来越多，\r\n但公共充电桩很少，建议在县城主要停车场增设充电桩。"
    response = client.post("/post/", post_data(body=body))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Message.objects.get().body.count("\n") == 1


def test_a_workbench_reason_with_a_control_character_is_refused(client, editor, citizen, admin_user):
    message = make_message(citizen, admin_user)
    client.force_login(editor)
    response = client.post(f"/workbench/messages/{message.pk}/reject/", {"reason": "与留言对象无关\x1b"})
    assert response.status_code == 422
    assert "不能包含控制字符或无效字符（U+001B）" in response.content.decode()
    message.refresh_from_db()
    assert message.state == MessageState.PENDING_REVIEW


WEB_FORM_MODULES = [
    "liuyan.web.forms",
    "liuyan.web.workbench_forms",
    "liuyan.web.views.public",
    "liuyan.web.views.exports",
    "liuyan.web.views.stats",
]


def test_every_text_field_of_the_site_goes_through_the_one_rule():
    """Each text field of the site's forms is a LineField or a TextField (passwords are never shown)."""
    unchecked = []
    for module_name in WEB_FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, form in inspect.getmembers(module, inspect.isclass):
            if not issubclass(form, forms.Form) or form.__module__ != module_name:
                continue
            for field_name, field in form.base_fields.items():
                if not isinstance(field, forms.CharField) or isinstance(field, LineField | TextField):
                    continue
                if isinstance(field, forms.SlugField | forms.RegexField | UsernameField):
                    continue  # their pattern refuses them; a sign-in name is looked up, never stored
                if isinstance(field.widget, forms.PasswordInput):
                    continue
                unchecked.append(f"{module_name}.{name}.{field_name}")
    assert not unchecked, unchecked


# ---- Addresses that used to answer 500 ----


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/messages/?leader={HUGE}", 200),
        ("/messages/?leader=%C2%B2", 200),
        ("/messages/?q=a%00b", 200),
        ("/stats/?period=custom&start=9999-12-29&end=9999-12-31", 200),
        ("/stats/?period=custom&start=0001-01-01&end=0001-01-03", 200),
        ("/briefs/0001-01-01/", 404),
        ("/briefs/9999-12-31/", 404),
        ("/briefs/2026-02-30/", 404),
        ("/briefs/0001-01-01.pdf", 404),
        ("/briefs/?region=%00", 404),
        ("/regions/%00/", 404),
        ("/regions/%C2%B2%C2%B2%C2%B2%C2%B2%C2%B2%C2%B2/", 404),
        ("/regions/%00/feed.rss", 404),
        ("/regions/%00/feed.atom", 404),
        ("/stats/regions/%00/", 404),
        ("/stats/rankings/?tab=prefectures&region=%00", 200),
    ],
)
def test_odd_addresses_answer_a_page(client, path, status):
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)


def test_odd_addresses_for_a_signed_in_citizen(client, citizen):
    client.force_login(citizen)
    assert client.get("/post/?leader=%C2%B2").status_code == 200
    assert client.get(f"/post/?leader={HUGE}").status_code == 200
    assert client.get("/post/?region=%00").status_code == 200
    assert client.get("/post/?campaign=%00").status_code == 404
    assert client.get("/post/?submitted=%C2%B2").status_code == 404
    assert client.get(f"/post/?submitted={HUGE}").status_code == 404
    response = client.post("/me/notifications/", {"id": "²", "page": HUGE})
    assert response.status_code == 302


def test_odd_ids_in_the_workbench(client, dispatcher, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.PUBLISHED)
    client.force_login(dispatcher)
    response = client.post(f"/workbench/messages/{message.pk}/assign/", {"unit_id": HUGE})
    assert response.status_code == 422
    response = client.post("/workbench/auto-assign/", {"desk_id": "²"})
    assert response.status_code == 403


# ---- The error pages with DEBUG off ----


def test_debug_is_off(settings):
    assert settings.DEBUG is False


def test_a_missing_page_is_the_sites_own_chinese_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html and "留言板" in html
    assert "URLconf" not in html and "Traceback" not in html


@pytest.mark.parametrize(
    ("view", "status", "text"),
    [
        (defaults.bad_request, 400, "请求有误"),
        (defaults.permission_denied, 403, "没有权限"),
    ],
)
def test_the_error_pages_are_in_chinese(view, status, text):
    request = RequestFactory().get("/somewhere/")
    response = view(request, Exception("internal detail"))
    assert response.status_code == status
    html = response.content.decode()
    assert text in html and "/static/web/site.css" in html
    assert "internal detail" not in html


def test_the_500_page_is_in_chinese_and_needs_neither_request_nor_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = defaults.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "服务器出错了" in html and "/static/web/site.css" in html


def test_a_csrf_failure_is_explained_in_chinese(citizen):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(citizen)
    response = strict.post("/post/", post_data())
    assert response.status_code == 403
    assert "请刷新页面后重试" in response.content.decode()


def test_styles_are_served_with_debug_off(client):
    response = client.get("/static/web/site.css")
    assert response.status_code == 200
    assert b"{" in b"".join(response.streaming_content)
