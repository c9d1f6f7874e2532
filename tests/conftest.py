"""Shared test fixtures. Tests use the real database configured by DATABASE_URL (SQLite otherwise)."""

import pytest
from django.core.management import call_command
from django.utils import translation


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language (zh-hans). LocaleMiddleware leaves the language
    of the last request active in the thread, so a request in English would otherwise turn the
    next test's messages English."""
    yield
    translation.deactivate()


@pytest.fixture
def agencies(db):
    """The shipped agencies and aliases (fixtures/agencies.json)."""
    call_command("loaddata", "fixtures/agencies.json", verbosity=0)
