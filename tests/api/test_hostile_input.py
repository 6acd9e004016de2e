"""Hostile input to the JSON API and to Open311: control characters and lone surrogates are refused at the
door with a field error, and odd numbers, dates and bodies answer 4xx in the usual error shape, never 500."""

import json
import typing

import pytest
from django.test import Client, RequestFactory
from pydantic import BaseModel

from liuyan.accounts.actions import issue_api_token
from liuyan.api import fields, open311
from liuyan.api.v1 import api
from liuyan.board.choices import MessageState
from liuyan.board.models import Message
from liuyan.directory.models import Domain, Leader
from tests.api_client import ApiClient
from tests.factories import make_message

pytestmark = pytest.mark.django_db

TITLE = "学校门口交通拥堵问题"
BODY = "每天上学放学时段学校门口严重拥堵，存在安全隐患，请有关部门疏导。"


def submission(**changes) -> dict:
    return {
        "leader_id": Leader.objects.get(code="530923-secretary").id,
        "type": "complaint",
        "domain": "教育",
        "title": TITLE,
        "body": BODY,
        "region_code": "530923",
        **changes,
    }


def api_error(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content.decode()[:500])
    error = response.json()["error"]
    assert error["code"] and error["message"]
    return error


# ---- Control characters and lone surrogates ----


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("body", BODY + "\u0000"),
        ("body", BODY + "\x1b[31m"),
        ("body", BODY + "\ufffe"),
        ("title", "学校门口a\ud800b交通拥堵"),
        ("title", "学校门口\n交通拥堵问题"),
        ("type", "complaint\u0000"),
        ("campaign", "x\u0000"),
        ("contact_phone", "1380013800\u0000"),
    ],
)
def test_submitting_a_control_character_is_refused_with_a_field_error(citizen, field, value):
    error = api_error(ApiClient(citizen).post("/messages", submission(**{field: value})), 422)
    assert field in error["fields"]
    assert "字符" in error["fields"][field]
    assert not Message.objects.exists()


def test_line_breaks_and_tabs_stay_allowed_in_a_message_body(citizen):
    response = ApiClient(citizen).post("/messages", submission(body=BODY + "\r\n\t地点：城关镇。"))
    assert response.status_code == 201, response.content
    assert Message.objects.get().body.endswith("\n\t地点：城关镇。")


@pytest.mark.parametrize("action", ["reject", "hide"])
def test_a_reason_with_a_control_character_is_refused(citizen, editor, action):
    message = make_message(citizen, editor, MessageState.PENDING_REVIEW)
    error = api_error(ApiClient(editor).act(message.id, action, {"reason": "不宜刊发\u0007"}), 422)
    assert "reason" in error["fields"]


def _annotation(field) -> object:
    """A pydantic field's type with the metadata pydantic took out of its Annotated[…] put back."""
    if field.metadata and typing.get_origin(field.annotation) is not typing.Annotated:
        return typing.Annotated[field.annotation, *field.metadata]
    return field.annotation


def _plain_types(annotation) -> typing.Iterator[tuple[object, bool]]:
    """(annotation, checked) for every str reachable in `annotation`: checked when it is a Line or Text."""
    if annotation in (fields.Line, fields.Text):
        yield annotation, True
        return
    if annotation is str:
        yield annotation, False
        return
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for field in annotation.model_fields.values():
            yield from _plain_types(_annotation(field))
        return
    if typing.get_origin(annotation) is typing.Annotated:
        base, *_metadata = typing.get_args(annotation)
        if base is str:
            # An Annotated str that is not exactly Line or Text: checked only if it carries their validator.
            yield (
                annotation,
                any(
                    meta in typing.get_args(fields.Line)[1:] + typing.get_args(fields.Text)[1:]
                    for meta in _metadata
                ),
            )
            return
        yield from _plain_types(base)
        return
    for argument in typing.get_args(annotation):
        yield from _plain_types(argument)


def test_every_text_the_api_takes_goes_through_the_one_rule():
    """Every str in every operation's parameters and body is a fields.Line or fields.Text."""
    unchecked = []
    for router_prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for model in operation.models:
                    for name, field in model.model_fields.items():
                        for _type, checked in _plain_types(_annotation(field)):
                            if not checked:
                                unchecked.append(f"{operation.methods} {router_prefix}{path} {name}")
    assert not unchecked, unchecked


# ---- Numbers, ids, dates and bodies that used to answer 500 ----

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/messages?page={HUGE}",
        "/api/v1/messages?page=9223372036854775808",
        f"/api/v1/messages?domain={HUGE}",
        f"/api/v1/messages?leader=-{HUGE}",
        "/api/v1/messages?domain=%C2%B2",
        f"/api/v1/messages/export?domain={HUGE}",
        "/api/v1/messages?q=a%00b",
        "/api/v1/messages?type=%00",
        "/api/v1/messages?campaign=%00",
        "/api/v1/regions/%00",
        "/api/v1/campaigns/%00",
        "/api/v1/stats/regions/%00",
        "/api/v1/stats/units/%00",
        "/api/v1/stats/rankings/regions/%00/units",
        "/api/v1/hot-topics?from=0001-01-01",
        "/api/v1/hot-topics?to=0001-01-01",
        "/api/v1/hot-topics?to=9999-12-31",
        "/api/v1/hot-topics?campaign=%00",
        "/api/v1/stats/national?to=0001-01-01",
        "/api/v1/stats/national?from=9999-12-31&to=9999-12-31",
        "/api/v1/stats/national?to=2026-02-30",
        "/api/v1/stats/rankings/provinces?to=0001-01-01",
        "/api/v1/stats/regions/530900?to=%C2%B2",
    ],
)
def test_odd_parameters_answer_4xx_in_the_error_shape(client, path):
    response = client.get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert response.json()["error"]["message"]


def test_odd_parameters_for_a_signed_in_user(citizen):
    me = ApiClient(citizen)
    api_error(me.get("/messages/mine", page=HUGE), 422)
    api_error(me.get("/notifications", page=HUGE), 422)
    api_error(me.post("/notifications/read", {"ids": [int(HUGE)]}), 422)


@pytest.mark.parametrize("domain", ["²", "１２", HUGE])
def test_a_domain_written_oddly_names_no_domain(citizen, domain):
    response = ApiClient(citizen).post("/messages", submission(domain=domain))
    assert 400 <= response.status_code < 500
    assert not Message.objects.exists()


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00", "9999-12-31T23:59:59"])
def test_a_campaign_at_the_ends_of_the_calendar_is_refused(editor, moment):
    body = {
        "title": "专栏",
        "slug": "edge",
        "opens_at": moment,
        "closes_at": "2026-12-31T00:00:00+08:00",
    }
    error = api_error(ApiClient(editor).post("/campaigns", body), 422)
    assert "opens_at" in error["fields"]


def test_a_multipart_upload_without_its_boundary_is_a_bad_request(citizen, editor):
    message = make_message(citizen, editor, MessageState.PENDING_REVIEW)
    response = Client().post(
        f"/api/v1/messages/{message.id}/attachments",
        b"--x\r\nContent-Disposition: form-data; name=files\r\n\r\nabc\r\n--x--",
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {issue_api_token(citizen, 'test')}"},
    )
    api_error(response, 400)


def test_an_unexpected_error_answers_500_in_the_error_shape_without_a_traceback(settings):
    settings.DEBUG = True  # even a developer's server shows no traceback to an API client
    request = RequestFactory().get("/api/v1/messages")
    response = api.on_exception(request, RuntimeError("secret internals"))
    assert response.status_code == 500
    error = json.loads(response.content)["error"]
    assert error["code"] == "server_error" and "服务器" in error["message"]
    assert b"secret internals" not in response.content and b"Traceback" not in response.content


# ---- Open311 ----


def open311_post(client, citizen, **changes):
    data = {
        "api_key": issue_api_token(citizen, "open311"),
        "service_code": str(Domain.objects.get(parent=None, name="环保").pk),
        "jurisdiction_id": "530923",
        "attribute[type]": "complaint",
        "description": "永德县城关镇滨河路的垃圾堆积如山，夏天臭气熏天，请环保部门尽快清理。",
        **changes,
    }
    return client.post("/open311/v2/requests.json", data)


def open311_errors(response, status: int) -> list[dict]:
    assert response.status_code == status, (response.status_code, response.content.decode()[:500])
    problems = response.json()
    assert problems and all(problem["code"] == status and problem["description"] for problem in problems)
    return problems


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("description", "垃圾堆积如山，请环保部门尽快清理。\u0000"),
        ("attribute[title]", "垃圾堆积\n如山的问题"),
        ("address_string", "滨河路\x1f"),
    ],
)
def test_open311_refuses_a_control_character(client, citizen, name, value):
    problems = open311_errors(open311_post(client, citizen, **{name: value}), 400)
    assert name in problems[0]["description"]
    assert not Message.objects.exists()


def test_open311_keeps_line_breaks_in_a_description(client, citizen):
    response = open311_post(client, citizen, description="垃圾堆积如山。\n请环保部门尽快清理，谢谢。")
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    "path",
    [
        "/open311/v2/requests.json?start_date=2026-02-30",
        "/open311/v2/requests.json?end_date=0001-01-01",
        "/open311/v2/requests.json?start_date=9999-12-31T23:59:59",
        "/open311/v2/requests.json?jurisdiction_id=%00",
        "/open311/v2/requests.json?service_request_id=%00",
        "/open311/v2/requests.json?service_code=%C2%B2",
        f"/open311/v2/requests.json?service_code={HUGE}",
        "/open311/v2/services/%C2%B2.json",
        f"/open311/v2/services/{HUGE}.json",
        "/open311/v2/requests/%00.json",
    ],
)
def test_open311_odd_parameters_answer_4xx_in_its_shape(client, path):
    response = client.get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert response.json()[0]["description"]


def test_open311_a_body_it_cannot_read_is_a_bad_request(client):
    response = client.post("/open311/v2/requests.xml", b"--x\r\n\r\nabc", content_type="multipart/form-data")
    assert response.status_code == 400
    assert b"<errors>" in response.content


def test_open311_an_unexpected_error_answers_500_in_its_shape():
    def broken(request, fmt):
        raise RuntimeError("secret internals")

    response = open311._endpoint(broken)(RequestFactory().get("/open311/v2/services.json"), fmt="json")
    assert response.status_code == 500
    problems = json.loads(response.content)
    assert problems == [{"code": 500, "description": "服务器内部错误，请稍后再试；问题已记录。"}]


def test_a_field_error_is_explained_in_chinese(client):
    error = api_error(client.get(f"/api/v1/messages?page={HUGE}&page_size=0&leader=x"), 422)
    assert error["fields"] == {
        "page": "不能大于 100000。",
        "page_size": "不能小于 1。",
        "leader": "应为整数。",
    }
