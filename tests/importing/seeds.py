"""The five source documents, and a snapshot of every table an import may touch."""

from pathlib import Path

from django.conf import settings

from agencies.models import Agency, AgencyAlias
from agencies.resolver import AgencyResolver
from tasks_app.importing.parser import parse_plan
from tasks_app.importing.report import ImportReport
from tasks_app.importing.types import ParsedPlan
from tasks_app.importing.writer import plan_import
from tasks_app.models import Plan, PlanIssuer, Responsibility, Section, Target, Task

SOURCES = Path(settings.BASE_DIR) / "fixtures" / "sources"
SEEDS = {
    "000": SOURCES / "000_1aff54e3dc76f4fa.txt",
    "001": SOURCES / "001_2443923159542c17.txt",
    "002": SOURCES / "002_4b3cfdaec6797ff3.txt",
    "003": SOURCES / "003_a2bb1459e1f37d22.txt",
    "004": SOURCES / "004_b45a80a6d25750fc.txt",
}


def seed_bytes(seed: str) -> bytes:
    return SEEDS[seed].read_bytes()


def seed_text(seed: str) -> str:
    return SEEDS[seed].read_text(encoding="utf-8")


def parsed_seed(seed: str) -> ParsedPlan:
    return parse_plan(seed_bytes(seed), source_name=SEEDS[seed].name)


def import_seed(seed: str, **options) -> ImportReport:
    return plan_import(parsed_seed(seed), **options)


def import_text(text: str, *, encoding: str = "utf-8", **options) -> ImportReport:
    return plan_import(parse_plan(text.encode(encoding), source_name="edited.txt"), **options)


def row_counts() -> dict[str, int]:
    """How many rows each table an import writes holds (to show that nothing changed)."""
    models = (Agency, AgencyAlias, Plan, PlanIssuer, Section, Task, Responsibility, Target)
    return {model.__name__: model.objects.count() for model in models}


def agency_ids(names: list[str]) -> list[int]:
    """The agencies the names (as a document writes them) resolve to."""
    resolver = AgencyResolver.load()
    agencies = [resolver.resolve(name) for name in names]
    assert None not in agencies, [n for n, a in zip(names, agencies, strict=True) if a is None]
    return [agency.pk for agency in agencies]
