"""Settings come from the environment and fail loudly (STYLE.md §7)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from liuyan.environ import env_bool, env_int, env_list, env_str


def test_readers(monkeypatch):
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_INT", "42")
    monkeypatch.setenv("X_LIST", "a.example, b.example,,")
    assert env_bool("X_BOOL", False) is True
    assert env_int("X_INT", 1) == 42
    assert env_list("X_LIST", []) == ["a.example", "b.example"]
    assert env_str("X_MISSING", "fallback") == "fallback"


@pytest.mark.parametrize(("reader", "value"), [(env_bool, "maybe"), (env_int, "forty")])
def test_malformed_values_fail_loudly(monkeypatch, reader, value):
    monkeypatch.setenv("X_BAD", value)
    with pytest.raises(ImproperlyConfigured, match="X_BAD"):
        reader("X_BAD", 0)


def test_required_value_fails_loudly(monkeypatch):
    monkeypatch.delenv("X_REQUIRED", raising=False)
    with pytest.raises(ImproperlyConfigured, match="X_REQUIRED is required"):
        env_str("X_REQUIRED")


def load_settings(tmp_path, **env) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL", "LIUYAN_ENV"}
    }
    environment.update(LIUYAN_VAR_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-c", "import liuyan.settings as s; print(s.DATABASES['default']['NAME'], s.DEBUG)"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_requires_a_secret_key(tmp_path):
    result = load_settings(tmp_path, LIUYAN_ENV="production", ALLOWED_HOSTS="liuyan.example")
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_development_generates_a_secret_key_and_uses_sqlite_under_var(tmp_path):
    result = load_settings(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(tmp_path / "liuyan.sqlite3"), "False"]
    assert len((tmp_path / "secret_key").read_text()) >= 50


def test_a_bad_database_url_fails_loudly(tmp_path):
    result = load_settings(tmp_path, DATABASE_URL="nosuchdb://x")
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_locale_and_time():
    assert settings.TIME_ZONE == "Asia/Shanghai" and settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.AUTH_USER_MODEL == "accounts.User"
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def cache_settings(tmp_path, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"CACHE_URL", "LIUYAN_ENV"}}
    environment.update(LIUYAN_VAR_DIR=str(tmp_path), **env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import liuyan.settings as s; c = s.CACHES['default']; print(c['BACKEND'], c.get('LOCATION'))",
        ],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_default_cache_is_a_folder_under_var_shared_by_the_processes(tmp_path):
    result = cache_settings(tmp_path)
    assert result.stdout.split() == [
        "django.core.cache.backends.filebased.FileBasedCache",
        str(tmp_path / "cache"),
    ]
    result = cache_settings(tmp_path, CACHE_URL="redis://127.0.0.1:6379/1")
    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://127.0.0.1:6379/1",
    ]
    result = cache_settings(tmp_path, CACHE_URL="memcached://x")
    assert result.returncode != 0 and "CACHE_URL" in result.stderr


def test_debug_pages_only_when_asked_for(tmp_path):
    """Django's debug pages show tracebacks and the URL list: the demo (`make run`) must not serve them."""
    assert load_settings(tmp_path).stdout.split()[-1] == "False"
    assert load_settings(tmp_path, DEBUG="1").stdout.split()[-1] == "True"


def test_make_run_serves_without_debug_and_make_dev_with_it():
    root = Path(__file__).resolve().parents[1]
    for target, debug in (("run", "DEBUG=0"), ("dev", "DEBUG=1")):
        dry = subprocess.run(
            ["make", "-n", target], cwd=root, capture_output=True, text=True, check=True
        ).stdout
        assert f"{debug} .venv/bin/liuyan runserver" in dry, dry


@pytest.mark.slow
def test_the_deploy_check_reports_nothing_with_production_settings(tmp_path):
    """`liuyan check --deploy` in production, configured as the README says, finds nothing to fix."""
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process (Playwright runs an event loop);
    # a production server has no such variable, so the check runs without it.
    ignored = {"SECRET_KEY", "DEBUG", "LIUYAN_ENV", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ignored and not name.startswith("SECURE_")
    }
    environment.update(
        LIUYAN_ENV="production",
        SECRET_KEY="k7Qd-" + "x9Lw2vR8" * 7,
        ALLOWED_HOSTS="liuyan.example.gov.cn",
        LIUYAN_VAR_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "-m", "liuyan", "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
