"""What happened: the event history (every transition, deadline change, reassignment, report)
and, for coordinators, the reminders log (催办记录)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view

from tasks_app.models import Event, ReminderEntry
from tasks_app.reminders.selectors import reminder_entries_visible_to

from ..filters import EventFilter, ReminderEntryFilter
from ..pagination import NewestFirstCursorPagination
from ..permissions import CoordinatorOrAdministrator
from ..selectors import events_listed
from ..serializers.accounts import ReminderEntrySerializer
from ..serializers.workflow import EventSerializer
from .base import ListRetrieveViewSet


@extend_schema_view(
    list=extend_schema(summary=_("办理记录（最新在前）")),
    retrieve=extend_schema(summary=_("办理记录详情")),
)
class EventViewSet(ListRetrieveViewSet):
    queryset = Event.objects.none()
    serializer_class = EventSerializer
    filterset_class = EventFilter
    pagination_class = NewestFirstCursorPagination

    def visible(self):
        return events_listed(self.request.user)


@extend_schema_view(
    list=extend_schema(summary=_("催办记录（督办员、管理员；最新在前）")),
    retrieve=extend_schema(summary=_("催办记录详情")),
)
class ReminderEntryViewSet(ListRetrieveViewSet):
    queryset = ReminderEntry.objects.none()
    serializer_class = ReminderEntrySerializer
    filterset_class = ReminderEntryFilter
    pagination_class = NewestFirstCursorPagination
    permission_classes = [CoordinatorOrAdministrator]

    def visible(self):
        return reminder_entries_visible_to(self.request.user).select_related(
            "responsibility__agency"
        )
