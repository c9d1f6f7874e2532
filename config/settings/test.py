"""Tests: SQLite unless DATABASE_URL is set; fast hashing; mail kept in memory unless a test says otherwise."""

import os

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env("SECRET_KEY", default="test-only-not-secret")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
LANGUAGE_CODE = "zh-hans"

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not SQLite's shared in-memory database: in memory, concurrent transactions fail
    # at once with "table is locked" instead of waiting as they do in the service (WAL,
    # BEGIN IMMEDIATE, busy timeout). One file per process, so that two test runs in the same
    # checkout do not share one (pytest-django also suffixes the name per xdist worker).
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

# Each test process keeps its own cache: a shared Redis cache would leak throttle counts between
# parallel test workers (and cache.clear() would flush the Redis database the broker uses).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
