"""Writes about agencies that touch more than one table: merging one agency into another."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F, ProtectedError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks_app.access import is_administrator
from tasks_app.errors import DomainError, PermissionDenied
from tasks_app.models import Action, Event, Plan, PlanIssuer, Responsibility

from .models import Agency, AgencyAlias, User
from .selectors import AgencyMergePreview, agency_merge_preview, merge_contacts_to_move

# Every relation to Agency that agency_merge moves (tests/test_agency_merge.py holds the model to
# this list, so a new ForeignKey to Agency fails a test until the merge handles it).
MERGED_RELATIONS = frozenset(
    {
        "agencies.Agency.parent",
        "agencies.AgencyAlias.agency",
        "agencies.ReminderContact.agency",
        "agencies.User.agency",
        "tasks_app.Plan.coordinating_agency",
        "tasks_app.Plan.issuers",
        "tasks_app.PlanIssuer.agency",
        "tasks_app.Responsibility.agency",
    }
)


class AgencyMergeRefused(DomainError):
    code = "agency_merge_refused"
    http_status = 409
    default_message = gettext_lazy("不能合并这两个单位。")


@transaction.atomic
def agency_merge(*, source: Agency, target: Agency, actor: User) -> AgencyMergePreview:
    """Move everything that refers to `source` to `target`, keep the source's names as the
    target's aliases, record an Event on every plan concerned, then delete `source`.

    Refuses (AgencyMergeRefused, nothing changed) when the two share a task or a plan's issuers,
    or when `target` is `source` or below it. Returns what was moved."""
    if not is_administrator(actor):
        raise PermissionDenied(_("只有系统管理员可以合并单位。"))
    rows = Agency.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")
    locked = {agency.pk: agency for agency in rows}
    if source.pk not in locked or target.pk not in locked:
        raise AgencyMergeRefused(_("所选单位不存在，可能已被合并或删除。"))
    source, target = locked[source.pk], locked[target.pk]
    preview = agency_merge_preview(source=source, target=target)
    if preview.problems:
        raise AgencyMergeRefused(" ".join(preview.problems))
    moved = _responsibilities_by_plan(source)
    try:
        with transaction.atomic():
            _move_rows(preview)
            _record_events(preview, moved=moved, actor=actor)
            source.delete()
    except (IntegrityError, ProtectedError):
        # Someone assigned the same task to the target, or the source to something, meanwhile.
        raise AgencyMergeRefused(_("合并时数据已被他人修改，请刷新页面后重试。")) from None
    return preview


def _responsibilities_by_plan(agency: Agency) -> dict[int, list[int]]:
    moved: dict[int, list[int]] = {}
    rows = Responsibility.objects.filter(agency=agency).order_by("pk")
    for plan_id, pk in rows.values_list("task__plan_id", "pk"):
        moved.setdefault(plan_id, []).append(pk)
    return moved


def _move_rows(preview: AgencyMergePreview) -> None:
    source, target = preview.source, preview.target
    Responsibility.objects.filter(agency=source).update(agency=target, version=F("version") + 1)
    PlanIssuer.objects.filter(agency=source).update(agency=target)
    Plan.objects.filter(coordinating_agency=source).update(coordinating_agency=target)
    for plan_id, key in preview.rekeyed_plans.items():
        Plan.objects.filter(pk=plan_id).update(key=key)
    User.objects.filter(agency=source).update(agency=target)
    merge_contacts_to_move(source=source, target=target).update(agency=target)
    Agency.objects.filter(parent=source).update(parent=target)
    source.aliases.update(agency=target)
    AgencyAlias.objects.bulk_create(
        AgencyAlias(agency=target, name=name) for name in preview.new_alias_names
    )


def _record_events(
    preview: AgencyMergePreview, *, moved: dict[int, list[int]], actor: User
) -> None:
    """One Event per plan concerned. `from_agency` keeps the deleted source's id: older events'
    `data` may still name it."""
    source, target = preview.source, preview.target
    reason = _("单位合并：“%(source)s”并入“%(target)s”。") % {
        "source": source.name,
        "target": target.name,
    }
    Event.objects.bulk_create(
        Event(
            plan_id=plan_id,
            actor=actor,
            action=Action.MERGE_AGENCY,
            reason=reason,
            data={
                "from": source.name,
                "to": target.name,
                "from_agency": source.pk,
                "to_agency": target.pk,
                "responsibilities": moved.get(plan_id, []),
            },
        )
        for plan_id in preview.plan_ids
    )
