"""/api/v1/ routes. Included from config.urls under the "api" namespace."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from .errors import not_found_view
from .views.accounts import AccessTokenViewSet, CalendarFeedView, MeView
from .views.calendar import CalendarFeed
from .views.history import EventViewSet, ReminderEntryViewSet
from .views.plans import AgencyViewSet, PlanViewSet
from .views.reminders import ReminderDigestViewSet, ReminderPolicyViewSet
from .views.reports import ReportViewSet
from .views.requests import CompletionRequestViewSet, ExtensionRequestViewSet
from .views.targets import TargetViewSet
from .views.tasks import ResponsibilityViewSet, TaskViewSet
from .views.working_days import WorkingDayViewSet

app_name = "api"

router = SimpleRouter()
router.register("agencies", AgencyViewSet, basename="agency")
router.register("plans", PlanViewSet, basename="plan")
router.register("tasks", TaskViewSet, basename="task")
router.register("responsibilities", ResponsibilityViewSet, basename="responsibility")
router.register("targets", TargetViewSet, basename="target")
router.register("reports", ReportViewSet, basename="report")
router.register("extension-requests", ExtensionRequestViewSet, basename="extension-request")
router.register("completion-requests", CompletionRequestViewSet, basename="completion-request")
router.register("events", EventViewSet, basename="event")
router.register("reminders", ReminderEntryViewSet, basename="reminder")
router.register("reminder-policies", ReminderPolicyViewSet, basename="reminder-policy")
router.register("reminder-emails", ReminderDigestViewSet, basename="reminder-email")
router.register("working-days", WorkingDayViewSet, basename="working-day")
router.register("tokens", AccessTokenViewSet, basename="token")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("me/", MeView.as_view(), name="me"),
    path("calendar/feed/", CalendarFeedView.as_view(), name="calendar-feed-settings"),
    re_path(
        r"^calendar/(?P<secret>[A-Za-z0-9_-]{1,200})\.ics$",
        CalendarFeed.as_view(),
        name="calendar-feed",
    ),
    *router.urls,
    re_path(r"^[\s\S]*$", not_found_view),
]
