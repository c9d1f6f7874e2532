"""Manual 催办: a coordinator reminds the agencies of selected items now, with an optional note.

Logged like any reminder (ledger rows, a digest per recipient, delivery attempts) and, in the
same transaction, as a REMIND event on each item with the acting coordinator.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Value
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from tasks_app.access import Capacity, capacities
from tasks_app.errors import InvalidInput, PermissionDenied
from tasks_app.models import Action, Event, ReminderKind, ReminderSweep, Responsibility
from tasks_app.selectors import ColourRules

from . import recipients
from .rules import Selection, colour_grade
from .sweep import delivery_enqueue, digests_create, entries_insert, ledger_lock

NOTE_MAX_LENGTH = 500


@dataclass
class ManualResult:
    reminded: list[int] = field(default_factory=list)
    skipped_final: int = 0
    entries_created: int = 0
    digest_ids: list[int] = field(default_factory=list)


def _chosen(responsibility_ids: Iterable[int], actor: User) -> list[Responsibility]:
    chosen = list(
        Responsibility.objects.filter(pk__in=list(responsibility_ids)).select_related("task__plan")
    )
    if not chosen:
        raise InvalidInput(_("请选择要催办的事项。"))
    if any(Capacity.COORDINATOR not in capacities(actor, item) for item in chosen):
        raise PermissionDenied(_("只有本方案的督办员可以催办所选事项。"))
    return chosen


def reminders_send_now(
    *, responsibility_ids: Iterable[int], actor: User, note: str = ""
) -> ManualResult:
    """Remind the agencies (contacts and assigned staff) of the selected open items now."""
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise InvalidInput(
            _("催办说明不能超过%(n)s字。") % {"n": NOTE_MAX_LENGTH},
            field_errors={"note": [_("内容过长。")]},
        )
    chosen = _chosen(responsibility_ids, actor)
    open_items = [item for item in chosen if item.is_open]
    result = ManualResult(skipped_final=len(chosen) - len(open_items))
    if not open_items:
        raise InvalidInput(_("所选事项均已办结或中止，无需催办。"))
    with transaction.atomic():
        ledger_lock()
        now = timezone.now()
        sweep = ReminderSweep.objects.create(
            day=timezone.localdate(now), trigger=ReminderSweep.Trigger.MANUAL, actor=actor
        )
        Event.objects.bulk_create(_events(open_items, actor=actor, note=note, sweep=sweep))
        selected = Responsibility.objects.filter(pk__in=[item.pk for item in open_items])
        manual = Selection(
            kind=ReminderKind.MANUAL,
            responsibilities=selected.annotate(
                period=Value(f"manual/{sweep.pk}"),
                grade=colour_grade(ColourRules.on(sweep.day)),
            ),
            roles=recipients.EVERYDAY,
        )
        result.entries_created = entries_insert(chosen=manual, sweep=sweep, now=now, note=note)
        result.digest_ids = digests_create(sweep=sweep, now=now) if result.entries_created else []
        ReminderSweep.objects.filter(pk=sweep.pk).update(
            finished_at=timezone.now(),
            entries_created=result.entries_created,
            digests_created=len(result.digest_ids),
            counts={ReminderKind.MANUAL: result.entries_created},
        )
        digest_ids = list(result.digest_ids)
        transaction.on_commit(lambda: delivery_enqueue(digest_ids))
    result.reminded = [item.pk for item in open_items]
    return result


def _events(items: list[Responsibility], *, actor: User, note: str, sweep) -> list[Event]:
    return [
        Event(
            plan_id=item.task.plan_id,
            task_id=item.task_id,
            responsibility=item,
            actor=actor,
            action=Action.REMIND,
            from_status=item.status,
            to_status=item.status,
            reason=note,
            data={"kind": ReminderKind.MANUAL, "sweep": sweep.pk},
        )
        for item in items
    ]
