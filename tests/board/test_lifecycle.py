"""The lifecycle table (board/lifecycle.py): its document is current, the API and the workbench serve
exactly its steps, and each action refuses a state the table does not allow it from."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from liuyan.api.messages import ACTIONS as API_ACTIONS
from liuyan.board import lifecycle
from liuyan.board.choices import MessageState
from liuyan.board.lifecycle import Target, Who
from liuyan.board.management.commands.lifecycle_doc import DOC
from liuyan.web.views import workbench
from tests.api_client import ApiClient, ok
from tests.board.test_permissions import request_for
from tests.factories import ORDER, make_message


def test_docs_lifecycle_md_is_what_the_command_generates():
    out = StringIO()
    call_command("lifecycle_doc", stdout=out)
    assert DOC.read_text(encoding="utf-8") == out.getvalue(), (
        "docs/lifecycle.md is out of date: run `liuyan lifecycle_doc --write`"
    )


def test_the_diagram_has_an_edge_for_each_state_change():
    diagram = lifecycle.mermaid()
    assert "[*] --> pending_review : 提交 submit" in diagram
    assert "assigned --> published : 退回 return" in diagram
    assert "replied --> in_progress : 重新办理 reopen" in diagram
    assert "closed --> in_progress : 重新办理 reopen" in diagram
    assert "replied --> in_progress : 重新办理 follow-up-reopen" in diagram
    assert "replied --> reply_review : 回复 reply" in diagram  # the answer to a follow-up
    assert "hide" not in diagram  # hiding changes no state


def test_the_api_routes_every_step_on_a_message_under_each_of_its_slugs():
    # A reply and a revisit have their own routes, /messages/{id}/replies and /messages/{id}/revisits.
    on_messages = {step.slug for step in lifecycle.routed(Target.MESSAGE)} - {"reply", "revisit"}
    assert set(API_ACTIONS) == on_messages | {"extension"}
    assert API_ACTIONS["extension"] is API_ACTIONS["request-extension"]  # the older name stays


def test_the_workbench_posts_to_one_url_per_step_by_its_slug():
    steps = {step.slug for step in lifecycle.routed()}
    assert set(workbench.ACTIONS) <= steps
    for slug in workbench.ACTIONS:
        assert reverse(f"web:workbench-{slug}", args=[7]) == f"/workbench/messages/7/{slug}/"


def test_slugs_name_one_step_each():
    assert len(lifecycle.BY_SLUG) == sum(len(step.slugs) for step in lifecycle.STEPS)
    assert all(lifecycle.BY_SLUG[slug] is step for step in lifecycle.STEPS for slug in step.slugs)


def _refused_state(step: lifecycle.Step):
    return next(state for state in ORDER if state not in step.allowed_from)


# The API's steps on a message that check the state (hiding does not; support answers 404 instead).
STATE_CHECKED = [
    step.slug
    for step in lifecycle.routed(Target.MESSAGE)
    if step.slug in API_ACTIONS and step.allowed_from != lifecycle.ANY_STATE and step.slug != "support"
]


@pytest.mark.django_db
@pytest.mark.parametrize("slug", STATE_CHECKED)
def test_each_step_answers_409_from_a_state_the_table_does_not_allow(slug, citizen, admin_user):
    step = lifecycle.BY_SLUG[slug]
    message = make_message(citizen, admin_user, _refused_state(step))
    user = citizen if step.who == Who.AUTHOR else admin_user
    path, body = request_for(slug, message, True, admin_user)

    response = ApiClient(user).post(path, body)

    assert response.status_code == 409, response.content.decode()[:300]
    error = response.json()["error"]
    assert error["code"] == "illegal_state" and f"不能{step.name}" in error["message"]


@pytest.mark.django_db
def test_the_older_api_name_of_request_extension_still_works(handler, citizen, admin_user):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    answer = ok(ApiClient(handler).act(message.pk, "extension", {"days": 3, "reason": "需要现场勘查"}))
    assert answer["staff"]["pending_extension_id"] is not None
