"""Reads from a real PostgreSQL streaming replica (liuyan/replicas, web/replica_reads.py), and the settings.

The primary is a cluster of this module's own (initdb on a free port, the test database copied into it)
and the replica is made from it by `pg_basebackup -R`: a base backup of the shared test server would
copy every database on it, benchmark databases of millions of rows included. For this module Django's
"default" connection points at that primary and "replica1" at the replica. Which one served a page is
seen from the statements each connection ran; that "replica1" is a standby, from pg_is_in_recovery().
"""

import json
import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections, router
from django.db.backends.base.creation import TEST_DATABASE_PREFIX
from django.test import override_settings

from liuyan.accounts.actions import issue_api_token
from liuyan.accounts.choices import Role
from liuyan.board.choices import MessageState
from liuyan.board.models import Message
from liuyan.directory.models import Region
from liuyan.replicas.health import forget_verdicts
from liuyan.replicas.routing import reads_from_replicas
from liuyan.web.replica_reads import PIN_COOKIE
from tests.conftest import make_user, unit
from tests.factories import make_message
from tests.pg_clusters import (
    Cluster,
    dump_database,
    free_port,
    restore_database,
    server_tools,
    temporary_folder,
)
from tests.second_factor import SecondFactorClient

# One worker under pytest-xdist (`--dist loadgroup`) runs them all: the clusters are made once per module.
pytestmark = pytest.mark.xdist_group("replicas")

REPLICA = "replica1"
ROUTER = "liuyan.replicas.routing.ReplicaRouter"


# Settings: the replica aliases come from DATABASE_REPLICA_URLS, and nothing changes without it.


def load_settings(tmp_path, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DATABASE_REPLICA_URLS"}}
    environment.update(LIUYAN_VAR_DIR=str(tmp_path), **env)
    show = (
        "import liuyan.settings as s; "
        "print({a: (d.get('PORT'), d.get('TEST'), d['DISABLE_SERVER_SIDE_CURSORS']) "
        "for a, d in s.DATABASES.items()}); "
        "print(s.DATABASE_ROUTERS, s.LIUYAN_DATABASE_REPLICAS)"
    )
    return subprocess.run([sys.executable, "-c", show], env=environment, capture_output=True, text=True)


def test_replica_urls_make_aliases_mirroring_the_primary_and_the_router(tmp_path):
    result = load_settings(
        tmp_path,
        DATABASE_URL="postgres://liuyan@db-primary:5432/liuyan",
        DATABASE_REPLICA_URLS="postgres://liuyan@db-replica-a:5432/liuyan, postgres://liuyan@db-replica-b/liuyan",
    )
    assert result.returncode == 0, result.stderr
    aliases, routers = result.stdout.splitlines()
    assert aliases == (
        "{'default': (5432, None, False), 'replica1': (5432, {'MIRROR': 'default'}, False), "
        "'replica2': ('', {'MIRROR': 'default'}, False)}"
    )
    assert routers == f"['{ROUTER}'] ['replica1', 'replica2']"


def test_server_side_cursors_can_be_turned_off_for_pgbouncer(tmp_path):
    result = load_settings(
        tmp_path,
        DATABASE_URL="postgres://liuyan@pgbouncer:6432/liuyan",
        DATABASE_REPLICA_URLS="postgres://liuyan@pgbouncer:6432/liuyan_replica",
        DATABASE_DISABLE_SERVER_SIDE_CURSORS="1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        "{'default': (6432, None, True), 'replica1': (6432, {'MIRROR': 'default'}, True)}"
    )


def test_without_replica_urls_there_is_no_router(tmp_path):
    result = load_settings(tmp_path, DATABASE_URL="postgres://liuyan@db-primary:5432/liuyan")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1] == "[] []"


@pytest.mark.parametrize(
    ("primary", "replicas", "complaint"),
    [
        (None, "postgres://db-replica/liuyan", "needs a PostgreSQL DATABASE_URL"),
        ("postgres://db/liuyan", "mysql://db-replica/liuyan", "is not a PostgreSQL URL"),
        ("postgres://db/liuyan", "db-replica:5432", "is not a database URL"),
    ],
)
def test_unusable_replica_settings_fail_loudly(tmp_path, primary, replicas, complaint):
    env = {"DATABASE_REPLICA_URLS": replicas} | ({"DATABASE_URL": primary} if primary else {})
    result = load_settings(tmp_path, **env)
    assert result.returncode != 0
    assert complaint in result.stderr


# A primary and its streaming replica.


@pytest.fixture(scope="module")
def seeded_dump(django_db_setup, django_db_blocker, tmp_path_factory) -> Path | None:
    """The session's test database with its seeded directory, dumped to a file; None unless on PostgreSQL
    with the server tools. Taken by this module's first test, which pytest-django runs among the tests in
    rolled-back transactions: later, the tests that commit flush the directory away."""
    settings_dict = connections[DEFAULT_DB_ALIAS].settings_dict
    tools = server_tools()
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql" or tools is None:
        return None
    assert settings_dict["NAME"].startswith(TEST_DATABASE_PREFIX), "the session's test database is not set up"
    dump = tmp_path_factory.mktemp("replicas") / "seeded.dump"
    dump_database(settings_dict, tools, dump)
    return dump


@pytest.fixture(scope="module")
def clusters(seeded_dump, django_db_blocker):
    """(primary, replica) clusters, Django's "default" and "replica1" connections pointing at them."""
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        pytest.skip("streaming replicas are PostgreSQL's")
    tools = server_tools()
    if tools is None:
        pytest.skip("pg_basebackup (and initdb, pg_ctl, pg_dump) are not installed")
    folder = temporary_folder()
    primary = Cluster(tools, folder / "primary", free_port())
    replica = None
    try:
        primary.initdb()
        primary.start()
        restore_database(seeded_dump, connections[DEFAULT_DB_ALIAS].settings_dict["NAME"], primary)
        with django_db_blocker.unblock(), connections_to(primary):
            if not Region.objects.exists():  # dumped after a committing test flushed it
                call_command("seed_directory", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
            replica = primary.replica(folder / "replica", free_port())
            with (
                replica_alias(replica),
                override_settings(
                    DATABASE_ROUTERS=[ROUTER], LIUYAN_DATABASE_REPLICAS=[REPLICA], LIUYAN_PAGE_CACHE=False
                ),
            ):
                yield primary, replica
    finally:
        for cluster in (replica, primary):
            if cluster is not None and cluster.running():
                cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def connections_to(primary: Cluster):
    default = connections[DEFAULT_DB_ALIAS]
    saved = dict(default.settings_dict)
    default.close()
    default.settings_dict.update(HOST="127.0.0.1", PORT=primary.port, USER="postgres", PASSWORD="")
    try:
        yield
    finally:
        default.close()
        default.settings_dict.clear()
        default.settings_dict.update(saved)


@contextmanager
def replica_alias(replica: Cluster):
    connections.settings[REPLICA] = {
        **connections[DEFAULT_DB_ALIAS].settings_dict,
        "PORT": replica.port,
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"MIRROR": DEFAULT_DB_ALIAS},
    }
    try:
        yield
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


@pytest.fixture(autouse=True)
def fresh_state(request):
    """Each test checks the replicas afresh and renders pages (no figure cached by an earlier test)."""
    forget_verdicts()
    cache.clear()
    yield
    forget_verdicts()


@pytest.fixture(scope="module")
def people(clusters):
    return {
        "citizen": make_user("citizen", Role.CITIZEN),
        "operator": make_user("operator", Role.ADMIN),
        "handler": make_user("handler", Role.HANDLER, unit=unit("530900-education")),
    }


@pytest.fixture(scope="module")
def published(clusters, people):
    primary, replica = clusters
    message = make_message(
        people["citizen"], people["operator"], MessageState.PUBLISHED, title="小区门口路灯不亮"
    )
    replica.wait_until(lambda: replica.caught_up_with(primary))
    return message


@contextmanager
def statements():
    """The statements each connection runs inside, by alias."""
    seen = {DEFAULT_DB_ALIAS: [], REPLICA: []}

    def recorder(alias):
        def record(execute, sql, params, many, context):
            seen[alias].append(sql)
            return execute(sql, params, many, context)

        return record

    with (
        connections[DEFAULT_DB_ALIAS].execute_wrapper(recorder(DEFAULT_DB_ALIAS)),
        connections[REPLICA].execute_wrapper(recorder(REPLICA)),
    ):
        yield seen


def read_messages(seen: dict, alias: str) -> bool:
    return any('FROM "board_message"' in sql for sql in seen[alias])


def get(client, path: str, **extra):
    """A GET as a server runs it: a request starts by checking its connections (request_started), which
    Django's test client leaves out."""
    close_old_connections()
    cache.clear()
    with statements() as seen:
        response = client.get(path, **extra)
    assert response.status_code == 200, (path, response.status_code)
    return response, seen


def shown(response) -> str:
    if response["Content-Type"].startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return response.content.decode()


@contextmanager
def replay_paused(replica: Cluster):
    """The replica receives the primary's changes but does not apply them: it is behind."""
    replica.query("SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        replica.query("SELECT pg_wal_replay_resume()")


def test_outside_requests_and_inside_transactions_reads_go_to_the_primary(db, seeded_dump):
    """Task workers, commands and the shell read the primary; so does a request inside a transaction, to
    read what it has just written. (This test also has the seeded database dumped for the tests below.)"""
    with override_settings(DATABASE_ROUTERS=[ROUTER], LIUYAN_DATABASE_REPLICAS=[REPLICA]):
        assert router.db_for_read(Message) == DEFAULT_DB_ALIAS
        with reads_from_replicas():
            assert connections[DEFAULT_DB_ALIAS].in_atomic_block  # the test's own transaction
            assert router.db_for_read(Message) == DEFAULT_DB_ALIAS
            assert router.db_for_write(Message) == DEFAULT_DB_ALIAS
        region = Region.objects.first()
        assert router.allow_relation(region, Region.objects.last())
        assert router.allow_migrate(REPLICA, "board") is False
        assert router.allow_migrate(DEFAULT_DB_ALIAS, "board") is True


@pytest.mark.postgres
def test_the_replica_is_a_standby_of_the_primary(clusters):
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone() == (True,)
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone() == (False,)


@pytest.mark.postgres
def test_anonymous_public_pages_and_api_lists_read_from_the_replica(published):
    client = SecondFactorClient()
    for path in ("/messages/", f"/messages/{published.pk}/", "/api/v1/messages"):
        response, seen = get(client, path)
        assert read_messages(seen, REPLICA), path
        assert not read_messages(seen, DEFAULT_DB_ALIAS), path
        assert "小区门口路灯不亮" in shown(response)
        assert PIN_COOKIE not in response.cookies


@pytest.mark.postgres
def test_a_citizen_who_writes_reads_the_primary_and_sees_the_write_while_the_replica_lags(
    clusters, published, people
):
    primary, replica = clusters
    client = SecondFactorClient()
    client.force_login(people["citizen"])
    _response, seen = get(client, f"/messages/{published.pk}/")
    assert read_messages(seen, REPLICA), "a citizen reading a public page reads the replica"

    with replay_paused(replica):
        close_old_connections()
        response = client.post(f"/messages/{published.pk}/support/")
        assert response.status_code == 302
        assert response.cookies[PIN_COOKIE]["max-age"] == 15
        replica.wait_until(lambda: replica.received_from(primary))
        response, seen = get(client, f"/messages/{published.pk}/")
        assert not read_messages(seen, REPLICA) and read_messages(seen, DEFAULT_DB_ALIAS)
        assert Message.objects.using(REPLICA).get(pk=published.pk).support_count == 0  # the replica lags
        assert response.context["message"].support_count == 1  # the citizen sees their support
        _response, seen = get(client, "/messages/")
        assert not read_messages(seen, REPLICA)

    replica.wait_until(lambda: replica.caught_up_with(primary))
    with override_settings(LIUYAN_REPLICA_PIN_SECONDS=1):
        time.sleep(2.1)  # the pin's signature is older than the pin now
        _response, seen = get(client, "/messages/")
    assert read_messages(seen, REPLICA), "after the pin the citizen reads the replica again"


@pytest.mark.postgres
def test_staff_the_workbench_account_pages_and_token_calls_read_the_primary(published, people):
    staff = SecondFactorClient()
    staff.force_login(people["handler"])
    for path in ("/workbench/", "/messages/", f"/messages/{published.pk}/"):
        _response, seen = get(staff, path)
        assert not seen[REPLICA], path

    citizen = SecondFactorClient()
    citizen.force_login(people["citizen"])
    for path in ("/me/messages/", "/accounts/"):
        _response, seen = get(citizen, path)
        assert not seen[REPLICA], path

    token = issue_api_token(people["citizen"])
    _response, seen = get(
        SecondFactorClient(), "/api/v1/messages", headers={"Authorization": f"Bearer {token}"}
    )
    assert not seen[REPLICA] and read_messages(seen, DEFAULT_DB_ALIAS)


@pytest.mark.postgres
def test_a_request_that_may_read_a_replica_reads_it_but_sessions_and_writes_go_to_the_primary(clusters):
    from django.contrib.sessions.models import Session

    with reads_from_replicas():
        assert router.db_for_read(Message) == REPLICA
        assert router.db_for_read(Session) == DEFAULT_DB_ALIAS
        assert router.db_for_write(Message) == DEFAULT_DB_ALIAS


@pytest.mark.postgres
def test_a_lagging_replica_is_left_for_the_primary(clusters, people):
    primary, replica = clusters
    client = SecondFactorClient()
    with override_settings(LIUYAN_REPLICA_MAX_LAG_SECONDS=0), replay_paused(replica):
        newer = make_message(
            people["citizen"], people["operator"], MessageState.PUBLISHED, title="垃圾清运不及时"
        )
        replica.wait_until(lambda: replica.received_from(primary))
        response, seen = get(client, f"/messages/{newer.pk}/")
        assert not read_messages(seen, REPLICA) and read_messages(seen, DEFAULT_DB_ALIAS)
        assert "垃圾清运不及时" in response.content.decode()

    replica.wait_until(lambda: replica.caught_up_with(primary))
    forget_verdicts()
    response, seen = get(client, f"/messages/{newer.pk}/")
    assert read_messages(seen, REPLICA)


@pytest.mark.postgres
def test_a_replica_lost_in_the_middle_of_a_page_has_the_page_served_from_the_primary(clusters, published):
    _primary, replica = clusters
    cut = []

    def cut_before_the_first_message_query(execute, sql, params, many, context):
        if 'FROM "board_message"' in sql and not cut:
            pid = context["connection"].connection.info.backend_pid
            cut.append(replica.query("SELECT pg_terminate_backend(%s, 5000)", pid)[0])
        return execute(sql, params, many, context)

    for path in ("/messages/", "/api/v1/messages"):
        cut.clear()
        forget_verdicts()
        with connections[REPLICA].execute_wrapper(cut_before_the_first_message_query):
            response, seen = get(SecondFactorClient(), path)
        assert cut == [True], path
        assert read_messages(seen, REPLICA) and read_messages(seen, DEFAULT_DB_ALIAS), path
        assert "小区门口路灯不亮" in shown(response)


@pytest.mark.postgres
def test_a_stopped_replica_is_left_for_the_primary_without_an_error(clusters, published):
    primary, replica = clusters
    client = SecondFactorClient()
    with override_settings(LIUYAN_REPLICA_CHECK_SECONDS=60):
        _response, seen = get(client, "/messages/")
        assert read_messages(seen, REPLICA)
        replica.stop()
        try:
            # Found usable a moment ago: this request finds its connection gone and reads the primary.
            response, seen = get(client, "/messages/")
            assert not read_messages(seen, REPLICA) and read_messages(seen, DEFAULT_DB_ALIAS)
            assert "小区门口路灯不亮" in response.content.decode()
            # Checked afresh: it cannot be reached.
            forget_verdicts()
            _response, seen = get(client, f"/messages/{published.pk}/")
            assert not read_messages(seen, REPLICA) and read_messages(seen, DEFAULT_DB_ALIAS)
        finally:
            replica.start()
    replica.wait_until(replica.streaming)
    replica.wait_until(lambda: replica.caught_up_with(primary))
    forget_verdicts()
    _response, seen = get(client, "/messages/")
    assert read_messages(seen, REPLICA), "back in service, it is read again"
