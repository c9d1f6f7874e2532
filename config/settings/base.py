"""Settings shared by every environment. Everything that varies comes from the environment, here."""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL selects PostgreSQL (postgres://user:pass@host:5432/name); without it the service
# runs on an embedded SQLite file under var/.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'duban.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    # WAL and a busy timeout let the web server, the worker and beat share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # The covering index's INCLUDE columns are a PostgreSQL optimisation; SQLite keeps the key.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation costs the service's list and dashboard queries more than it saves (their
    # plans cross jit_above_cost at 100,000 tasks, then spend ~100 ms compiling): off.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Applications ---------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "agencies",
    "tasks_app",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ServiceLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "agencies.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Email ----------------------------------------------------------------------------------
# EMAIL_URL, e.g. smtp://user:password@mail.example.org:587/?tls=True ; default: console.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="督查督办系统 <duban@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------------------------
# REDIS_URL selects Redis as the broker; without it Celery uses kombu's embedded filesystem
# transport under var/broker/ so that `make run` needs no Redis.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # One cache for every process (web workers, Celery): API throttling counts per user across
    # gunicorn workers, not per process.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "duban",
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    _broker_dir = VAR_DIR / "broker"
    for _folder in ("out", "processed"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {}

# --- REST framework -------------------------------------------------------------------------
# The API under /api/v1/ (tasks_app.api; see README "API"). Per-user revocable tokens first, so
# that an anonymous call gets 401 with a challenge; the session for the browser (and Swagger UI).
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "tasks_app.api.schema.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tasks_app.api.authentication.AccessTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "tasks_app.api.pagination.IdCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["tasks_app.api.throttling.PerUserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": env("API_THROTTLE_USER", default="1200/minute"),
        "calendar": env("API_THROTTLE_CALENDAR", default="60/minute"),
    },
    "EXCEPTION_HANDLER": "tasks_app.api.errors.api_exception_handler",
    "URL_FORMAT_OVERRIDE": None,
    "DEFAULT_METADATA_CLASS": None,  # OPTIONS: 405; the OpenAPI schema describes the API
}
SPECTACULAR_SETTINGS = {
    "TITLE": "督查督办 API",
    "DESCRIPTION": (
        "江苏省规划任务督查督办服务的 REST API。认证：`Authorization: Token <令牌>`（/api/v1/tokens/ "
        "创建、吊销）或浏览器会话。更新须带 If-Match（详情响应头中的 ETag）。错误统一为 "
        "{code, message, field_errors}；Accept-Language: en 返回英文说明。"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],  # the schema and Swagger UI are public; the API is not
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "ResponsibilityStatusEnum": "tasks_app.models.plans.Responsibility.Status",
        "ResponsibilityRoleEnum": "tasks_app.models.plans.Responsibility.Role",
        "ColourEnum": "tasks_app.api.schema.COLOUR_CHOICES",
        "TransitionActionEnum": "tasks_app.api.schema.TRANSITION_ACTIONS",
        "EventActionEnum": "tasks_app.models.workflow.Action",
        "AgencyKindEnum": "agencies.models.Agency.Kind",
        "AgencyLevelEnum": "agencies.models.Agency.Level",
        "TaskKindEnum": "tasks_app.models.plans.Task.Kind",
        "PlanLevelEnum": "tasks_app.models.plans.Plan.Level",
        "ReportStatusEnum": "tasks_app.models.reports.ProgressReport.Status",
        "ExtensionStatusEnum": "tasks_app.models.workflow.ExtensionRequest.Status",
        "ReminderEmailStatusEnum": "tasks_app.models.reminders.ReminderDigest.Status",
        "UserRoleEnum": "agencies.models.User.Role",
    },
}

# --- Domain settings ------------------------------------------------------------------------
# Working days an assigned responsibility may wait before 签收 is flagged late.
DUBAN_ACCEPT_WITHIN_WORKING_DAYS = env.int("DUBAN_ACCEPT_WITHIN_WORKING_DAYS", default=3)
# Working days before a due date that turn an item amber.
DUBAN_AMBER_WITHIN_WORKING_DAYS = env.int("DUBAN_AMBER_WITHIN_WORKING_DAYS", default=10)

# Evidence attachments to progress reports: size limit (bytes); the type is checked by content.
DUBAN_ATTACHMENT_MAX_BYTES = env.int("DUBAN_ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# --- Reminders (催办) — owned by tasks_app.reminders; see README "Reminders" ----------------------
# Defaults for every plan; a plan's ReminderPolicy (admin) overrides any of the rule settings.
from celery.schedules import crontab  # noqa: E402

REMINDERS_SEND_AT = env("REMINDERS_SEND_AT", default="09:00")  # local time, on working days
REMINDERS_DUE_SOON_OFFSETS = tuple(
    env.list("REMINDERS_DUE_SOON_OFFSETS", cast=int, default=[10, 3, 1])
)
REMINDERS_OVERDUE_EVERY = env.int("REMINDERS_OVERDUE_EVERY", default=5)
# 签收 is chased once DUBAN_ACCEPT_WITHIN_WORKING_DAYS have passed, then every N working days.
REMINDERS_ACCEPT_EVERY = env.int("REMINDERS_ACCEPT_EVERY", default=5)
REMINDERS_REPORT_DUE_OFFSETS = tuple(
    env.list("REMINDERS_REPORT_DUE_OFFSETS", cast=int, default=[3])
)
REMINDERS_ESCALATE_AFTER_OVERDUE = env.int("REMINDERS_ESCALATE_AFTER_OVERDUE", default=10)
REMINDERS_ESCALATE_AFTER_REMINDERS = env.int("REMINDERS_ESCALATE_AFTER_REMINDERS", default=3)
# Unanswered reminders older than this (calendar days) no longer count towards escalation.
REMINDERS_ESCALATION_LOOKBACK_DAYS = env.int("REMINDERS_ESCALATION_LOOKBACK_DAYS", default=90)
# Delivery: a claimed email is leased; a lease that runs out (worker killed) is claimed again.
REMINDERS_SEND_LEASE_SECONDS = env.int("REMINDERS_SEND_LEASE_SECONDS", default=300)
REMINDERS_SMTP_MAX_ATTEMPTS = env.int("REMINDERS_SMTP_MAX_ATTEMPTS", default=8)
REMINDERS_SMTP_BACKOFF_SECONDS = env.int("REMINDERS_SMTP_BACKOFF_SECONDS", default=60)
REMINDERS_SMTP_BACKOFF_MAX_SECONDS = env.int("REMINDERS_SMTP_BACKOFF_MAX_SECONDS", default=3600)
# Emails per delivery task. Each task pays for a database connection, a claim, two queries and
# an SMTP session (~15 ms of CPU across worker, database and mail server): 10-20% of the cost of
# each email in tasks of 50, a few percent in tasks of 200.
REMINDERS_DELIVERY_BATCH = env.int("REMINDERS_DELIVERY_BATCH", default=200)
REMINDERS_DELIVER_DUE_EVERY_SECONDS = env.int("REMINDERS_DELIVER_DUE_EVERY_SECONDS", default=60)
REMINDERS_CELERY_QUEUE = env("REMINDERS_CELERY_QUEUE", default="celery")
REMINDERS_MESSAGE_ID_DOMAIN = env("REMINDERS_MESSAGE_ID_DOMAIN", default="")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

_reminders_hour, _reminders_minute = (int(part) for part in REMINDERS_SEND_AT.split(":"))
CELERY_BEAT_SCHEDULE.update(
    {
        # The sweep itself skips days that are not working days (official calendar).
        "reminders-sweep": {
            "task": "tasks_app.reminders.tasks.reminders_sweep",
            "schedule": crontab(hour=_reminders_hour, minute=_reminders_minute),
        },
        # Retries that are due, expired leases (worker killed), broker messages lost.
        "reminders-deliver-due": {
            "task": "tasks_app.reminders.tasks.reminders_deliver_due",
            "schedule": float(REMINDERS_DELIVER_DUE_EVERY_SECONDS),
        },
        # Today's sweep if beat was down at the send time (a no-op once it ran).
        "reminders-sweep-if-missed": {
            "task": "tasks_app.reminders.tasks.reminders_sweep_if_missed",
            "schedule": 600.0,
        },
    }
)
# --- end of Reminders ------------------------------------------------------------------------
