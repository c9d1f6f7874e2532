"""Reads about agencies that more than one place needs: what merging one into another would do."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tasks_app.importing.writer import plan_key
from tasks_app.models import Plan, Responsibility, Task

from .models import Agency, AgencyAlias, ReminderContact
from .resolver import normalize_name

CONFLICTS_NAMED = 20


@dataclass
class AgencyMergePreview:
    """What `agency_merge` would move from `source` to `target`, and why it would refuse."""

    source: Agency
    target: Agency
    responsibilities: int = 0
    users: int = 0
    contacts: int = 0
    duplicate_contacts: int = 0  # same email already at the target: kept there, not moved
    issued_plans: int = 0
    coordinated_plans: int = 0
    children: int = 0
    aliases: int = 0
    new_alias_names: list[str] = field(default_factory=list)
    plan_ids: list[int] = field(default_factory=list)  # every plan the merge touches
    rekeyed_plans: dict[int, str] = field(default_factory=dict)  # plan id: its new key
    problems: list[str] = field(default_factory=list)  # non-empty: the merge is refused


def agency_subtree_ids(agency: Agency) -> set[int]:
    """The agency and every agency below it (children, their children, …)."""
    found, frontier = {agency.pk}, {agency.pk}
    while frontier:
        frontier = set(
            Agency.objects.filter(parent_id__in=frontier)
            .exclude(pk__in=found)
            .values_list("pk", flat=True)
        )
        found |= frontier
    return found


def agency_merge_preview(*, source: Agency, target: Agency) -> AgencyMergePreview:
    """Counts of what moves, the names the target gains, and every reason to refuse."""
    preview = AgencyMergePreview(source=source, target=target)
    if target.pk in agency_subtree_ids(source):
        preview.problems.append(
            _("不能把单位合并到它自己。")
            if target.pk == source.pk
            else _("不能把单位合并到它的下级单位“%(target)s”。") % {"target": target.name}
        )
        return preview
    _count_moves(preview)
    preview.new_alias_names = _new_alias_names(source, target)
    _find_conflicts(preview)
    return preview


def _count_moves(preview: AgencyMergePreview) -> None:
    source, target = preview.source, preview.target
    responsibilities = Responsibility.objects.filter(agency=source)
    preview.responsibilities = responsibilities.count()
    preview.users = source.users.count()
    preview.contacts = merge_contacts_to_move(source=source, target=target).count()
    preview.duplicate_contacts = source.reminder_contacts.count() - preview.contacts
    issued = Plan.objects.filter(issuer_links__agency=source)
    coordinated = Plan.objects.filter(coordinating_agency=source)
    preview.issued_plans = issued.count()
    preview.coordinated_plans = coordinated.count()
    preview.children = source.children.count()
    preview.aliases = source.aliases.count()
    plan_ids = {
        *responsibilities.values_list("task__plan_id", flat=True),
        *issued.values_list("pk", flat=True),
        *coordinated.values_list("pk", flat=True),
    }
    preview.plan_ids = sorted(plan_ids)


def merge_contacts_to_move(*, source: Agency, target: Agency) -> QuerySet[ReminderContact]:
    """The source's reminder contacts whose address (case-insensitive) the target does not have;
    the others are deleted with the source."""
    target_emails = target.reminder_contacts.annotate(e=Lower("email")).values("e")
    return source.reminder_contacts.annotate(e=Lower("email")).exclude(e__in=target_emails)


def _new_alias_names(source: Agency, target: Agency) -> list[str]:
    """The source's name and short name, unless the target already answers to them or the name
    is already some agency's alias (alias names are unique)."""
    answered = {normalize_name(target.name), normalize_name(target.short_name)}
    names = []
    for name in (source.name, source.short_name):
        if name and normalize_name(name) not in answered and name not in names:
            names.append(name)
    taken = set(AgencyAlias.objects.filter(name__in=names).values_list("name", flat=True))
    return [name for name in names if name not in taken]


def _find_conflicts(preview: AgencyMergePreview) -> None:
    """Rows that cannot move without losing one of two: both agencies on one task, both issuers
    of one plan, or a plan whose import key (first issuer|title) would collide."""
    source, target = preview.source, preview.target
    tasks = list(
        Task.objects.filter(responsibilities__agency=source)
        .filter(responsibilities__agency=target)
        .select_related("plan")
        .order_by("plan_id", "order", "id")
    )
    if tasks:
        preview.problems.append(
            _(
                "“%(source)s”和“%(target)s”同时承担以下%(count)s项任务，合并后将各有两条责任分工："
                "%(tasks)s。请先在这些任务中调整或删除其中一个单位的责任分工，再合并。"
            )
            % {
                "source": source.name,
                "target": target.name,
                "count": len(tasks),
                "tasks": _named([f"《{t.plan}》{t}" for t in tasks]),
            }
        )
    plans = list(
        Plan.objects.filter(issuer_links__agency=source)
        .filter(issuer_links__agency=target)
        .order_by("pk")
    )
    if plans:
        preview.problems.append(
            _("“%(source)s”和“%(target)s”同为以下规划方案的发文单位：%(plans)s。请先删除其中一个。")
            % {
                "source": source.name,
                "target": target.name,
                "plans": _named([f"《{p}》" for p in plans]),
            }
        )
    _find_key_collisions(preview)


def _find_key_collisions(preview: AgencyMergePreview) -> None:
    """Plans without a 文号 are keyed by their first issuer's name; keep re-imports matching."""
    for plan in Plan.objects.filter(issuer_links__agency=preview.source, doc_number=""):
        # A Plan has the doc_number and title plan_key reads from a parsed plan.
        if plan.key == plan_key(plan, first_issuer=preview.source):
            new_key = plan_key(plan, first_issuer=preview.target)
            if new_key != plan.key:
                preview.rekeyed_plans[plan.pk] = new_key
    taken = Plan.objects.filter(key__in=preview.rekeyed_plans.values()).exclude(
        pk__in=preview.rekeyed_plans
    )
    for plan in taken:
        preview.problems.append(
            _("合并后规划方案的标识将与已有方案《%(plan)s》（%(key)s）重复，请先处理重复的方案。")
            % {"plan": plan, "key": plan.key}
        )


def _named(labels: list[str]) -> str:
    shown = pgettext("list separator", "、").join(labels[:CONFLICTS_NAMED])
    if len(labels) > CONFLICTS_NAMED:
        return _("%(shown)s等%(count)s项") % {"shown": shown, "count": len(labels)}
    return shown
