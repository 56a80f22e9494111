"""The one settings file. Every value comes from the environment (see .env.example and zhili/env.py)."""

from datetime import timedelta
from pathlib import Path

from csp.constants import NONE, SELF

from zhili import env

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = env.data_dir()

SECRET_KEY = env.secret_key(DATA_DIR)
DEBUG = env.envbool("ZHILI_DEBUG", False)
DEMO = env.envbool("ZHILI_DEMO", False) or (DATA_DIR / env.DEMO_KEY_FILE).exists()
ALLOWED_HOSTS = env.envlist("ZHILI_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.envlist("ZHILI_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "ninja",
    "zhili.core",
    "zhili.regions",
    "zhili.people",
    "zhili.targets",
    "zhili.imports",
    "zhili.ledgers",
    "zhili.cases",
    "zhili.township",
    "zhili.projects",
    "zhili.households",
    "zhili.duty",
    "zhili.party",
    "zhili.bulletins",
    "zhili.reports",
    "zhili.api",
    "zhili.demo",
]

MIDDLEWARE = [
    "zhili.core.requestid.RequestIdMiddleware",  # first: every request has its id and access line
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zhili.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "zhili.people.middleware.ZhiliLoginRequiredMiddleware",
    "zhili.people.middleware.ScopeMiddleware",
    "zhili.core.nul.RefuseNulMiddleware",  # PostgreSQL cannot compare text holding a NUL: refused with a sentence
    "zhili.people.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "zhili.core.middleware.ErrorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zhili.urls"
WSGI_APPLICATION = "zhili.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zhili.core.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {"default": env.database(DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.Person"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Password rules (等保 口令复杂度): at least ZHILI_PASSWORD_MIN_LENGTH characters of at least
# ZHILI_PASSWORD_CHAR_CLASSES of the four kinds (upper, lower, digit, symbol), not a common one, not like the login
# name; with ZHILI_PASSWORD_MAX_AGE_DAYS, an older password must be changed before any other page opens.
PASSWORD_MIN_LENGTH = env.envint("ZHILI_PASSWORD_MIN_LENGTH", 10, minimum=8)
PASSWORD_CHAR_CLASSES = env.envint("ZHILI_PASSWORD_CHAR_CLASSES", 3, minimum=1, maximum=4)
PASSWORD_MAX_AGE_DAYS = env.envint("ZHILI_PASSWORD_MAX_AGE_DAYS", 0, minimum=0)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "zhili.people.validators.CharacterClassesValidator",
        "OPTIONS": {"min_classes": PASSWORD_CHAR_CLASSES},
    },
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed logins: after ZHILI_LOGIN_FAILURE_LIMIT failures for one account from one address, that pair is
# locked for ZHILI_LOGIN_LOCKOUT_MINUTES; the login page says when to retry (zhili.people.views.locked_out).
AXES_FAILURE_LIMIT = env.envint("ZHILI_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env.envint("ZHILI_LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "zhili.people.views.locked_out"
AXES_VERBOSE = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# Sessions end after ZHILI_SESSION_IDLE_MINUTES without a request, and when the browser closes.
SESSION_COOKIE_AGE = env.envint("ZHILI_SESSION_IDLE_MINUTES", 120, minimum=5) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
HTTPS = env.envbool("ZHILI_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# No inline scripts anywhere: every script is a vendored file served from our own origin.
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
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["zhili.formats"]
TIME_ZONE = env.envstr("ZHILI_TIME_ZONE", "Asia/Shanghai")
# "Today" for lights and deadlines; empty means the real date (or the demo's chosen day, zhili/core/clock.py).
ZHILI_TODAY = env.envdate("ZHILI_TODAY")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.envstr("ZHILI_STATIC_ROOT") or DATA_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise serves collected files from here in production
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.envstr("ZHILI_MEDIA_ROOT") or DATA_DIR / "media")
WHITENOISE_USE_FINDERS = True  # the demo serves vendored assets without collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Imports (zhili.imports): files over ZHILI_IMPORT_BACKGROUND_KB are checked and written by the background worker,
# which renews its lease on a job every few thousand rows; a job whose lease ran out lost its worker.
ZHILI_IMPORT_MAX_MB = env.envint("ZHILI_IMPORT_MAX_MB", 50, minimum=1)
ZHILI_IMPORT_MAX_ROWS = env.envint("ZHILI_IMPORT_MAX_ROWS", 1_000_000, minimum=1)
ZHILI_IMPORT_BACKGROUND_KB = env.envint("ZHILI_IMPORT_BACKGROUND_KB", 1024, minimum=0)
ZHILI_IMPORT_LEASE_SECONDS = env.envint("ZHILI_IMPORT_LEASE_SECONDS", 120, minimum=1)
# Case photos: larger files are refused before they are decoded; the display copy is at most 1280 px.
ZHILI_PHOTO_MAX_MB = env.envint("ZHILI_PHOTO_MAX_MB", 15, minimum=1)
# Map tiles for the case map: a Tianditu or offline tile server URL ({z}/{x}/{y}); empty = a plain vector map
# drawn from the region boundaries. Never an internet tile server by default.
ZHILI_MAP_TILE_URL = env.envstr("ZHILI_MAP_TILE_URL", "")
ZHILI_MAP_TILE_ATTRIBUTION = env.envstr("ZHILI_MAP_TILE_ATTRIBUTION", "")

# Weekly bulletins to the chat groups (zhili.bulletins.robots): the robots used by every subdistrict whose bulletin
# setup names none of its own. Empty: no robot (the setup must name one). Secrets: never logged or shown.
ZHILI_WECOM_WEBHOOK_URL = env.envstr("ZHILI_WECOM_WEBHOOK_URL", "")
ZHILI_DINGTALK_WEBHOOK_URL = env.envstr("ZHILI_DINGTALK_WEBHOOK_URL", "")
ZHILI_DINGTALK_SECRET = env.envstr("ZHILI_DINGTALK_SECRET", "")
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads stream to a temporary file

NINJA_PAGINATION_PER_PAGE = 100
NINJA_PAGINATION_MAX_LIMIT = 1000

# Logs (zhili/core/logs.py): one line per record on stderr, with the request's id and the signed-in person's id
# (or a background run's id); ZHILI_LOG_FORMAT=json for a log collector, text (default) for a terminal. With
# ZHILI_LOG_LEVEL=INFO (production, docs/deploy.md) one access line per request (logger zhili.access): method, path
# without its query string, status, duration — never what was typed — and a line per background run.
LOG_FORMAT = env.envstr("ZHILI_LOG_FORMAT", "text").lower()
if LOG_FORMAT not in ("text", "json"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"环境变量 ZHILI_LOG_FORMAT 的值 {LOG_FORMAT!r} 无效：应为 text 或 json。")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "zhili.core.logs.ContextFilter"}},
    "formatters": {
        "text": {"()": "zhili.core.logs.TextFormatter"},
        "json": {"()": "zhili.core.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["context"], "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.envstr("ZHILI_LOG_LEVEL", "WARNING").upper()},
}

# Operations (zhili/core/health.py, zhili/core/checks.py): when /readyz and `zhili check --deploy` call the worker
# silent and background work stuck, the last backup too old and the disk too full.
ZHILI_WORKER_SILENT_SECONDS = env.envint("ZHILI_WORKER_SILENT_SECONDS", 300, minimum=60)  # a worker beats every 30 s
ZHILI_JOB_STUCK_SECONDS = env.envint("ZHILI_JOB_STUCK_SECONDS", 900, minimum=60)
ZHILI_BACKUP_MAX_AGE_HOURS = env.envint("ZHILI_BACKUP_MAX_AGE_HOURS", 26, minimum=1)
ZHILI_DISK_MIN_FREE_MB = env.envint("ZHILI_DISK_MIN_FREE_MB", 1024, minimum=0)
# Django's deploy checks that zhili.W001–W004 say in Chinese (secret key, DEBUG, allowed hosts, HTTPS and its
# cookies and HSTS), and the HTTPS redirect that nginx does (docs/deploy.md). HSTS for every subdomain and the
# preload list are the domain owner's decision (a township's site is often a subdomain of a government domain).
SILENCED_SYSTEM_CHECKS = [
    "security.W004",
    "security.W005",
    "security.W008",
    "security.W009",
    "security.W012",
    "security.W016",
    "security.W018",
    "security.W020",
    "security.W021",
]

# The targets' figures kept per indicator × region and recounted where records change (zhili/targets/kept.py);
# off, every board, ranking and cockpit counts them from the records on each request.
ZHILI_KEPT_FIGURES = env.envbool("ZHILI_KEPT_FIGURES", True)
