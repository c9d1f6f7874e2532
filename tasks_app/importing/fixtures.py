"""The shipped plans (fixtures/plans.json): the five source documents, imported and serialised.

`plans_fixture_dump()` serialises whatever plans the database holds, deterministically and
without primary keys (natural keys throughout), so that importing fixtures/sources/ into an empty
database and dumping gives fixtures/plans.json byte for byte (tests check it).
"""

import json
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder

from tasks_app.models import Plan, PlanIssuer, Responsibility, Section, Target, Task

from .parser import parse_plan
from .report import ImportReport
from .writer import plan_import

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
SOURCES_DIR = FIXTURES_DIR / "sources"
AGENCIES_FIXTURE = FIXTURES_DIR / "agencies.json"
PLANS_FIXTURE = FIXTURES_DIR / "plans.json"

# What the importer writes, per model. Responsibilities' workflow state (status, timestamps,
# progress) is not reference data: loading the fixture starts every responsibility afresh.
_FIELDS = {
    Plan: [
        "key",
        "title",
        "doc_number",
        "coordinating_agency",
        "issued_on",
        "level",
        "period_start",
        "period_end",
        "source_name",
        "source_encoding",
        "source_text",
        "source_hash",
    ],
    PlanIssuer: ["plan", "agency", "order"],
    Section: ["plan", "parent", "ref", "number", "title", "order"],
    Task: [
        "plan",
        "section",
        "parent",
        "ref",
        "number",
        "title",
        "text",
        "kind",
        "order",
        "due_on",
    ],
    Responsibility: ["task", "agency", "role", "focus", "order", "due_on", "original_due_on"],
    Target: [
        "plan",
        "task",
        "ref",
        "description",
        "quantity",
        "quantity_max",
        "unit",
        "comparison",
        "year",
        "items",
        "phrase",
        "order",
    ],
}


def seed_paths() -> list[Path]:
    """The source documents shipped with the service, in file-name order."""
    return sorted(SOURCES_DIR.glob("*.txt"))


def seeds_import(paths: list[Path] | None = None) -> list[ImportReport]:
    """Import the shipped source documents (all must resolve to known agencies)."""
    return [
        plan_import(parse_plan(path.read_bytes(), source_name=path.name))
        for path in (paths if paths is not None else seed_paths())
    ]


def plans_fixture_dump() -> str:
    """Every plan in the database as a Django JSON fixture with natural keys and no pks."""
    objects: list[dict] = []
    for model, queryset in _querysets().items():
        for item in serializers.serialize(
            "python",
            queryset,
            fields=_FIELDS[model],
            use_natural_foreign_keys=True,
            use_natural_primary_keys=True,
        ):
            # PlanIssuer has no natural key of its own: its (plan, agency) pair identifies it.
            item.pop("pk", None)
            objects.append(item)
    return json.dumps(objects, cls=DjangoJSONEncoder, indent=1, ensure_ascii=False) + "\n"


def _querysets() -> dict:
    return {
        Plan: Plan.objects.select_related("coordinating_agency").order_by("key"),
        PlanIssuer: PlanIssuer.objects.select_related("plan", "agency").order_by(
            "plan__key", "order"
        ),
        Section: Section.objects.select_related("plan", "parent__plan").order_by(
            "plan__key", "order"
        ),
        Task: Task.objects.select_related("plan", "section__plan", "parent__plan").order_by(
            "plan__key", "order"
        ),
        Responsibility: Responsibility.objects.select_related("task__plan", "agency").order_by(
            "task__plan__key", "task__order", "order"
        ),
        Target: Target.objects.select_related("plan", "task__plan").order_by("plan__key", "order"),
    }
