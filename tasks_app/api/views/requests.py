"""Requests awaiting a decision: extension requests (延期申请) and completion requests (申请办结)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tasks_app.errors import TransitionNotAllowed
from tasks_app.models import Action, ExtensionRequest, Responsibility
from tasks_app.services import workflow

from ..concurrency import check_extension_etag, expected_version
from ..filters import CompletionRequestFilter, ExtensionRequestFilter
from ..selectors import (
    colour_rules,
    completion_requests_listed,
    extension_requests_listed,
    responsibilities_listed,
)
from ..serializers.tasks import ResponsibilitySerializer
from ..serializers.workflow import DecisionInputSerializer, ExtensionRequestSerializer
from .base import WRITE_ERRORS, ListRetrieveViewSet
from .exporting import ExportMixin

S = Responsibility.Status
# (status awaiting a decision, approve?) -> the transition that decides it
COMPLETION_DECISIONS = {
    (S.LEADER_REVIEW, True): Action.LEADER_APPROVE,
    (S.LEADER_REVIEW, False): Action.LEADER_RETURN,
    (S.COMPLETION_REQUESTED, True): Action.APPROVE_COMPLETION,
    (S.COMPLETION_REQUESTED, False): Action.RETURN,
}


@extend_schema_view(
    list=extend_schema(summary=_("延期申请列表")),
    retrieve=extend_schema(summary=_("延期申请详情")),
)
class ExtensionRequestViewSet(ExportMixin, ListRetrieveViewSet):
    queryset = ExtensionRequest.objects.none()
    serializer_class = ExtensionRequestSerializer
    filterset_class = ExtensionRequestFilter

    def visible(self):
        return extension_requests_listed(self.request.user)

    @extend_schema(
        summary=_("审批延期申请（督办员；If-Match 为申请的 etag）"),
        request=DecisionInputSerializer,
        responses={200: ExtensionRequestSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def decision(self, request: Request, pk: str) -> Response:
        extension = self.get_object()
        check_extension_etag(request, extension)
        data = self.valid_input(DecisionInputSerializer, request)
        decided = workflow.extension_decide(
            extension_id=extension.pk,
            actor=request.user,
            approve=data["approve"],
            note=data["reason"],
        )
        return self.respond(self.get_queryset().get(pk=decided.pk), ExtensionRequestSerializer)


@extend_schema_view(
    list=extend_schema(summary=_("办结申请列表（待领导审核、待督办员审核）")),
    retrieve=extend_schema(summary=_("办结申请详情")),
)
class CompletionRequestViewSet(ExportMixin, ListRetrieveViewSet):
    """A completion request is a responsibility awaiting review; deciding it is a transition."""

    queryset = Responsibility.objects.none()

    serializer_class = ResponsibilitySerializer
    filterset_class = CompletionRequestFilter
    export_title = _("办结申请")

    def visible(self):
        return completion_requests_listed(self.request.user, colour_rules(self.request))

    @extend_schema(
        summary=_("审核办结申请：通过或退回（领导或督办员；If-Match 为责任分工的 ETag）"),
        request=DecisionInputSerializer,
        responses={200: ResponsibilitySerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def decision(self, request: Request, pk: str) -> Response:
        responsibility = self.get_object()
        version = expected_version(request, responsibility.pk)
        data = self.valid_input(DecisionInputSerializer, request)
        action_name = COMPLETION_DECISIONS.get((responsibility.status, data["approve"]))
        if action_name is None:  # pragma: no cover - the queryset holds only those two states
            raise TransitionNotAllowed()
        workflow.responsibility_transition(
            responsibility_id=responsibility.pk,
            action=action_name,
            actor=request.user,
            reason=data["reason"],
            expected_version=version,
        )
        fresh = responsibilities_after(request, responsibility.pk)
        return self.respond(fresh, ResponsibilitySerializer, etag=True)


def responsibilities_after(request: Request, pk: int) -> Responsibility:
    """The decided responsibility (no longer a completion request), as the caller sees it."""
    return responsibilities_listed(request.user, colour_rules(request)).get(pk=pk)
