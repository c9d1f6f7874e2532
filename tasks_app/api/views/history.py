"""What happened: the event history (every transition, deadline change, reassignment, report)
and, for coordinators, the reminders log (催办记录)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tasks_app.access import responsibilities_visible_to
from tasks_app.models import Event, ReminderEntry
from tasks_app.reminders.manual import reminders_send_now
from tasks_app.reminders.selectors import reminder_entries_visible_to

from ..filters import EventFilter, ReminderEntryFilter
from ..pagination import NewestFirstCursorPagination
from ..permissions import CoordinatorOrAdministrator
from ..selectors import events_listed
from ..serializers.accounts import ReminderEntrySerializer
from ..serializers.reminders import ManualReminderInputSerializer, ManualReminderResultSerializer
from ..serializers.workflow import EventSerializer
from .base import ListRetrieveViewSet, error, unknown_ids
from .exporting import ExportMixin


@extend_schema_view(
    list=extend_schema(summary=_("办理记录（最新在前）")),
    retrieve=extend_schema(summary=_("办理记录详情")),
)
class EventViewSet(ExportMixin, ListRetrieveViewSet):
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
class ReminderEntryViewSet(ExportMixin, ListRetrieveViewSet):
    queryset = ReminderEntry.objects.none()
    serializer_class = ReminderEntrySerializer
    filterset_class = ReminderEntryFilter
    pagination_class = NewestFirstCursorPagination
    permission_classes = [CoordinatorOrAdministrator]

    def visible(self):
        return reminder_entries_visible_to(self.request.user).select_related(
            "responsibility__agency"
        )

    @extend_schema(
        summary=_("立即催办所选事项（本方案督办员、管理员；可附催办说明）"),
        request=ManualReminderInputSerializer,
        responses={
            200: ManualReminderResultSerializer,
            400: error(_("输入有误、事项不存在或不可见，或所选事项均已办结")),
            403: error(_("仅本方案的督办员和管理员")),
        },
    )
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def send(self, request: Request) -> Response:
        """The admin's 立即催办: ledger rows, one email per recipient, a REMIND event per item."""
        data = self.valid_input(ManualReminderInputSerializer, request)
        asked = set(data["responsibilities"])
        visible = responsibilities_visible_to(request.user).filter(pk__in=asked)
        unknown_ids("responsibilities", asked, set(visible.values_list("pk", flat=True)))
        result = reminders_send_now(
            responsibility_ids=sorted(asked), actor=request.user, note=data["note"]
        )
        body = {
            "reminded": result.reminded,
            "skipped_final": result.skipped_final,
            "entries_created": result.entries_created,
            "emails": result.digest_ids,
        }
        return Response(ManualReminderResultSerializer(body).data)
