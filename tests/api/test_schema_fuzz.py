"""schemathesis over /api/v1/openapi.json: generated requests, anonymous and as a citizen and an editor,
must never get a server error and must get what the document promises (status code, content type, body)."""

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client, override_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from liuyan.accounts.actions import issue_api_token
from liuyan.api.v1 import api
from liuyan.board.choices import MessageState
from tests.api.openapi import assert_matches_openapi, openapi_schema
from tests.factories import make_message

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 10
SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,  # the same requests on every run: a failure here is a failure everywhere
    database=None,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],  # no shrinking: report the first failure
)
# The operations, read from the document at collection time (one test per operation and caller).
OPERATIONS = [
    (method.upper(), path.removeprefix("/api/v1"))
    for path, methods in api.get_openapi_schema()["paths"].items()
    for method in methods
]


@pytest.fixture(scope="module", autouse=True)
def keep_the_test_connection():
    # Django's own test client does the same: a request's start and end must not close the connection
    # that holds the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def api_schema():
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


# schemathesis's own pytest integration (schema.parametrize) fails on pytest 9.2 (it sets Function._nodeid);
# its documented Python API (operation.as_strategy with Hypothesis' @given) does the same work.
@pytest.mark.parametrize("persona", ["anonymous", "citizen", "editor"])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_keeps_its_document(api_schema, method, path, persona, admin_user, citizen, editor):
    # Some messages, so that generated ids sometimes name one (in review, public, replied).
    for state in (MessageState.PENDING_REVIEW, MessageState.PUBLISHED, MessageState.REPLIED):
        make_message(citizen, admin_user, state)
    user = {"anonymous": None, "citizen": citizen, "editor": editor}[persona]
    headers = {"Authorization": f"Bearer {issue_api_token(user, 'schemathesis')}"} if user else {}
    operation = api_schema["/api/v1" + path][method]
    cases = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @SETTINGS
    @hypothesis.given(case=cases)
    def calls_keep_the_document(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    # Rate limits out of the way, so that the handlers answer, not the limit after the first few calls.
    with override_settings(
        LIUYAN_AUTH_RATE="100000/m",
        LIUYAN_SUBMIT_RATE="100000/m",
        LIUYAN_SIMILAR_RATE="100000/m",
        LIUYAN_ANALYZE_RATE="100000/m",
    ):
        calls_keep_the_document()


def test_a_body_that_is_not_json_is_a_documented_400_in_chinese(client):
    response = client.post("/api/v1/auth/token", "\x00", content_type="application/json")
    body = assert_matches_openapi(response, "POST", "/api/v1/auth/token")
    assert response.status_code == 400
    assert body["error"] == {
        "code": "bad_request",
        "message": "请求内容无法解析，请检查格式（如 JSON）后重试。",
    }


def test_a_write_without_credentials_is_401_not_a_csrf_refusal(client):
    response = client.post("/api/v1/analyze", {"text": "学校门口拥堵"}, content_type="application/json")
    assert response.status_code == 401
    assert assert_matches_openapi(response, "POST", "/api/v1/analyze")["error"]["code"] == "unauthorized"


def test_a_signed_in_page_still_needs_its_csrf_token(citizen):
    page = Client(enforce_csrf_checks=True)
    page.force_login(citizen)
    response = page.post("/api/v1/analyze", {"text": "学校门口拥堵"}, content_type="application/json")
    assert response.status_code == 403
    body = assert_matches_openapi(response, "POST", "/api/v1/analyze")
    assert body["error"]["message"] == "请求未通过安全校验（CSRF），请刷新页面后重试。"


def test_downloads_declare_their_media_types():
    document = openapi_schema()
    export = document["paths"]["/api/v1/messages/export"]["get"]["responses"]["200"]["content"]
    assert set(export) == {"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    attachment = document["paths"]["/api/v1/messages/{message_id}/attachments/{attachment_id}"]["get"]
    assert set(attachment["responses"]["200"]["content"]) == {
        "image/jpeg",
        "image/png",
        "image/webp",
        "application/pdf",
    }


@pytest.mark.parametrize(
    ("method", "path", "documented"),
    [
        ("get", "/api/v1/messages/{huge}", "/api/v1/messages/{message_id}"),
        (
            "get",
            "/api/v1/messages/{huge}/attachments/1",
            "/api/v1/messages/{message_id}/attachments/{attachment_id}",
        ),
        ("get", "/api/v1/messages/{huge}/similar", "/api/v1/messages/{message_id}/similar"),
        ("post", "/api/v1/replies/{huge}/approve", "/api/v1/replies/{reply_id}/approve"),
    ],
)
def test_an_id_beyond_what_the_database_holds_is_a_422(client, citizen, method, path, documented):
    # It was a 500 on SQLite ("Python int too large to convert to SQLite INTEGER"), found by schemathesis.
    token = issue_api_token(citizen, "test")
    url = path.format(huge="13787848793156543929")
    response = getattr(client, method)(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422
    assert assert_matches_openapi(response, method, documented)["error"]["code"] == "validation_error"
