"""The database unavailable: 503 with a Chinese message in each caller's shape, never a 500; and the
next request after it is back works without restarting anything.

The outage is real: the default connection is pointed at a loopback PostgreSQL port where nothing listens,
so every query fails with the driver's own "connection refused". (Restarting the shared PostgreSQL server
is left to bench/faults.py: other test runs use it.)
"""

import json
import socket
from xml.etree import ElementTree

import pytest
from django.db import close_old_connections, connection, connections
from django.db.utils import load_backend
from django.urls import reverse

from liuyan.accounts.actions import TOKEN_PREFIX
from liuyan.web.middleware import UNAVAILABLE_MESSAGE


def closed_port() -> int:
    """A loopback port that refuses connections: bound once to pick it, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def database_down(django_db_blocker):
    settings_dict = {
        **connections.settings["default"],
        "ENGINE": "django.db.backends.postgresql",
        "HOST": "127.0.0.1",
        "PORT": closed_port(),
        "NAME": "liuyan",
        "USER": "postgres",
        "PASSWORD": "",
        "CONN_MAX_AGE": 0,
        "OPTIONS": {"connect_timeout": 5},
    }
    healthy = connections["default"]
    connections["default"] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "default")
    try:
        with django_db_blocker.unblock():
            yield
    finally:
        connections["default"].close()
        connections["default"] = healthy


def assert_unavailable(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "10"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/messages"),
        ("post", "/api/v1/messages"),
        ("get", "/api/v1/messages/1"),
    ],
)
def test_the_api_answers_503_in_its_error_shape(client, database_down, method, path):
    body = {"title": "路灯不亮", "body": "县城主街的路灯已经坏了一个月。" * 8}
    if method == "post":
        response = client.post(
            path,
            data=json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {TOKEN_PREFIX}{'x' * 40}",
        )
    else:
        response = client.get(path)

    assert_unavailable(response)
    assert response.json() == {"error": {"code": "unavailable", "message": UNAVAILABLE_MESSAGE}}


@pytest.mark.parametrize("name", ["web:home", "web:message-list", "web:region-index"])
def test_pages_answer_a_chinese_503_page(client, database_down, name):
    response = client.get(reverse(name))

    assert_unavailable(response)
    page = response.content.decode()
    assert "<title>暂时无法访问 · 留言板</title>" in page
    assert UNAVAILABLE_MESSAGE in page


def test_open311_answers_503_as_its_error_list(client, database_down):
    as_json = client.get("/open311/v2/requests.json")
    as_xml = client.get("/open311/v2/requests.xml")

    assert_unavailable(as_json)
    assert as_json.json() == [{"code": 503, "description": UNAVAILABLE_MESSAGE}]
    assert_unavailable(as_xml)
    (error,) = ElementTree.fromstring(as_xml.content).findall("error")
    assert (error.findtext("code"), error.findtext("description")) == ("503", UNAVAILABLE_MESSAGE)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_dropped_is_replaced_by_the_next_request(client):
    """What a PostgreSQL restart does to each web process's kept connection (CONN_MAX_AGE), for one."""
    if connection.vendor != "postgresql":
        pytest.skip("a server-side disconnect needs PostgreSQL")
    assert connection.settings_dict["CONN_HEALTH_CHECKS"]
    assert client.get("/api/v1/messages").status_code == 200
    dropped = connection.connection.info.backend_pid
    with psycopg_connection() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (dropped,))

    # What every request of a real server starts with (the test client leaves it out): with
    # CONN_HEALTH_CHECKS the kept connection is checked before its first query, and replaced.
    close_old_connections()
    response = client.get("/api/v1/messages")

    assert response.status_code == 200
    assert connection.connection.info.backend_pid != dropped


def psycopg_connection():
    import psycopg

    params = connection.get_connection_params()
    return psycopg.connect(**params, autocommit=True)
