"""Loading the reference data the service ships with (fixtures/) without touching live data."""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.db import transaction

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
REFERENCE_FIXTURES = ("agencies.json", "plans.json")


@dataclass
class LoadResult:
    created: int = 0
    existing: int = 0


def reference_fixture_load(path: Path) -> LoadResult:
    """Create the fixture's objects that do not exist yet (by natural key); leave the rest alone.

    `loaddata` would overwrite rows that users have since edited (reminder contacts, deadlines,
    workflow state); loading only what is missing makes `make run` safe to repeat.
    """
    result = LoadResult()
    with transaction.atomic(), path.open(encoding="utf-8") as stream:
        for deserialized in serializers.deserialize(
            "json", stream, handle_forward_references=False
        ):
            if deserialized.object.pk is not None:
                result.existing += 1
                continue
            deserialized.save()
            result.created += 1
    return result
