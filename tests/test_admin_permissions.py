"""The permission matrix of the workflow admin: every admin URL of responsibilities, tasks,
targets, plans, events, extension requests, agencies and users — lists, change, history, delete
and add pages, custom views, exports, the start page, every POST endpoint and bulk action — for
staff of agency A, staff of agency B, A's leader, the plan's coordinator, another plan's
coordinator, an administrator, an anonymous visitor and an inactive user. Each cell asserts the
status code; every page a user may open is searched for the texts of agencies and plans they
must not see; a POST changes the database only for the roles that may make it.

The reminder, token, calendar and group admins, the admin site's own URLs, every autocomplete
source and the URLs outside the admin are in test_admin_permissions_more.py; the shared world and
checks in tests/admin_matrix.py. test_every_url_is_in_the_matrix holds the two files to every URL
the project serves (the API has its own matrix, tests/api/test_api_permissions.py).
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import URLResolver, get_resolver, resolve, reverse

from tasks_app.models import Action, Event, ExtensionRequest, ProgressReport, ReportAttachment
from tests import admin_matrix
from tests import test_admin_permissions_more as more
from tests.admin_matrix import (
    ADMIN_ONLY,
    COORDINATING,
    SERVICE_ROLES,
    Case,
    a_item,
    admin_url,
    autocomplete,
    b_item,
    check_get,
    check_post,
    every,
    only,
)

pytestmark = pytest.mark.django_db
w = admin_matrix.w  # the fixture: the world at NOW (see tests/admin_matrix.py)


# --- Objects and URLs -----------------------------------------------------------------------------


def _event_a(w):
    return Event.objects.filter(responsibility=w.resp_a, action=Action.ACCEPT).get()


def _extension_a(w):
    return ExtensionRequest.objects.get(responsibility=w.resp_a)


def _report_a(w):
    return ProgressReport.objects.get(responsibility=w.resp_a)


def _attachment_a(w):
    return ReportAttachment.objects.get(report__responsibility=w.resp_a)


def _attachment_b(w):
    return ReportAttachment.objects.get(report__responsibility=w.resp_b)


def _plan_document() -> SimpleUploadedFile:
    text = "江苏省测试产业行动方案（2024-2026年）\n\n一、重点任务\n1. 建设概念验证中心。（省甲厅牵头）\n"
    return SimpleUploadedFile("plan.txt", text.encode("utf-8"), content_type="text/plain")


COORDINATING_ONLY = only(200, COORDINATING, 403)


def _changelist_action(action: str, **fields):
    def data(w):
        return {"action": action, "_selected_action": [w.resp_a.pk], "apply": "yes", **fields}

    return data


PLAN_P = {**every(200), "other_coordinator": 404}
PLAN_P_DELETE = {**every(403), "admin": 200, "other_coordinator": 404}
GET_CASES = [
    Case("index", lambda w: reverse("admin:index"), {**every(302), "admin": 200}),
    # Responsibilities ("我的任务")
    Case("resp_list", lambda w: admin_url("tasks_app_responsibility_changelist"), every(200)),
    Case(
        "resp_list_other_scope",
        lambda w: admin_url("tasks_app_responsibility_changelist") + "?scope=all",
        every(200),
    ),
    Case(
        "resp_change",
        lambda w: admin_url("tasks_app_responsibility_change", w.resp_a.pk),
        a_item(200),
    ),
    Case(
        "resp_change_of_b",
        lambda w: admin_url("tasks_app_responsibility_change", w.resp_b.pk),
        b_item(200),
    ),
    Case(
        "resp_history",
        lambda w: admin_url("tasks_app_responsibility_history", w.resp_a.pk),
        a_item(200),
    ),
    Case(
        "resp_delete",
        lambda w: admin_url("tasks_app_responsibility_delete", w.resp_a.pk),
        a_item(403),
    ),
    Case("resp_add", lambda w: admin_url("tasks_app_responsibility_add"), every(403)),
    Case(
        "export_xlsx",
        lambda w: admin_url("tasks_app_responsibility_export", "xlsx") + "?scope=all",
        every(200),
    ),
    Case("export_csv", lambda w: admin_url("tasks_app_responsibility_export", "csv"), every(200)),
    Case(
        "dashboard",
        lambda w: admin_url("tasks_app_dashboard"),
        only(200, ("coordinator", "other_coordinator", "admin"), 403),
    ),
    Case(
        "assessment",
        lambda w: admin_url("tasks_app_assessment"),
        only(200, ("coordinator", "other_coordinator", "admin"), 403),
    ),
    Case(
        "assessment_of_plan_p",
        lambda w: admin_url("tasks_app_assessment") + f"?plan={w.plan.pk}",
        {**only(200, ("coordinator", "admin"), 403), "other_coordinator": 404},
    ),
    Case(
        "assessment_export_xlsx",
        lambda w: admin_url("tasks_app_assessment_export", "xlsx"),
        only(200, ("coordinator", "other_coordinator", "admin"), 403),
    ),
    Case(
        "assessment_export_csv_of_plan_p",
        lambda w: admin_url("tasks_app_assessment_export", "csv") + f"?plan={w.plan.pk}",
        {**only(200, ("coordinator", "admin"), 403), "other_coordinator": 404},
    ),
    Case(
        "attachment",
        lambda w: admin_url("tasks_app_report_attachment", _attachment_a(w).pk),
        a_item(200),
    ),
    Case(
        "attachment_of_b",
        lambda w: admin_url("tasks_app_report_attachment", _attachment_b(w).pk),
        b_item(200),
    ),
    # Tasks and targets
    Case("task_list", lambda w: admin_url("tasks_app_task_changelist"), every(200)),
    Case("task_change", lambda w: admin_url("tasks_app_task_change", w.task_a.pk), a_item(200)),
    Case("task_history", lambda w: admin_url("tasks_app_task_history", w.task_a.pk), a_item(200)),
    Case("task_add", lambda w: admin_url("tasks_app_task_add"), ADMIN_ONLY),
    Case(
        "task_delete",
        lambda w: admin_url("tasks_app_task_delete", w.task_a.pk),
        {**a_item(403), "admin": 200},
    ),
    Case("target_list", lambda w: admin_url("tasks_app_target_changelist"), every(200)),
    Case(
        "target_change", lambda w: admin_url("tasks_app_target_change", w.target_a.pk), a_item(200)
    ),
    Case(
        "target_history",
        lambda w: admin_url("tasks_app_target_history", w.target_a.pk),
        a_item(200),
    ),
    Case("target_add", lambda w: admin_url("tasks_app_target_add"), ADMIN_ONLY),
    Case(
        "target_delete",
        lambda w: admin_url("tasks_app_target_delete", w.target_a.pk),
        {**a_item(403), "admin": 200},
    ),
    # Plans and the responsibility matrix
    Case("plan_list", lambda w: admin_url("tasks_app_plan_changelist"), every(200)),
    Case("plan_import", lambda w: admin_url("tasks_app_plan_import"), COORDINATING_ONLY),
    Case("plan_change", lambda w: admin_url("tasks_app_plan_change", w.plan.pk), PLAN_P),
    Case("plan_history", lambda w: admin_url("tasks_app_plan_history", w.plan.pk), PLAN_P),
    Case(
        "other_plan_change",
        lambda w: admin_url("tasks_app_plan_change", w.other_plan.pk),
        only(200, ("staff_b", "other_coordinator", "admin"), 404),
    ),
    Case("plan_add", lambda w: admin_url("tasks_app_plan_add"), ADMIN_ONLY),
    Case("plan_delete", lambda w: admin_url("tasks_app_plan_delete", w.plan.pk), PLAN_P_DELETE),
    Case("matrix_xlsx", lambda w: admin_url("tasks_app_plan_matrix", w.plan.pk, "xlsx"), PLAN_P),
    Case("matrix_csv", lambda w: admin_url("tasks_app_plan_matrix", w.plan.pk, "csv"), PLAN_P),
    # The audit trail and extension requests
    Case("event_list", lambda w: admin_url("tasks_app_event_changelist"), every(200)),
    Case(
        "event_change", lambda w: admin_url("tasks_app_event_change", _event_a(w).pk), a_item(200)
    ),
    Case(
        "event_history",
        lambda w: admin_url("tasks_app_event_history", _event_a(w).pk),
        a_item(200),
    ),
    Case("event_add", lambda w: admin_url("tasks_app_event_add"), every(403)),
    Case(
        "event_delete", lambda w: admin_url("tasks_app_event_delete", _event_a(w).pk), a_item(403)
    ),
    Case(
        "extension_list", lambda w: admin_url("tasks_app_extensionrequest_changelist"), every(200)
    ),
    Case(
        "extension_change",
        lambda w: admin_url("tasks_app_extensionrequest_change", _extension_a(w).pk),
        a_item(200),
    ),
    Case(
        "extension_history",
        lambda w: admin_url("tasks_app_extensionrequest_history", _extension_a(w).pk),
        a_item(200),
    ),
    Case("extension_add", lambda w: admin_url("tasks_app_extensionrequest_add"), every(403)),
    Case(
        "extension_delete",
        lambda w: admin_url("tasks_app_extensionrequest_delete", _extension_a(w).pk),
        a_item(403),
    ),
    # Agencies and users
    Case("agency_list", lambda w: admin_url("agencies_agency_changelist"), every(200)),
    Case(
        "agency_change",
        lambda w: admin_url("agencies_agency_change", w.resp_a.agency_id),
        {**every(200), "staff_b": 404},
    ),
    Case(
        "agency_history",
        lambda w: admin_url("agencies_agency_history", w.resp_a.agency_id),
        {**every(200), "staff_b": 404},
    ),
    Case("agency_add", lambda w: admin_url("agencies_agency_add"), ADMIN_ONLY),
    Case(
        "agency_delete",
        lambda w: admin_url("agencies_agency_delete", w.resp_a.agency_id),
        {**every(403), "staff_b": 404, "admin": 200},
    ),
    Case("user_list", lambda w: admin_url("agencies_user_changelist"), ADMIN_ONLY),
    Case(
        "user_change",
        lambda w: admin_url("agencies_user_change", w.staff_a.pk),
        {**every(404), "admin": 200},
    ),
    Case(
        "user_history",
        lambda w: admin_url("agencies_user_history", w.staff_a.pk),
        {**every(404), "admin": 200},
    ),
    Case(
        "user_delete",
        lambda w: admin_url("agencies_user_delete", w.staff_a.pk),
        {**every(404), "admin": 200},
    ),
    Case("user_add", lambda w: admin_url("agencies_user_add"), ADMIN_ONLY),
    Case(
        "user_password",
        lambda w: admin_url("auth_user_password_change", w.staff_a.pk),
        {**every(404), "admin": 200},
    ),
]

IN_SCOPE_POST = a_item(302)  # then a message: done, or the service's refusal
OWN = ("staff_a", "leader_a")  # the agency's own people act on A's item
DECIDERS = ("coordinator", "admin")  # plan P's coordinator decides
# Agency members have no bulk actions: their POST just shows the list again (nothing happens);
# the other plan's coordinator does not have A's item among the rows (nothing selected).
BULK = only(302, COORDINATING, 200)
POST_CASES = [
    Case(
        "plan_import_dry_run",
        lambda w: admin_url("tasks_app_plan_import"),
        COORDINATING_ONLY,
        lambda w: {"file": _plan_document(), "create_agencies": "on"},
    ),
    Case(
        "plan_import",
        lambda w: admin_url("tasks_app_plan_import"),
        {**every(403), **dict.fromkeys(COORDINATING, 302)},
        lambda w: {"file": _plan_document(), "create_agencies": "on", "apply": "导入"},
        COORDINATING,
    ),
    Case(
        "transition",
        lambda w: admin_url("tasks_app_responsibility_transition", w.resp_a.pk),
        IN_SCOPE_POST,
        lambda w: {"action": "request_completion", "version": w.resp_a.version},
        OWN,
    ),
    Case(
        "report",
        lambda w: admin_url("tasks_app_responsibility_report", w.resp_a.pk),
        IN_SCOPE_POST,
        lambda w: {
            "version": w.resp_a.version,
            "period_start": "2025-04-01",
            "narrative": "更新",
            "percent": "50",
        },
        OWN,
    ),
    Case(
        "extension",
        lambda w: admin_url("tasks_app_responsibility_extension", w.resp_a.pk),
        IN_SCOPE_POST,
        # A's request of the world is still pending: refused to everyone (a second one).
        lambda w: {"version": w.resp_a.version, "requested_due_on": "2027-06-30", "reason": "x"},
    ),
    Case(
        "deadline",
        lambda w: admin_url("tasks_app_responsibility_deadline", w.resp_a.pk),
        IN_SCOPE_POST,
        lambda w: {"version": w.resp_a.version, "due_on": "2026-06-30", "reason": "调整"},
        DECIDERS,
    ),
    Case(
        "reassign",
        lambda w: admin_url("tasks_app_responsibility_reassign", w.resp_a.pk),
        IN_SCOPE_POST,
        lambda w: {
            "version": w.resp_a.version,
            "agency": w.resp_a.agency_id,
            "role": "supporting",
            "reason": "调整",
        },
        DECIDERS,
    ),
    Case(
        "assignees",
        lambda w: admin_url("tasks_app_responsibility_assignees", w.resp_a.pk),
        IN_SCOPE_POST,
        lambda w: {"version": w.resp_a.version, "assignees": [w.staff_a.pk]},
        (*OWN, *DECIDERS),
    ),
    Case(
        "assignees_of_another_agency",  # B's staff named on A's item: refused to everyone
        lambda w: admin_url("tasks_app_responsibility_assignees", w.resp_a.pk),
        IN_SCOPE_POST,
        lambda w: {"version": w.resp_a.version, "assignees": [w.staff_b.pk]},
    ),
    Case(
        "report_approve",
        lambda w: admin_url("tasks_app_report_approve", _report_a(w).pk),
        IN_SCOPE_POST,
        # Plan P needs no leader's approval: the report went to the coordinator, nothing to do.
        lambda w: {"report_version": _report_a(w).version},
    ),
    Case(
        "report_return",
        lambda w: admin_url("tasks_app_report_return", _report_a(w).pk),
        IN_SCOPE_POST,
        lambda w: {"report_version": _report_a(w).version, "reason": "请补充"},
        DECIDERS,
    ),
    Case(
        "task_assign",
        lambda w: admin_url("tasks_app_task_assign", w.task_a.pk),
        IN_SCOPE_POST,
        lambda w: {"agency": w.coordinator.agency_id, "role": "supporting", "reason": "增加"},
        DECIDERS,
    ),
    Case(
        "extension_decide",
        lambda w: admin_url("tasks_app_extensionrequest_decide", _extension_a(w).pk),
        IN_SCOPE_POST,
        lambda w: {"decision": "approve", "note": ""},
        DECIDERS,
    ),
    Case(
        "bulk_set_deadline",
        lambda w: admin_url("tasks_app_responsibility_changelist"),
        BULK,
        _changelist_action("set_deadline", due_on="2026-06-30", reason="统一调整"),
        DECIDERS,
    ),
    Case(
        "bulk_approve_extensions",
        lambda w: admin_url("tasks_app_responsibility_changelist"),
        BULK,
        _changelist_action("approve_extensions"),
        DECIDERS,
    ),
    Case(
        "bulk_remind_now",
        lambda w: admin_url("tasks_app_responsibility_changelist"),
        BULK,
        lambda w: {"action": "remind_now", "_selected_action": [w.resp_a.pk], "apply": "yes"},
        DECIDERS,
    ),
    Case(
        "bulk_approve_selected_extensions",
        lambda w: admin_url("tasks_app_extensionrequest_changelist"),
        BULK,
        lambda w: {
            "action": "approve_selected_extensions",
            "_selected_action": [_extension_a(w).pk],
        },
        DECIDERS,
    ),
]


@pytest.mark.parametrize("case", GET_CASES, ids=lambda c: c.name)
def test_get(client, w, case):
    check_get(client, w, case)


@pytest.mark.parametrize("case", POST_CASES, ids=lambda c: c.name)
def test_post(client, w, case):
    """What the POSTs do is tested in test_admin_workflow; here: who gets what, and that nothing
    changes for a role that may not make the POST."""
    check_post(client, w, case)


# --- Every URL is in the matrix --------------------------------------------------------------------


def _join(prefix: str, route: str) -> str:
    """Routes joined as Django's resolver joins them (ResolverMatch.route)."""
    return prefix + route.removeprefix("^") if prefix else route


def _routes(patterns, prefix: str = ""):
    """Every route of the URL configuration, but the API's (tests/api/test_api_permissions.py
    holds its matrix to every route of the API)."""
    for pattern in patterns:
        route = _join(prefix, str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            if pattern.namespace != "api":
                yield from _routes(pattern.url_patterns, route)
        else:
            yield route


# --- Exports of every list: the list's own answer for each role, and exactly its rows ----------

# The lists whose admin exports them (every list of the service; tokens and groups are Django's).
EXPORTED_LISTS = [
    case
    for case in (*GET_CASES, *more.GET_CASES)
    if case.name.endswith("_list") and case.name not in ("resp_list", "token_list", "group_list")
]


def _export_case(list_case: Case, fmt: str) -> Case:
    def url(w):
        path, _, query = list_case.url(w).partition("?")
        return f"{path}export/{fmt}/" + (f"?{query}" if query else "")

    return Case(f"{list_case.name}_export_{fmt}", url, list_case.expect)


EXPORT_CASES = [_export_case(case, fmt) for case in EXPORTED_LISTS for fmt in ("xlsx", "csv")]


@pytest.mark.parametrize("case", EXPORT_CASES, ids=lambda c: c.name)
def test_export_matrix(client, w, case):
    check_get(client, w, case)


@pytest.mark.parametrize("case", EXPORTED_LISTS, ids=lambda c: c.name)
def test_export_has_exactly_the_lists_rows_for_every_role(client, w, case):
    """For each role that may open the list, the CSV has the list's columns and one row per row
    of the list (all of its pages)."""
    for role in admin_matrix.ROLES:
        if case.expect.get(role) != 200:
            continue
        admin_matrix.login(client, w, role)
        page = client.get(case.url(w))
        exported = client.get(_export_case(case, "csv").url(w))
        assert exported.status_code == 200, role
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        changelist = page.context["cl"]
        assert len(rows) - 1 == changelist.result_count, (role, case.name)
        headers = [
            str(header["text"])
            for header in page.context["result_headers"]
            if "action-checkbox" not in header.get("class_attrib", "")
        ]
        assert rows[0] == headers, (role, case.name)


ALL_GET_CASES = [*GET_CASES, *more.GET_CASES, *EXPORT_CASES]
ALL_POST_CASES = [*POST_CASES, *more.POST_CASES]


def test_every_url_is_in_the_matrix(w):
    """Every URL the project serves outside the API — every URL of every registered ModelAdmin
    (its get_urls included), the admin site's own, the rest of config.urls — is a case."""
    covered = {resolve(urlsplit(case.url(w)).path).route for case in ALL_GET_CASES}
    covered |= {resolve(urlsplit(case.url(w)).path).route for case in ALL_POST_CASES}

    assert set(_routes(get_resolver().url_patterns)) - covered == set()


def test_every_admin_action_is_posted_by_every_role(w):
    """Every action any registered admin offers to any role (Django's delete_selected too)."""
    offered = set()
    for role in SERVICE_ROLES:
        request = RequestFactory().get("/admin/")
        request.user = getattr(w, role)
        for model, model_admin in admin.site._registry.items():
            changelist = f"{model._meta.app_label}_{model._meta.model_name}_changelist"
            offered |= {(changelist, name) for name in model_admin.get_actions(request)}
    posted = {
        (resolve(urlsplit(case.url(w)).path).url_name, case.data(w)["action"])
        for case in ALL_POST_CASES
        if "action" in case.data(w)
    }

    assert offered - posted == set()


# --- Autocomplete answers are scoped -------------------------------------------------------------


def _choices(client, user, app, model, field_name, term=""):
    client.force_login(user)
    response = client.get(autocomplete(app, model, field_name, term))
    return [item["text"] for item in response.json()["results"]]


def test_staff_can_only_pick_their_own_agency(client, w):
    assert _choices(client, w.staff_a, "tasks_app", "responsibility", "agency") == ["省甲厅"]


def test_coordinators_pick_from_every_agency(client, w):
    choices = _choices(client, w.coordinator, "tasks_app", "responsibility", "agency", "厅")

    assert choices == ["省督办厅", "省甲厅", "省乙厅"]


def test_task_autocomplete_offers_only_visible_tasks(client, w):
    staff = _choices(client, w.staff_a, "tasks_app", "task", "parent")
    other = _choices(client, w.other_coordinator, "tasks_app", "task", "parent")

    assert staff == ["1. 甲厅牵头的任务"]
    assert other == ["1. 丙市独有的任务"]
