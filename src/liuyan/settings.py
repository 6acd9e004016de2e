"""Liuyan settings, read from the environment (see the configuration table in README.md)."""

import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from liuyan.environ import env_bool, env_int, env_list, env_rate, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("LIUYAN_VAR_DIR", str(BASE_DIR / "var")))

LIUYAN_ENV = env_str("LIUYAN_ENV", "development")
if LIUYAN_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"LIUYAN_ENV={LIUYAN_ENV!r} must be 'development' or 'production'.")
PRODUCTION = LIUYAN_ENV == "production"


def _local_secret_key() -> str:
    """A key generated once into var/ so that local sessions survive restarts."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env_str("SECRET_KEY") if PRODUCTION else env_str("SECRET_KEY", "") or _local_secret_key()
# Off unless a developer asks for it (`make dev`): Django's debug pages show tracebacks, settings and the
# URL list to anyone, so the demo of `make run` shows the site's own error pages.
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required when LIUYAN_ENV=production.")

INSTALLED_APPS = [
    "liuyan.accounts.apps.StaffAdminConfig",  # django.contrib.admin, its site asking for the second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "liuyan.directory",
    "liuyan.accounts",
    "liuyan.board",
    "liuyan.notify",
    "liuyan.intelligence",
    "liuyan.reports",
    "liuyan.web",
    "liuyan.backups",
    "liuyan.ops",
    "liuyan.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "liuyan.web.middleware.ContentSecurityPolicyMiddleware",
    "liuyan.web.middleware.DatabaseUnavailableMiddleware",
    # ETag and 304 for every GET; then anonymous public pages from the page cache, before the session
    # and the user are looked at (web/page_cache.py).
    "django.middleware.http.ConditionalGetMiddleware",
    "liuyan.web.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff sessions: signed out when idle, and nothing but the second step until the second factor.
    "liuyan.web.staff_sessions.StaffIdleTimeoutMiddleware",
    "liuyan.web.staff_sessions.SecondFactorRequiredMiddleware",
    # Public reads to a database replica when DATABASE_REPLICA_URLS is set (web/replica_reads.py).
    "liuyan.web.replica_reads.ReplicaReadsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "liuyan.urls"
WSGI_APPLICATION = "liuyan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "liuyan.web.context.navigation",
            ],
        },
    },
]


def _database(url: str) -> dict:
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL={url!r} is not a database URL: {error}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        # WAL lets readers proceed during a write; IMMEDIATE takes the write lock at BEGIN so that
        # concurrent writers queue up instead of failing with "database is locked" mid-transaction.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    return config


DATABASES = {"default": _database(env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'liuyan.sqlite3'}"))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and not DATABASES["default"]["NAME"]:
    raise ImproperlyConfigured("DATABASE_URL names no SQLite file.")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # A file, not memory, so that a worker process started by a test sees the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-liuyan.sqlite3")}


def _replicas(urls: list[str], primary: dict) -> dict[str, dict]:
    """PostgreSQL streaming replicas of the primary, as aliases replica1, replica2, … (liuyan/replicas)."""
    if urls and primary["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS needs a PostgreSQL DATABASE_URL.")
    replicas = {}
    for number, url in enumerate(urls, start=1):
        try:
            # Health checks always: a replica that went away is then noticed before a page reads from it.
            config = dj_database_url.parse(url, conn_max_age=primary["CONN_MAX_AGE"], conn_health_checks=True)
        except ValueError as error:
            message = f"DATABASE_REPLICA_URLS: {url!r} is not a database URL: {error}"
            raise ImproperlyConfigured(message) from None
        if config["ENGINE"] != "django.db.backends.postgresql":
            raise ImproperlyConfigured(f"DATABASE_REPLICA_URLS: {url!r} is not a PostgreSQL URL.")
        # A replica that does not answer is skipped after this long, not waited for.
        config.setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
        # Tests read the primary's test database through the replica connection (it is replicated there).
        config["TEST"] = {"MIRROR": "default"}
        replicas[f"replica{number}"] = config
    return replicas


# Reads of public pages go to replicas (web/replica_reads.py says which requests); all else to the primary.
_REPLICAS = _replicas(env_list("DATABASE_REPLICA_URLS", []), DATABASES["default"])
DATABASES.update(_REPLICAS)
LIUYAN_DATABASE_REPLICAS = list(_REPLICAS)
DATABASE_ROUTERS = ["liuyan.replicas.routing.ReplicaRouter"] if _REPLICAS else []
# Behind PgBouncer in transaction pooling, a server-side cursor (QuerySet.iterator) would outlive the
# transaction its server connection was lent for: off there (iterator() then fetches all rows at once).
if env_bool("DATABASE_DISABLE_SERVER_SIDE_CURSORS", False):
    for _config in DATABASES.values():
        _config["DISABLE_SERVER_SIDE_CURSORS"] = True
# A user who sent a write reads from the primary for this long, to see it whatever the replicas' lag.
LIUYAN_REPLICA_PIN_SECONDS = env_int("LIUYAN_REPLICA_PIN_SECONDS", 15)
# A replica further behind than this, or not streaming, is not read; each process checks every so often.
LIUYAN_REPLICA_MAX_LAG_SECONDS = env_int("LIUYAN_REPLICA_MAX_LAG_SECONDS", 5)
LIUYAN_REPLICA_CHECK_SECONDS = env_int("LIUYAN_REPLICA_CHECK_SECONDS", 5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (Index(include=...)) are a PostgreSQL optimisation; SQLite builds the same index without
# the included columns, all the embedded default needs: its warning is not printed by every command.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
AUTH_USER_MODEL = "accounts.User"
# Every password sign-in (site, API, admin) passes the failed sign-in limits of accounts/limits.py.
AUTHENTICATION_BACKENDS = ["liuyan.accounts.limits.LimitedModelBackend"]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "liuyan.accounts.validators.ChineseMinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True


def _cache(url: str) -> dict:
    if url.startswith(("redis://", "rediss://")):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if url.startswith("file://") and len(url) > len("file://"):
        return {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": url[7:]}
    if url == "locmem://":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    raise ImproperlyConfigured(f"CACHE_URL={url!r}: use redis://host:port/db, file:///a/folder or locmem://.")


# The default is shared by the processes of one machine (web workers, task workers, cron): rate limits,
# cached figures and the hot topics that `run_periodic` computes ahead. Several machines: use Redis.
CACHES = {"default": _cache(env_str("CACHE_URL", f"file://{VAR_DIR / 'cache'}"))}


def _page_cache(default: dict) -> dict:
    """The pages' cache beside the default one, so that pages pushing each other out never push out a
    rate-limit counter: a folder of its own with room for many pages, a key prefix on Redis (whose own
    eviction policy applies), its own memory."""
    backend = default["BACKEND"]
    if backend.endswith("FileBasedCache"):
        location = f"{default['LOCATION'].rstrip('/')}-pages"
        return {"BACKEND": backend, "LOCATION": location, "OPTIONS": {"MAX_ENTRIES": 3000}}
    if backend.endswith("RedisCache"):
        return {**default, "KEY_PREFIX": "pages"}
    return {**default, "LOCATION": "pages"}


CACHES["pages"] = _page_cache(CACHES["default"])
# Anonymous readers of public pages and API reads are answered from the page cache (web/page_cache.py),
# refreshed when something the public sees changes; an entry lives at most this many seconds. Browsers and
# proxies may keep an anonymous page LIUYAN_PAGE_MAX_AGE seconds, then ask again with its ETag.
LIUYAN_PAGE_CACHE = env_bool("LIUYAN_PAGE_CACHE", True)
LIUYAN_PAGE_CACHE_SECONDS = env_int("LIUYAN_PAGE_CACHE_SECONDS", 60)
LIUYAN_PAGE_MAX_AGE = env_int("LIUYAN_PAGE_MAX_AGE", 10)

# Background work: Django's tasks API with the database backend, so a task is enqueued in the same
# transaction as the change that causes it; `liuyan db_worker` runs the workers.
TASKS = {"default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "留言板 <noreply@liuyan.local>")
SMS_BACKEND = env_str("SMS_BACKEND", "liuyan.core.sms.LogSmsBackend")
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(VAR_DIR / "sms-outbox.jsonl"))  # for core.sms.FileSmsBackend

# The handling rules that operators tune (DESIGN.md §4).
LIUYAN_URGENT_ACCEPT_HOURS = env_int("LIUYAN_URGENT_ACCEPT_HOURS", 2)
LIUYAN_URGENT_REPLY_HOURS = env_int("LIUYAN_URGENT_REPLY_HOURS", 24)
# A message overdue by more than this many working days is put under supervision (督办) automatically.
LIUYAN_SUPERVISE_AFTER_OVERDUE_DAYS = env_int("LIUYAN_SUPERVISE_AFTER_OVERDUE_DAYS", 3)
# A replied message that its author has not rated within this many days is closed.
LIUYAN_RATING_WINDOW_DAYS = env_int("LIUYAN_RATING_WINDOW_DAYS", 7)

# Rate limits, as "count/period" (s, m, h, d): sign-in and registration per client address, and
# message submission per user. Counted in the cache (CACHE_URL): use Redis when running several processes.
LIUYAN_AUTH_RATE = env_str("LIUYAN_AUTH_RATE", "30/m")
LIUYAN_SUBMIT_RATE = env_str("LIUYAN_SUBMIT_RATE", "20/m")
LIUYAN_SIMILAR_RATE = env_str("LIUYAN_SIMILAR_RATE", "120/m")
LIUYAN_ANALYZE_RATE = env_str("LIUYAN_ANALYZE_RATE", "120/m")
# Against password guessing (accounts/limits.py): past this many failed sign-ins within the period, an
# account (whatever the address), or an address (whatever the account), is refused sign-in with 429.
LIUYAN_SIGNIN_ACCOUNT_FAILURES = env_rate("LIUYAN_SIGNIN_ACCOUNT_FAILURES", "5/15m")
LIUYAN_SIGNIN_ADDRESS_FAILURES = env_rate("LIUYAN_SIGNIN_ADDRESS_FAILURES", "30/h")
# Texted codes (registration, password reset): per client address, and for the whole site per day (0: no
# cap), on top of one a minute and five an hour per phone number.
LIUYAN_PHONE_CODE_ADDRESS_RATE = env_rate("LIUYAN_PHONE_CODE_ADDRESS_RATE", "10/h")
LIUYAN_PHONE_CODES_PER_DAY = env_int("LIUYAN_PHONE_CODES_PER_DAY", 5000)
# Proxies (addresses or networks) whose X-Forwarded-For is believed (accounts/client.py); from anyone
# else the header is ignored, so that a client cannot choose the address its limits are counted under.
LIUYAN_TRUSTED_PROXIES = env_list("LIUYAN_TRUSTED_PROXIES", [])

# Staff's second factor and sessions, and API tokens' lifetime (accounts.two_factor, web.staff_sessions).
LIUYAN_TOKEN_DAYS = env_int("LIUYAN_TOKEN_DAYS", 90)
LIUYAN_STAFF_IDLE_MINUTES = env_int("LIUYAN_STAFF_IDLE_MINUTES", 30)
OTP_TOTP_ISSUER = "留言板"

MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("LIUYAN_MEDIA_DIR", str(VAR_DIR / "media")))
# Domain and type classifier files written by `liuyan train_classifier` (intelligence/classifier.py).
LIUYAN_MODEL_DIR = Path(env_str("LIUYAN_MODEL_DIR", str(VAR_DIR / "models")))
# The real message data set beside the project (never copied into it): `setup_demo` trains the type model
# from the labelled references in tests/intelligence/labels/types.csv to its messages when it is there.
LIUYAN_SHARED_DATA = Path(env_str("LIUYAN_SHARED_DATA", str(BASE_DIR.parent / "shared" / "data")))

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing folder
# WhiteNoise serves static files from `collectstatic` in production (hashed names, compressed, cached
# for long); nothing comes from a CDN, so the site works offline. In development it serves them straight
# from the apps (finders, re-read on change), so the site has its styles with DEBUG off and no collectstatic.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
# Production is served over HTTPS only: plain HTTP is redirected and browsers are told (HSTS, a year) never
# to try it. Behind a TLS-terminating proxy set TRUST_X_FORWARDED_PROTO=1 (the proxy sets the header), or
# every request would be redirected again; SECURE_SSL_REDIRECT=0 when the proxy redirects by itself.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_COOKIE_SECURE = PRODUCTION

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
