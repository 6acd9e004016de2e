"""Shared test set-up: the seeded directory (once per session) and the named users of STYLE.md §8."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings

from liuyan.accounts.actions import save_user_with_role
from liuyan.accounts.choices import Role
from liuyan.directory.models import Region, Unit
from tests.second_factor import SecondFactorClient

PASSWORD = "Liuyan-test-2026"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_setupnodes(config, specs):
    """With pytest-xdist (`-n`), each worker process gets a var folder of its own, set before its settings
    load: its SQLite test database, media, backups, briefs, open data, screenshots and secret key. Two
    runs on different databases at once (`make test`) have folders of their own too."""
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    for spec in specs:
        spec.env["LIUYAN_VAR_DIR"] = str(Path(settings.VAR_DIR) / f"test-{engine}-{spec.id}")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """With `--dist loadgroup` (make test), pytest-xdist sends the tests of one `xdist_group` to one worker
    by a suffix on their node ids, which pytest-xdist 3.8 can no longer write on pytest 9.2: its groups
    are silently ignored (pytest-xdist issue 1386, fix pending in pull request 1388). The worker's own
    collection writes it here instead, until a pytest-xdist that does is in the lock."""
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        names = {
            mark.args[0] if mark.args else mark.kwargs.get("name", "default")
            for mark in item.iter_markers("xdist_group")
        }
        suffix = "@" + "_".join(sorted(map(str, names)))
        if names and not item.nodeid.endswith(suffix):
            item._id = type(item._id).parse(item.nodeid + suffix)


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    with override_settings(PASSWORD_HASHERS=["tests.hashers.FastArgon2PasswordHasher"]):
        yield


@pytest.fixture(scope="session", autouse=True)
def process_local_cache():
    """Tests clear the cache freely: give them their own, not the file cache a local `make run` uses."""
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}):
        yield


@pytest.fixture(scope="session", autouse=True)
def no_page_cache():
    """Tests change rows directly and inside transactions that never commit, so a page stored by one
    request would hide the change from the next: the page cache is off, except in the tests of
    tests/web/test_page_cache.py, which turn it on."""
    with override_settings(LIUYAN_PAGE_CACHE=False):
        yield


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Each test starts with an empty cache: the rate limits count per client address (every test client's
    is 127.0.0.1) and figures are kept for a minute, and neither may carry over from the tests that ran
    before in the same process (under pytest-xdist, whichever those were)."""
    cache.clear()


@pytest.fixture(autouse=True)
def fresh_directory_lookups():
    """Each test reads the directory anew: a process keeps the rows a submission names for a while
    (directory/lookups.py), and a test's rows, rolled back after it, must not outlive it there."""
    from liuyan.directory import lookups

    lookups.forget()
    yield
    lookups.forget()


@pytest.fixture(autouse=True)
def fresh_search_estimates():
    """Each test's searches ask the planner anew: a process keeps its estimates for minutes
    (board/search.py), and a test's statistics are not the next one's."""
    from liuyan.board import search

    search.forget_estimates()


@pytest.fixture(autouse=True)
def no_trained_classifiers(tmp_path_factory):
    """Each test starts with no domain or type model, whatever a local `make run` trained into var/models
    or an earlier test (setup_demo trains both) left behind; tests that need one train it."""
    from liuyan.intelligence.classifier import forget_loaded_classifiers

    forget_loaded_classifiers()
    with override_settings(LIUYAN_MODEL_DIR=tmp_path_factory.mktemp("models")):
        yield
    forget_loaded_classifiers()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Seed the whole directory into the test database once; each test then runs in a rolled-back
    transaction on top of it. (A `transactional_db` test flushes it: use `seeded_transactional_db`.)"""
    with django_db_blocker.unblock():
        call_command("seed_directory", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.fixture
def seeded_transactional_db(transactional_db):
    """A committing database for tests that need another process (a task worker) to see their data.

    pytest-django flushes the database after such a test, wiping the directory seeded once per session;
    it runs these tests after all others, and this fixture seeds the directory again before each one.
    """
    with open(os.devnull, "w") as devnull:
        call_command("seed_directory", verbosity=0, stdout=devnull)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real message data set beside the project (../shared/data), never copied into the tree."""
    root = Path(os.environ.get("LIUYAN_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
    assert root.is_dir(), f"the shared data set is missing at {root} (set LIUYAN_SHARED_DATA)"
    return root


@pytest.fixture
def client():
    """pytest-django's client, whose `force_login` also passes staff's second factor."""
    return SecondFactorClient()


def post_action(client, user, message, action: str, data: dict | None = None, **kwargs):
    """`user` signs in and posts the workbench action `action` (its URL slug) on `message`."""
    client.force_login(user)
    return client.post(f"/workbench/messages/{message.pk}/{action}/", data or {}, **kwargs)


def unit(code: str) -> Unit:
    return Unit.objects.select_related("region").get(code=code)


def make_user(username: str, role: Role, **scope):
    user, _created = save_user_with_role(username=username, password=PASSWORD, role=role, **scope)
    return user


@pytest.fixture
def citizen(db):
    return make_user("citizen", Role.CITIZEN)


@pytest.fixture
def editor(db):
    return make_user("editor", Role.EDITOR)


@pytest.fixture
def dispatcher(db):
    """Staff of the 临沧市 dispatch desk."""
    return make_user("dispatcher", Role.DISPATCHER, unit=unit("530900-desk"))


@pytest.fixture
def handler(db):
    """Staff of 临沧市教育局."""
    return make_user("handler", Role.HANDLER, unit=unit("530900-education"))


@pytest.fixture
def other_handler(db):
    """Staff of 永德县教育局, a county under 临沧市."""
    return make_user("other-handler", Role.HANDLER, unit=unit("530923-education"))


@pytest.fixture
def leader(db):
    """The office of a 临沧市 leader."""
    return make_user("leader", Role.LEADER, region=Region.objects.get(pk="530900"))


@pytest.fixture
def admin_user(db):
    return make_user("operator", Role.ADMIN)
