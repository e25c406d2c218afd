"""Django settings for Jiayuan, read from environment variables only.

Variables (all optional for the demo):

- ``DATABASE_URL``: database, e.g. ``postgres://user@127.0.0.1:5432/jiayuan``;
  default the SQLite file ``var/jiayuan.sqlite3`` of the project directory.
- ``JIAYUAN_SECRET_KEY``: Django secret key.
- ``JIAYUAN_FIELD_KEY``: key for the encryption and keyed hashes of ID numbers and
  phones (any string of at least 32 characters; keep it secret and never change it
  without re-encrypting).
- ``JIAYUAN_DEBUG``: ``1`` for Django's debug pages.
- ``JIAYUAN_ENV``: ``production`` makes the process refuse to start with the demo
  secrets above.
- ``JIAYUAN_ALLOWED_HOSTS``: comma-separated host names (default local addresses).
- ``JIAYUAN_VAR_DIR``: where the SQLite file, static files and uploads live.
- ``JIAYUAN_DEMO_PASSWORD``: password of the demo accounts.
- ``JIAYUAN_SECURE_PROXY_SSL_HEADER``: ``Header-Name: value`` that a TLS-terminating
  proxy sets on HTTPS requests (e.g. ``X-Forwarded-Proto: https``); production redirects
  to HTTPS every request that is not HTTPS by that header or by the connection.
- ``JIAYUAN_HSTS_SECONDS``: HSTS duration in production (default one year; 0 = off).
- ``JIAYUAN_TRUSTED_PROXIES``: comma-separated addresses or CIDR networks of the reverse
  proxies in front of the server; only from them is ``JIAYUAN_CLIENT_IP_HEADER``
  (default ``X-Forwarded-For``) believed for the client's address (rate limits, see
  ``jiayuan/client_ip.py``). Empty (default): the connection's address.
- ``JIAYUAN_REQUIRE_2FA``: ``1`` requires two-factor sign-in of the roles that need it
  (always required with ``JIAYUAN_ENV=production``).
- ``DATABASE_REPLICA_URL``: a PostgreSQL streaming replica of ``DATABASE_URL``; the reads
  declared lag-tolerant (statistics, exports, search lists) go to it while it lags at most
  ``JIAYUAN_REPLICA_MAX_LAG_SECONDS`` (30), measured every ``JIAYUAN_REPLICA_CHECK_SECONDS``
  (5); see ``jiayuan/dbrouting.py`` and docs/operations.md.
- ``JIAYUAN_TASKS_BACKEND``: ``rq`` runs background tasks through Redis
  (``JIAYUAN_REDIS_URL``, default ``redis://127.0.0.1:6379/0``) and ``jiayuan rqworker``;
  ``immediate`` runs them inside the request; default: the database queue.
- ``JIAYUAN_LOGIN_FAILURE_LIMIT`` (5) and ``JIAYUAN_LOGIN_ADDRESS_FAILURE_LIMIT`` (20):
  failures that lock a (user name, address) pair and an address for 15 minutes.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from csp.constants import NONE, SELF

from jiayuan.client_ip import parse_networks

PACKAGE_DIR = Path(__file__).resolve().parent
# src/jiayuan -> project root in a checkout; var/ holds the SQLite file and uploads.
PROJECT_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("JIAYUAN_VAR_DIR", PROJECT_DIR / "var"))

DEMO_SECRET_KEY = "jiayuan-demo-secret-key-not-for-production-use-000000"
DEMO_FIELD_KEY = "jiayuan-demo-field-key-not-for-production-use-0000000"

ENVIRONMENT = os.environ.get("JIAYUAN_ENV", "demo")
if ENVIRONMENT not in ("demo", "production"):
    # A typo such as "Production" or "prod" must not start silently with the demo keys.
    raise ImproperlyConfigured(f"JIAYUAN_ENV 只能是 demo 或 production，当前为 {ENVIRONMENT!r}。")
SECRET_KEY = os.environ.get("JIAYUAN_SECRET_KEY", DEMO_SECRET_KEY)
FIELD_KEY = os.environ.get("JIAYUAN_FIELD_KEY", DEMO_FIELD_KEY)
DEBUG = os.environ.get("JIAYUAN_DEBUG", "0") == "1"

if ENVIRONMENT == "production":
    if SECRET_KEY == DEMO_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured(
            "JIAYUAN_ENV=production 时必须设置 JIAYUAN_SECRET_KEY（至少 32 个字符，且不得使用演示密钥）。"
        )
    if FIELD_KEY == DEMO_FIELD_KEY or len(FIELD_KEY) < 32:
        raise ImproperlyConfigured(
            "JIAYUAN_ENV=production 时必须设置 JIAYUAN_FIELD_KEY（至少 32 个字符，且不得使用演示密钥）。"
        )
    if DEBUG:
        raise ImproperlyConfigured("JIAYUAN_ENV=production 时不得开启 JIAYUAN_DEBUG。")
elif len(FIELD_KEY) < 32:
    raise ImproperlyConfigured("JIAYUAN_FIELD_KEY 至少需要 32 个字符。")

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("JIAYUAN_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if h.strip()
]
# The client's address for rate limits (jiayuan.client_ip.client_ip): the forwarding header
# is read only on requests that come from one of these proxies.
TRUSTED_PROXIES = parse_networks(os.environ.get("JIAYUAN_TRUSTED_PROXIES", ""))
CLIENT_IP_HEADER = os.environ.get("JIAYUAN_CLIENT_IP_HEADER", "X-Forwarded-For").strip() or "X-Forwarded-For"

CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("JIAYUAN_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    # First, so that its createsuperuser (which audits) overrides django.contrib.auth's.
    "jiayuan.accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves the API docs' Swagger UI from local static files (no CDN)
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "jiayuan.regions",
    "jiayuan.audit",
    "jiayuan.people",
    "jiayuan.grid",
    "jiayuan.cases",
    "jiayuan.servicecenter",
    "jiayuan.open311",
    "jiayuan.imports",
    "jiayuan.disability",
    "jiayuan.assistance",
    "jiayuan.organizations",
    "jiayuan.facilities",
    "jiayuan.workforce",
    "jiayuan.eldercare",
    "jiayuan.children",
    "jiayuan.governance",
    "jiayuan.stats",
    "jiayuan.backup",
    "django_tasks",
    "django_tasks_db",
    "jiayuan.api",
    "jiayuan.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jiayuan.web.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "jiayuan.web.middleware.RejectControlCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "jiayuan.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "jiayuan.accounts.middleware.MustChangePasswordMiddleware",
    "jiayuan.web.middleware.NotFoundMiddleware",
    "jiayuan.web.middleware.FaultMiddleware",  # lost database connection: 503; full disk: 507; no traceback
]

ROOT_URLCONF = "jiayuan.urls"
WSGI_APPLICATION = "jiayuan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jiayuan.web.context_processors.navigation",
            ],
        },
    },
]

DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'jiayuan.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", DEFAULT_SQLITE), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the page reader and a writer work at once; IMMEDIATE takes the write
        # lock at BEGIN so two writers queue instead of failing half-way.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }

# A streaming replica for the reads declared lag-tolerant (jiayuan/dbrouting.py). In tests
# it mirrors the default database unless a test points it at a real replica.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(os.environ["DATABASE_REPLICA_URL"], conn_max_age=60)
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["jiayuan.dbrouting.ReplicaRouter"]
REPLICA_MAX_LAG_SECONDS = float(os.environ.get("JIAYUAN_REPLICA_MAX_LAG_SECONDS", "30"))
REPLICA_CHECK_SECONDS = float(os.environ.get("JIAYUAN_REPLICA_CHECK_SECONDS", "5"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Request bounds (Django's defaults, stated): a body other than uploaded files of at most
# 2.5 MB (413 for the API), a form of at most 1000 fields (every list a page form sends);
# refused by web.middleware.RejectControlCharactersMiddleware before any view runs.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

IDENTIFIER_SEARCH_LIMIT = int(os.environ.get("JIAYUAN_IDENTIFIER_SEARCH_LIMIT", "30"))  # per user and hour, roles without view_sensitive

# Lockout after repeated failures (django-axes; jiayuan.accounts.lockout): 5 failures of one
# user name from one client address lock that pair for 15 minutes, and 20 failures from one
# address over any user names lock the address (password spraying). Not by user name alone:
# anyone could then lock any account; not by address alone at 5: a community service desk
# shares one public address among many workers.
AXES_FAILURE_LIMIT = int(os.environ.get("JIAYUAN_LOGIN_FAILURE_LIMIT", "5"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("JIAYUAN_LOGIN_ADDRESS_FAILURE_LIMIT", "20"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "jiayuan.accounts.lockout.PairAndAddressHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_VERBOSE = False
# The client address: the same as the public rate limits' (REMOTE_ADDR, or behind
# JIAYUAN_TRUSTED_PROXIES the right-most untrusted address of their header).
AXES_CLIENT_IP_CALLABLE = "jiayuan.client_ip.client_ip"

# Two-factor sign-in (django-otp, TOTP + recovery codes; jiayuan.accounts.twofactor): required
# for the roles of accounts.permissions.SECOND_FACTOR_ROLES in production or with
# JIAYUAN_REQUIRE_2FA=1; offered to everyone otherwise.
REQUIRE_SECOND_FACTOR = ENVIRONMENT == "production" or os.environ.get("JIAYUAN_REQUIRE_2FA", "0") == "1"
OTP_TOTP_ISSUER = "家园 Jiayuan"

# Sessions: idle expiry of two hours, renewed on every request.
SESSION_COOKIE_AGE = 2 * 60 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy (django-csp 4): the pages load scripts, styles, fonts and images
# from this site only and carry no inline script, style or on*="" handler (their
# behaviour is in web/static/web/app.js and cases/static/cases/cases.js, their looks in
# the .css files; htmx's inline indicator styles are off, see web/base.html). data: images
# are Bootstrap's SVG icons inside its CSS; blob: the photo previews before upload
# (cases.js). The API docs (Swagger UI, /api/v1/docs) work under the same policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# HTTPS in production (JIAYUAN_ENV=production): every http:// request is redirected to
# https://, browsers are told to use HTTPS only for a year (HSTS, subdomains included;
# JIAYUAN_HSTS_SECONDS changes the duration, 0 turns it off), cookies go over HTTPS only.
# Behind a proxy that terminates TLS, JIAYUAN_SECURE_PROXY_SSL_HEADER names the header by
# which it says the original request was HTTPS, e.g. "X-Forwarded-Proto: https"; the
# proxy must set (not pass on) that header. The demo serves plain HTTP on 127.0.0.1.
if ENVIRONMENT == "production":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("JIAYUAN_HSTS_SECONDS", str(365 * 24 * 60 * 60)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Only says the site may be put on the browsers' HSTS preload list; it is put there
    # only when the domain's owner submits it (hstspreload.org), a decision of its own.
    SECURE_HSTS_PRELOAD = True
SECURE_PROXY_SSL_HEADER = None
_proxy_ssl = os.environ.get("JIAYUAN_SECURE_PROXY_SSL_HEADER", "").strip()
if _proxy_ssl:
    _name, _sep, _value = _proxy_ssl.partition(":")
    if not _sep or not _name.strip() or not _value.strip():
        raise ImproperlyConfigured(
            "JIAYUAN_SECURE_PROXY_SSL_HEADER 的格式应为“头名: 值”，例如 X-Forwarded-Proto: https。")
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _name.strip().upper().replace("-", "_"), _value.strip())

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    # Atomic writes (a failed write leaves no truncated file) and a clear 507 on a full disk.
    "default": {"BACKEND": "jiayuan.storage.AtomicFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors_without_traceback": {"()": "jiayuan.web.logging.ClientErrorsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"filters": ["client_errors_without_traceback"]}},  # a 403 is one line, not a traceback
    "root": {"handlers": ["console"], "level": os.environ.get("JIAYUAN_LOG_LEVEL", "WARNING")},
}

# Background tasks (django-tasks): stored in the database, run by `jiayuan worker`
# (started by `make demo` beside the web server). JIAYUAN_TASKS_BACKEND=immediate runs
# them inside the request instead (no worker needed; tests use it). JIAYUAN_TASKS_BACKEND=rq
# puts them on Redis (JIAYUAN_REDIS_URL) through django-tasks-rq, so that workers on
# several machines (`jiayuan rqworker --job-class django_tasks_rq.Job default`) share one
# queue; the database queue stays the default (docs/operations.md, "Past one machine").
TASKS_BACKEND = os.environ.get("JIAYUAN_TASKS_BACKEND", "")
TASKS = {
    "default": {
        "BACKEND": {"immediate": "django_tasks.backends.immediate.ImmediateBackend",
                    "rq": "django_tasks_rq.RQBackend"}.get(TASKS_BACKEND, "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
if TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    REDIS_URL = os.environ.get("JIAYUAN_REDIS_URL", "redis://127.0.0.1:6379/0")
    # Jobs (and their results) kept one day after they end; a job may run at most 2 hours
    # (a roster import of the largest county takes minutes, docs/import.md).
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 7200, "DEFAULT_RESULT_TTL": 86400}}

# Token lifetime of POST /api/v1/auth/token.
API_TOKEN_TTL = timedelta(hours=int(os.environ.get("JIAYUAN_API_TOKEN_HOURS", "12")))
DEMO_PASSWORD = os.environ.get("JIAYUAN_DEMO_PASSWORD", "")
