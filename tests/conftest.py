"""Shared test fixtures. Tests use the real database configured by DATABASE_URL (SQLite otherwise)."""

import pytest
from django.core.management import call_command


@pytest.fixture
def agencies(db):
    """The shipped agencies and aliases (fixtures/agencies.json)."""
    call_command("loaddata", "fixtures/agencies.json", verbosity=0)
