"""Where /admin/ takes each person: agency staff and leaders to their task list ("我的任务"),
coordinators to their start page (督办工作台), administrators (and anyone else) to the usual
admin index. Mounted in config/urls.py in front of the admin's own index."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from tasks_app.access import is_administrator, is_agency_member, is_coordinator

from .calendar import calendar_warning


def _start(request: HttpRequest) -> HttpResponse:
    user = request.user
    if is_agency_member(user):
        return HttpResponseRedirect(reverse("admin:tasks_app_responsibility_changelist"))
    if is_coordinator(user) and not is_administrator(user):
        return HttpResponseRedirect(reverse("admin:tasks_app_dashboard"))
    return admin.site.index(request, calendar_warning(request, timezone.localdate()))


# admin_view: the login page for anyone not signed in (or not active staff), CSRF, no caching.
admin_start = admin.site.admin_view(_start)
