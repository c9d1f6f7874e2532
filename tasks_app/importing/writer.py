"""`plan_import`: a ParsedPlan to rows, in one transaction, idempotently.

Rows are matched by their natural keys (plan key; section/task/target ref; task x agency), so
importing the same document again, or a noisy copy of it, updates the plan in place: nothing is
duplicated, rows no longer in the document are deleted and reported, and workflow state that
people have since recorded on responsibilities (status, dates, progress) is left alone.
"""

import hashlib
from datetime import date
from typing import Any

from django.db import models, transaction

from agencies.models import Agency
from tasks_app.models import Plan, PlanIssuer, Responsibility, Section, Target, Task

from .agency_lookup import agencies_resolve, cities_for_cascade
from .report import ImportReport, KindCounts
from .types import ParsedPlan, ParsedTarget, ParsedTask

_SECTION_FIELDS = ["parent", "number", "title", "order"]
_TASK_FIELDS = ["section", "parent", "number", "title", "text", "kind", "order", "due_on"]
_RESPONSIBILITY_FIELDS = ["role", "focus", "order"]
_TARGET_FIELDS = [
    "task",
    "description",
    "quantity",
    "quantity_max",
    "unit",
    "comparison",
    "year",
    "items",
    "phrase",
    "order",
]


def plan_import(
    parsed: ParsedPlan,
    *,
    create_agencies: bool = False,
    dry_run: bool = False,
    coordinator_name: str | None = None,
) -> ImportReport:
    """Create or update the plan a parsed document describes; all of it or nothing.

    Raises PlanImportError (and writes nothing) when a named body is unknown and
    `create_agencies` is not set. With `dry_run` everything is done and counted, then rolled back.
    """
    coordinator_name = coordinator_name or parsed.coordinator_name
    with transaction.atomic():
        agencies, created = agencies_resolve(
            parsed, coordinator_name=coordinator_name, create=create_agencies
        )
        writer = _PlanWriter(
            parsed,
            agencies=agencies,
            cities=cities_for_cascade(parsed),
            coordinator=agencies.get(coordinator_name) if coordinator_name else None,
        )
        report = writer.write()
        report.created_agencies = created
        if dry_run:
            report.dry_run = True
            transaction.set_rollback(True)
    return report


def plan_key(parsed: ParsedPlan, *, first_issuer: Agency | None) -> str:
    """The 文号; without one, `first issuer|title` (the issuer by its canonical name)."""
    if parsed.doc_number:
        return parsed.doc_number
    return f"{first_issuer.name if first_issuer else ''}|{parsed.title}"[:255]


def _assign(obj: models.Model, values: dict[str, Any]) -> list[str]:
    """Set the values that differ; the names of the fields that changed."""
    changed = []
    for name, value in values.items():
        field = obj._meta.get_field(name)
        if field.is_relation:
            # An unsaved value is a row created in this import: always a change.
            new_id = value.pk if value is not None else None
            if getattr(obj, field.attname) != new_id or (value is not None and new_id is None):
                setattr(obj, name, value)
                changed.append(name)
        elif getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def _create_in_waves(model: type[models.Model], objects: list[models.Model]) -> None:
    """bulk_create parents before the children that point at them (sub-sections, measures)."""
    pending = objects
    while pending:
        ready = [o for o in pending if getattr(o, "parent", None) is None or o.parent.pk]
        if not ready:  # a parent that is never created: a bug in the parser, not in the file
            raise RuntimeError(f"{model.__name__}: 上级未创建：{[o.ref for o in pending]}")
        model.objects.bulk_create(ready)
        pending = [o for o in pending if o.pk is None]


class _PlanWriter:
    def __init__(
        self,
        parsed: ParsedPlan,
        *,
        agencies: dict[str, Agency],
        cities: list[Agency],
        coordinator: Agency | None,
    ) -> None:
        self.parsed = parsed
        self.agencies = agencies
        self.cities = cities
        self.coordinator = coordinator
        self.issuers = list(dict.fromkeys(agencies[name] for name in parsed.issuer_names))
        self.key = plan_key(parsed, first_issuer=self.issuers[0] if self.issuers else None)
        self.report = ImportReport(
            plan_key=self.key, plan_title=parsed.title, doc_number=parsed.doc_number
        )

    def write(self) -> ImportReport:
        self._plan()
        self._issuers()
        sections = self._sections()
        tasks = self._tasks(sections)
        self._responsibilities(tasks)
        self._targets(tasks)
        self._delete_missing(Task, self.existing_tasks, tasks, self.report.tasks)
        self._delete_missing(Section, self.existing_sections, sections, self.report.sections)
        self.report.plan_id = self.plan.pk
        return self.report

    # --- the plan and its issuers -----------------------------------------------------------
    def _plan(self) -> None:
        parsed = self.parsed
        values = {
            "title": parsed.title[:255],
            "doc_number": parsed.doc_number,
            "issued_on": parsed.issued_on,
            "level": parsed.level,
            "period_start": parsed.period_start,
            "period_end": parsed.period_end,
            "coordinating_agency": self.coordinator,
        }
        source = {
            "source_text": parsed.text,
            "source_hash": hashlib.sha256(parsed.text.encode("utf-8")).hexdigest(),
            "source_name": parsed.source_name[:255],
            "source_encoding": parsed.encoding,
        }
        plan = Plan.objects.select_for_update().filter(key=self.key).first()
        self.old_due = self._default_due(plan.period_end) if plan else None
        if plan is None:
            self.plan = Plan.objects.create(key=self.key, **values, **source)
            self.report.plan_status = "created"
            self.existing_sections: dict[str, Section] = {}
            self.existing_tasks: dict[str, Task] = {}
            return
        self.plan = plan
        changed = _assign(plan, values)
        # The same text from another file or encoding (seed 002 is 000 with noise) is no change.
        if plan.source_hash != source["source_hash"]:
            changed += _assign(plan, source)
        if changed:
            plan.save(update_fields=changed)
            self.report.plan_status = "updated"
        self.existing_sections = {s.ref: s for s in Section.objects.filter(plan=plan)}
        self.existing_tasks = {t.ref: t for t in Task.objects.filter(plan=plan)}

    def _issuers(self) -> None:
        existing = {link.agency_id: link for link in PlanIssuer.objects.filter(plan=self.plan)}
        wanted = {agency.pk: order for order, agency in enumerate(self.issuers)}
        stale = [link.pk for agency_id, link in existing.items() if agency_id not in wanted]
        moved = [
            link
            for agency_id, link in existing.items()
            if agency_id in wanted and _assign(link, {"order": wanted[agency_id]})
        ]
        new = [
            PlanIssuer(plan=self.plan, agency_id=agency_id, order=order)
            for agency_id, order in wanted.items()
            if agency_id not in existing
        ]
        PlanIssuer.objects.filter(pk__in=stale).delete()
        PlanIssuer.objects.bulk_update(moved, ["order"])
        PlanIssuer.objects.bulk_create(new)
        if (stale or moved or new) and self.report.plan_status == "unchanged":
            self.report.plan_status = "updated"

    # --- sections and tasks -----------------------------------------------------------------
    def _sections(self) -> dict[str, Section]:
        wanted: dict[str, Section] = {}
        changed: list[Section] = []
        new: list[Section] = []
        counts = self.report.sections
        for order, parsed in enumerate(self.parsed.sections):
            values = {
                "parent": wanted.get(parsed.parent_ref) if parsed.parent_ref else None,
                "number": parsed.number,
                "title": parsed.title[:255],
                "order": order,
            }
            section = self._upsert(
                Section, self.existing_sections, parsed.ref, values, counts, changed, new
            )
            wanted[parsed.ref] = section
        _create_in_waves(Section, new)
        Section.objects.bulk_update(changed, _SECTION_FIELDS)
        return wanted

    def _tasks(self, sections: dict[str, Section]) -> dict[str, Task]:
        wanted: dict[str, Task] = {}
        changed: list[Task] = []
        new: list[Task] = []
        due = self._default_due(self.parsed.period_end)
        for order, parsed in enumerate(self.parsed.tasks):
            existing = self.existing_tasks.get(parsed.ref)
            # A due date someone has changed since the last import is theirs to keep.
            keep_due = existing is not None and existing.due_on not in (None, self.old_due)
            values = {
                "section": sections.get(parsed.section_ref) if parsed.section_ref else None,
                "parent": wanted.get(parsed.parent_ref) if parsed.parent_ref else None,
                "number": parsed.number[:16],
                "title": parsed.title[:255],
                "text": parsed.text,
                "kind": parsed.kind,
                "order": order,
                "due_on": existing.due_on if keep_due else due,
            }
            task = self._upsert(
                Task, self.existing_tasks, parsed.ref, values, self.report.tasks, changed, new
            )
            wanted[parsed.ref] = task
        _create_in_waves(Task, new)
        Task.objects.bulk_update(changed, _TASK_FIELDS)
        return wanted

    def _upsert(
        self,
        model: type[models.Model],
        existing: dict[str, models.Model],
        ref: str,
        values: dict[str, Any],
        counts: KindCounts,
        changed: list,
        new: list,
    ) -> models.Model:
        obj = existing.get(ref)
        if obj is None:
            obj = model(plan=self.plan, ref=ref, **values)
            new.append(obj)
            counts.created += 1
        elif _assign(obj, values):
            changed.append(obj)
            counts.updated += 1
        else:
            counts.unchanged += 1
        return obj

    # --- responsibilities -------------------------------------------------------------------
    def _responsibilities(self, tasks: dict[str, Task]) -> None:
        counts = self.report.responsibilities
        existing = {
            (r.task_id, r.agency_id): r
            for r in Responsibility.objects.filter(task__plan=self.plan).select_related(
                "task", "agency"
            )
        }
        demoted, changed, new, seen = [], [], [], set()
        for parsed in self.parsed.tasks:
            task = tasks[parsed.ref]
            for order, (agency, role, focus) in enumerate(self._responsible(parsed)):
                key = (task.pk, agency.pk)
                seen.add(key)
                current = existing.get(key)
                if current is None:
                    new.append(self._new_responsibility(task, agency, role, focus, order))
                    counts.created += 1
                    continue
                was_lead = current.role == Responsibility.Role.LEAD
                if _assign(current, {"role": role, "focus": focus[:255], "order": order}):
                    (demoted if was_lead and role != current.Role.LEAD else changed).append(current)
                    counts.updated += 1
                else:
                    counts.unchanged += 1
        stale = [r for key, r in existing.items() if key not in seen]
        counts.deleted = len(stale)
        counts.deleted_refs = [f"{r.task.ref}:{r.agency}" for r in stale]
        # One lead per task is a database constraint: make room before naming the new lead.
        Responsibility.objects.filter(pk__in=[r.pk for r in stale]).delete()
        Responsibility.objects.bulk_update(demoted, _RESPONSIBILITY_FIELDS)
        Responsibility.objects.bulk_update(changed, _RESPONSIBILITY_FIELDS)
        Responsibility.objects.bulk_create(new)

    def _responsible(self, parsed: ParsedTask) -> list[tuple[Agency, str, str]]:
        """(agency, role, focus) for one task: as named, then the cities it cascades to."""
        entries = [(self.agencies[r.name], r.role, r.focus) for r in parsed.responsibilities]
        if parsed.cascade_to_cities:
            entries += [(city, Responsibility.Role.IMPLEMENTING, "") for city in self.cities]
        unique: dict[int, tuple[Agency, str, str]] = {}
        for agency, role, focus in entries:
            unique.setdefault(agency.pk, (agency, role, focus))  # first mention wins
        return list(unique.values())

    @staticmethod
    def _new_responsibility(
        task: Task, agency: Agency, role: str, focus: str, order: int
    ) -> Responsibility:
        return Responsibility(
            task=task,
            agency=agency,
            role=role,
            focus=focus[:255],
            order=order,
            due_on=task.due_on,
            original_due_on=task.due_on,
        )

    # --- targets ----------------------------------------------------------------------------
    def _targets(self, tasks: dict[str, Task]) -> None:
        counts = self.report.targets
        existing = {t.ref: t for t in Target.objects.filter(plan=self.plan)}
        wanted: list[tuple[str, Task | None, ParsedTarget]] = [
            (f"plan#{i}", None, target) for i, target in enumerate(self.parsed.targets, 1)
        ]
        for parsed in self.parsed.tasks:
            wanted += [
                (f"{parsed.ref}#{i}", tasks[parsed.ref], target)
                for i, target in enumerate(parsed.targets, 1)
            ]
        changed: list[Target] = []
        new: list[Target] = []
        for order, (ref, task, target) in enumerate(wanted):
            values = self._target_values(target, task=task, order=order)
            self._upsert(Target, existing, ref, values, counts, changed, new)
        Target.objects.bulk_update(changed, _TARGET_FIELDS)
        Target.objects.bulk_create(new)
        refs = {ref for ref, _, _ in wanted}
        self._delete_missing(Target, existing, refs, counts)

    @staticmethod
    def _target_values(target: ParsedTarget, *, task: Task | None, order: int) -> dict[str, Any]:
        return {
            "task": task,
            "description": target.description[:255],
            "quantity": target.quantity,
            "quantity_max": target.quantity_max,
            "unit": target.unit[:16],
            "comparison": target.comparison,
            "year": target.year,
            "items": target.items,
            "phrase": target.phrase[:255],
            "order": order,
        }

    # --- helpers ----------------------------------------------------------------------------
    @staticmethod
    def _delete_missing(model, existing: dict[str, models.Model], wanted, counts: KindCounts):
        stale = sorted(ref for ref in existing if ref not in wanted)
        if stale:
            model.objects.filter(pk__in=[existing[ref].pk for ref in stale]).delete()
        counts.deleted = len(stale)
        counts.deleted_refs = stale

    @staticmethod
    def _default_due(period_end: int | None) -> date | None:
        return date(period_end, 12, 31) if period_end else None
