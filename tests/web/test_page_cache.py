"""The page cache (web/page_cache.py, web/page_invalidation.py) through the front door: anonymous readers
of public pages and API reads are answered from the cache without a query; a change the public sees makes
the next answer fresh once it commits; signed-in users, credentials and cookies are never served or stored
a shared page; HTTP caching headers and conditional GETs; the file and Redis backends."""

import json
import os
import subprocess
import sys
import time
import uuid

import pytest
from django.core.cache import caches
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from liuyan.accounts.actions import issue_api_token
from liuyan.accounts.choices import Role
from liuyan.board.actions import moderation, replies
from liuyan.board.actions.submission import support_message
from liuyan.board.choices import MessageState
from liuyan.directory.models import Leader
from liuyan.web.middleware import CSP
from liuyan.web.page_cache import PageCacheMiddleware, lifetime, new_token
from tests.conftest import make_user
from tests.factories import latest_reply, make_message

pytestmark = pytest.mark.django_db

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
REDIS_URL = "redis://127.0.0.1:6379/15"


def _caches(pages: dict) -> dict:
    return {"default": {"BACKEND": LOCMEM, "LOCATION": "default-page-cache-tests"}, "pages": pages}


@pytest.fixture(autouse=True)
def page_cache():
    """The page cache on, in a memory of its own that each test starts empty."""
    with override_settings(LIUYAN_PAGE_CACHE=True, CACHES=_caches({"BACKEND": LOCMEM, "LOCATION": "pages"})):
        caches["pages"].clear()
        caches["default"].clear()
        yield caches["pages"]


@pytest.fixture
def replied(citizen, admin_user):
    return make_message(citizen, admin_user, MessageState.REPLIED, title="路灯坏了很久")


@pytest.fixture
def assigned(citizen, admin_user):
    return make_message(citizen, admin_user, MessageState.ASSIGNED, title="公交站台没有遮雨棚")


PUBLIC = {"public", "max-age=10"}


def directives(response) -> set[str]:
    return {word.strip() for word in response["Cache-Control"].split(",")}


def public_paths(message) -> list[str]:
    return [
        "/",
        "/messages/",
        "/messages/?state=replied&page=1",
        f"/messages/{message.id}/",
        f"/leaders/{message.leader_id}/",
        "/regions/530900/",
        "/campaigns/",
        "/search/?q=路灯",
        "/stats/",
        "/api/v1/messages",
        f"/api/v1/messages/{message.id}",
        "/api/v1/regions",
        "/api/v1/stats/national",
    ]


def test_a_second_anonymous_reader_is_answered_from_the_cache_without_a_query(
    client, replied, django_assert_num_queries
):
    for path in public_paths(replied):
        first = client.get(path)
        assert first.status_code == 200, path
        with django_assert_num_queries(0):
            second = client.get(path)
        assert second.status_code == 200, path
        assert second.content == first.content, path
        assert not second.cookies and not first.cookies, path
        for response in (first, second):
            assert directives(response) == PUBLIC, path
            assert {"Cookie", "Authorization"} <= {v.strip() for v in response["Vary"].split(",")}, path
            assert response["ETag"] == first["ETag"] and response["Last-Modified"], path
            # The security headers are made for each answer, stored or not.
            assert response["Content-Security-Policy"] == CSP, path
            assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"


def test_anonymous_public_pages_carry_no_csrf_token(client, replied):
    for path in public_paths(replied):
        response = client.get(path)
        assert b"csrfmiddlewaretoken" not in response.content, path
        assert "csrftoken" not in response.cookies, path
    detail = client.get(f"/messages/{replied.id}/").content.decode()
    assert "登录后点赞" in detail and 'action="/messages/' not in detail


def test_a_conditional_get_with_the_etag_is_answered_304_without_a_query(
    client, replied, django_assert_num_queries
):
    etag = client.get("/messages/")["ETag"]
    with django_assert_num_queries(0):
        again = client.get("/messages/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and directives(again) == PUBLIC
    assert client.get("/messages/", headers={"If-None-Match": '"other"'}).status_code == 200


def test_the_first_conditional_get_is_answered_304_too(client, replied):
    etag = client.get(f"/messages/{replied.id}/")["ETag"]
    caches["pages"].clear()
    assert client.get(f"/messages/{replied.id}/", headers={"If-None-Match": etag}).status_code == 304


def test_head_is_answered_from_the_page_a_get_stored(client, replied, django_assert_num_queries):
    page = client.get("/messages/")
    with django_assert_num_queries(0):
        head = client.head("/messages/")
    assert head.status_code == 200 and head.content == b""
    assert head["ETag"] == page["ETag"] and head["Content-Length"] == str(len(page.content))


def api_titles(client) -> list[str]:
    return [row["title"] for row in client.get("/api/v1/messages").json()["results"]]


def test_publishing_refreshes_the_pages_once_it_commits(
    client, citizen, admin_user, replied, django_capture_on_commit_callbacks
):
    pending = make_message(citizen, admin_user, MessageState.PENDING_REVIEW, title="河道里堆满了垃圾")
    assert "河道里堆满了垃圾" not in client.get("/messages/").content.decode()
    assert "河道里堆满了垃圾" not in api_titles(client)
    with django_capture_on_commit_callbacks() as callbacks:
        moderation.publish_message(admin_user, pending.id)
        # Not committed yet: a reader still sees the page stored before.
        assert "河道里堆满了垃圾" not in client.get("/messages/").content.decode()
    for callback in callbacks:
        callback()
    assert "河道里堆满了垃圾" in client.get("/messages/").content.decode()
    assert "河道里堆满了垃圾" in api_titles(client)


def test_an_approved_reply_shows_on_the_message_page(
    client, citizen, admin_user, django_capture_on_commit_callbacks
):
    message = make_message(citizen, admin_user, MessageState.IN_PROGRESS)
    before = client.get(f"/messages/{message.id}/").content.decode()
    assert "还没有回复" in before
    with django_capture_on_commit_callbacks(execute=True):
        replies.submit_reply(admin_user, message.id, "已在校门口增设护学岗，早晚高峰有专人疏导。")
    # A reply in review is not public: the stored page still answers.
    assert client.get(f"/messages/{message.id}/").content.decode() == before
    with django_capture_on_commit_callbacks(execute=True):
        replies.approve_reply(admin_user, latest_reply(message).id)
    assert "已在校门口增设护学岗" in client.get(f"/messages/{message.id}/").content.decode()
    reply = client.get(f"/api/v1/messages/{message.id}").json()["replies"][0]
    assert "已在校门口增设护学岗" in reply["body"]


def test_a_hidden_message_leaves_the_cached_pages(
    client, admin_user, replied, django_capture_on_commit_callbacks
):
    assert client.get(f"/messages/{replied.id}/").status_code == 200
    assert "路灯坏了很久" in client.get("/messages/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        moderation.hide_message(admin_user, replied.id, "含有不实信息")
    assert client.get(f"/messages/{replied.id}/").status_code == 404
    assert client.get(f"/api/v1/messages/{replied.id}").status_code == 404
    assert "路灯坏了很久" not in client.get("/messages/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        moderation.unhide_message(admin_user, replied.id)
    assert client.get(f"/messages/{replied.id}/").status_code == 200


def test_an_edit_in_the_admin_site_refreshes_the_pages(client, replied, django_capture_on_commit_callbacks):
    assert "路灯坏了很久" in client.get("/messages/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        replied.title = "路灯已经修好了"
        replied.save()  # what a ModelAdmin does
    assert "路灯已经修好了" in client.get("/messages/").content.decode()


def test_a_support_refreshes_only_that_message(
    client, citizen, admin_user, assigned, replied, django_capture_on_commit_callbacks
):
    supporter = make_user("supporter", Role.CITIZEN)
    assert "登录后点赞 · 0" in client.get(f"/messages/{assigned.id}/").content.decode()
    other_page = client.get(f"/messages/{replied.id}/")
    with django_capture_on_commit_callbacks(execute=True):
        support_message(supporter, assigned.id)
    assert "登录后点赞 · 1" in client.get(f"/messages/{assigned.id}/").content.decode()
    assert client.get(f"/api/v1/messages/{assigned.id}").json()["support_count"] == 1
    # Another message's page stays as it was stored.
    assert client.get(f"/messages/{replied.id}/")["ETag"] == other_page["ETag"]


def test_a_rolled_back_change_refreshes_nothing(
    client, admin_user, replied, assigned, django_capture_on_commit_callbacks
):
    etag = client.get("/messages/")["ETag"]
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        moderation.hide_message(admin_user, replied.id, "含有不实信息")
        raise RuntimeError("rolled back")
    assert callbacks == [] and client.get("/messages/")["ETag"] == etag
    with django_capture_on_commit_callbacks(execute=True):
        moderation.hide_message(admin_user, replied.id, "含有不实信息")
    assert client.get("/messages/")["ETag"] != etag


def test_a_transaction_replaces_the_generation_once(client, replied, django_capture_on_commit_callbacks):
    etag = client.get(f"/leaders/{replied.leader_id}/")["ETag"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for leader in Leader.objects.filter(region_id="530900"):
            leader.title = f"{leader.title}（新）"
            leader.save()
    assert len(callbacks) == 1
    assert client.get(f"/leaders/{replied.leader_id}/")["ETag"] != etag


def test_a_signed_in_user_is_never_given_a_shared_page(client, citizen, replied):
    anonymous = client.get(f"/messages/{replied.id}/")
    client.force_login(citizen)
    for path in public_paths(replied):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "public" not in response["Cache-Control"], path
        assert "private" in response["Cache-Control"] and "no-cache" in response["Cache-Control"], path
    signed_in = client.get(f"/messages/{replied.id}/")
    assert signed_in.content != anonymous.content
    assert "退出（" in signed_in.content.decode() and "登录后点赞" not in signed_in.content.decode()


def test_pages_about_a_person_are_not_kept_at_all(client, citizen, editor):
    client.force_login(citizen)
    for path in ["/me/messages/", "/me/notifications/", "/accounts/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], path
    client.force_login(editor)
    workbench = client.get("/workbench/")
    assert workbench.status_code == 200 and "no-store" in workbench["Cache-Control"]
    client.logout()
    login = client.get("/accounts/login/")
    assert "no-store" in login["Cache-Control"] and "csrftoken" in login.cookies


def test_a_bearer_token_reads_past_the_cache(client, citizen, replied):
    client.get("/api/v1/messages")
    token = issue_api_token(citizen, "测试")
    response = client.get("/api/v1/messages", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and "private" in response["Cache-Control"]
    refused = client.get("/api/v1/messages", headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401


def test_a_visitor_with_a_flash_message_gets_the_page_rendered(
    client, replied, django_assert_max_num_queries
):
    client.get("/messages/")
    client.cookies["messages"] = "anything"
    with django_assert_max_num_queries(50) as captured:
        response = client.get("/messages/")
    assert len(captured) > 0 and "private" in response["Cache-Control"]


def test_another_host_is_refused_not_served(client, replied):
    client.get("/messages/")
    assert client.get("/messages/", headers={"Host": "evil.example"}).status_code == 400


def test_a_response_that_sets_a_cookie_or_is_no_200_is_not_stored(page_cache):
    rendered = []

    def view(request):
        rendered.append(request.path)
        response = HttpResponse("页面", status=200 if request.path != "/search/" else 302)
        if request.path == "/messages/":
            response.set_cookie("csrftoken", "x")
        return response

    middleware = PageCacheMiddleware(view)
    factory = RequestFactory()
    for path in ["/messages/", "/messages/", "/search/", "/search/", "/campaigns/", "/campaigns/"]:
        response = middleware(factory.get(path))
        expected = "public" if path == "/campaigns/" else "private"
        assert expected in response["Cache-Control"], path
    assert rendered == ["/messages/", "/messages/", "/search/", "/search/", "/campaigns/"]


def test_off_means_every_page_is_rendered(client, replied, django_assert_max_num_queries):
    with override_settings(LIUYAN_PAGE_CACHE=False):
        client.get("/messages/")
        with django_assert_max_num_queries(50) as captured:
            response = client.get("/messages/")
        assert len(captured) > 0 and directives(response) == PUBLIC


@pytest.mark.parametrize("backend", ["file", "redis"])
def test_the_shared_backends(
    backend,
    client,
    admin_user,
    replied,
    tmp_path,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    prefix = f"liuyan-page-cache-test-{uuid.uuid4().hex}"
    if backend == "file":
        pages = {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)}
    else:
        redis = pytest.importorskip("redis")
        server = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        try:
            server.ping()
        except redis.exceptions.ConnectionError:
            pytest.skip("no Redis on 127.0.0.1:6379")
        pages = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    with override_settings(CACHES=_caches(pages)):
        try:
            first = client.get(f"/messages/{replied.id}/")
            with django_assert_num_queries(0):
                assert client.get(f"/messages/{replied.id}/").content == first.content
            with django_capture_on_commit_callbacks(execute=True):
                moderation.hide_message(admin_user, replied.id, "含有不实信息")
            assert client.get(f"/messages/{replied.id}/").status_code == 404
        finally:
            if backend == "redis":  # not clear(): that would empty the whole Redis database
                keys = list(server.scan_iter(match=f"{prefix}:*"))
                assert keys  # the pages and generations were stored there
                server.delete(*keys)


def test_with_replicas_a_page_rendered_just_after_a_change_is_kept_only_as_long_as_a_replica_may_lag():
    fresh = (new_token(),)
    settled = (f"{time.time() - 30:.3f}-0123456789ab",)
    with override_settings(LIUYAN_PAGE_CACHE_SECONDS=60, LIUYAN_REPLICA_MAX_LAG_SECONDS=5):
        with override_settings(LIUYAN_DATABASE_REPLICAS=["replica1"]):
            assert lifetime(fresh) == 5 and lifetime((*settled, *fresh)) == 5
            assert lifetime(settled) == 60
        with override_settings(LIUYAN_DATABASE_REPLICAS=[]):
            assert lifetime(fresh) == 60


REDIS_DEFAULT = "redis://127.0.0.1:6379/1"


@pytest.mark.parametrize(
    ("cache_url", "expected"),
    [
        ("", {"LOCATION": "{var}/cache-pages", "OPTIONS": {"MAX_ENTRIES": 3000}}),
        (REDIS_DEFAULT, {"LOCATION": REDIS_DEFAULT, "KEY_PREFIX": "pages"}),
        ("locmem://", {"LOCATION": "pages"}),
    ],
)
def test_the_pages_have_a_store_of_their_own_beside_the_default_cache(tmp_path, cache_url, expected):
    """Pages pushing each other out of the file cache never push out a rate-limit counter, nor share Redis
    keys with it."""
    unset = {"CACHE_URL", "DATABASE_URL", "LIUYAN_ENV"}
    environment = {name: value for name, value in os.environ.items() if name not in unset}
    environment.update(LIUYAN_VAR_DIR=str(tmp_path), **({"CACHE_URL": cache_url} if cache_url else {}))
    code = "import json, liuyan.settings as s; print(json.dumps([s.CACHES['default'], s.CACHES['pages']]))"
    result = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True)
    default, pages = json.loads(result.stdout)
    assert pages["BACKEND"] == default["BACKEND"]
    expected = {**expected, "LOCATION": expected["LOCATION"].format(var=tmp_path)}
    assert {key: value for key, value in pages.items() if key != "BACKEND"} == expected


def test_an_unavailable_cache_leaves_the_pages_rendered(
    client, admin_user, replied, django_capture_on_commit_callbacks, caplog
):
    """Redis down (nothing listens on port 9 of this machine): pages are rendered as if there were no cache,
    and a change still commits."""
    down = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
    with override_settings(CACHES=_caches(down)):
        for _ in range(2):
            response = client.get(f"/messages/{replied.id}/")
            assert response.status_code == 200 and directives(response) == PUBLIC
        with django_capture_on_commit_callbacks(execute=True):
            moderation.hide_message(admin_user, replied.id, "含有不实信息")
        assert client.get(f"/messages/{replied.id}/").status_code == 404
    assert "Page cache unavailable" in caplog.text
