"""The permission matrix: every admin URL of the workflow admin — lists, change, history, delete
and add pages, custom views, autocomplete for every autocomplete field, exports, the start page,
every POST endpoint and bulk action — for staff of agency A, staff of agency B, A's leader, the
plan's coordinator, another plan's coordinator, an administrator, an anonymous visitor and an
inactive user. Each cell asserts the status code; every page a user may open is searched for the
texts of agencies and plans they must not see."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from tasks_app.models import Action, Event, ExtensionRequest, ProgressReport, ReportAttachment
from tests.factories import AdminWorld, admin_world

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2025, 6, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

SERVICE_ROLES = ("staff_a", "staff_b", "leader_a", "coordinator", "other_coordinator", "admin")
ROLES = (*SERVICE_ROLES, "anonymous", "inactive")
LOGIN = 302  # anonymous and inactive users are sent to the login page


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def w() -> AdminWorld:
    world = admin_world()
    world.populate()
    return world


def forbidden_texts(role: str) -> tuple[str, ...]:
    """What must never appear in a page this role may open. Coordinators see every agency's name
    (they assign tasks to any agency), never another plan's tasks, targets or reports."""
    plan_p_work = (
        "甲厅牵头的任务",
        "甲指标",
        "甲厅报告正文",
        "乙厅独有的任务",
        "乙指标",
        "乙厅报告正文",
    )
    return {
        "staff_a": AdminWorld.B_MARKERS + AdminWorld.Q_MARKERS,
        "leader_a": AdminWorld.B_MARKERS + AdminWorld.Q_MARKERS,
        "staff_b": AdminWorld.A_MARKERS,
        "coordinator": AdminWorld.Q_MARKERS,
        "other_coordinator": plan_p_work,
    }.get(role, ())


def every(code: int) -> dict[str, int]:
    return dict.fromkeys(SERVICE_ROLES, code)


def only(code: int, roles: tuple[str, ...], otherwise: int) -> dict[str, int]:
    return {role: code if role in roles else otherwise for role in SERVICE_ROLES}


A_SCOPE = ("staff_a", "leader_a", "coordinator", "admin")  # who may reach A's item in plan P


def a_item(in_scope: int) -> dict[str, int]:
    """An item of agency A in plan P: `in_scope` for its agency and coordinators, else 404."""
    return only(in_scope, A_SCOPE, 404)


# --- Objects and URLs -----------------------------------------------------------------------------


def _event_a(w):
    return Event.objects.filter(responsibility=w.resp_a, action=Action.ACCEPT).get()


def _extension_a(w):
    return ExtensionRequest.objects.get(responsibility=w.resp_a)


def _report_a(w):
    return ProgressReport.objects.get(responsibility=w.resp_a)


def _attachment_a(w):
    return ReportAttachment.objects.get(report__responsibility=w.resp_a)


def admin_url(name: str, *args) -> str:
    return reverse(f"admin:{name}", args=args)


def autocomplete(app: str, model: str, field_name: str, term: str = "") -> str:
    return (
        f"{reverse('admin:autocomplete')}?app_label={app}&model_name={model}"
        f"&field_name={field_name}&term={term}"
    )


@dataclass
class Case:
    name: str
    url: Callable[[AdminWorld], str]
    expect: dict[str, int]
    data: Callable[[AdminWorld], dict] | None = None  # a POST when given
    extra: dict = field(default_factory=dict)


def _changelist_action(action: str, **fields):
    def data(w):
        return {"action": action, "_selected_action": [w.resp_a.pk], "apply": "yes", **fields}

    return data


PLAN_P = {**every(200), "other_coordinator": 404}
PLAN_P_DELETE = {**every(403), "admin": 200, "other_coordinator": 404}
ADMIN_ONLY = {**every(403), "admin": 200}
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
        "attachment",
        lambda w: admin_url("tasks_app_report_attachment", _attachment_a(w).pk),
        a_item(200),
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
    Case("user_add", lambda w: admin_url("agencies_user_add"), ADMIN_ONLY),
    Case(
        "user_password",
        lambda w: admin_url("auth_user_password_change", w.staff_a.pk),
        {**every(404), "admin": 200},
    ),
    # Autocomplete, for every autocomplete field of the admin
    *[
        Case(f"autocomplete_{app}_{model}_{name}", (lambda w, u=url: u), every(200))
        for app, model, name, url in [
            (a, m, f, autocomplete(a, m, f))
            for a, m, f in [
                ("tasks_app", "responsibility", "agency"),
                ("tasks_app", "plan", "coordinating_agency"),
                ("tasks_app", "planissuer", "agency"),
                ("tasks_app", "task", "parent"),
                ("agencies", "agency", "parent"),
                ("agencies", "user", "agency"),
            ]
        ]
    ],
]

IN_SCOPE_POST = a_item(302)
# Agency members have no bulk actions: their POST just shows the list again (nothing happens).
BULK = only(302, ("coordinator", "other_coordinator", "admin"), 200)
POST_CASES = [
    Case(
        "transition",
        lambda w: admin_url("tasks_app_responsibility_transition", w.resp_a.pk),
        IN_SCOPE_POST,
        lambda w: {"action": "request_completion", "version": w.resp_a.version},
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
    ),
    Case(
        "extension",
        lambda w: admin_url("tasks_app_responsibility_extension", w.resp_a.pk),
        IN_SCOPE_POST,
        lambda w: {"version": w.resp_a.version, "requested_due_on": "2027-06-30", "reason": "x"},
    ),
    Case(
        "deadline",
        lambda w: admin_url("tasks_app_responsibility_deadline", w.resp_a.pk),
        IN_SCOPE_POST,
        lambda w: {"version": w.resp_a.version, "due_on": "2026-06-30", "reason": "调整"},
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
    ),
    Case(
        "report_approve",
        lambda w: admin_url("tasks_app_report_approve", _report_a(w).pk),
        IN_SCOPE_POST,
        lambda w: {"report_version": _report_a(w).version},
    ),
    Case(
        "report_return",
        lambda w: admin_url("tasks_app_report_return", _report_a(w).pk),
        IN_SCOPE_POST,
        lambda w: {"report_version": _report_a(w).version, "reason": "请补充"},
    ),
    Case(
        "task_assign",
        lambda w: admin_url("tasks_app_task_assign", w.task_a.pk),
        IN_SCOPE_POST,
        lambda w: {"agency": w.coordinator.agency_id, "role": "supporting", "reason": "增加"},
    ),
    Case(
        "extension_decide",
        lambda w: admin_url("tasks_app_extensionrequest_decide", _extension_a(w).pk),
        IN_SCOPE_POST,
        lambda w: {"decision": "approve", "note": ""},
    ),
    Case(
        "bulk_set_deadline",
        lambda w: admin_url("tasks_app_responsibility_changelist"),
        BULK,
        _changelist_action("set_deadline", due_on="2026-06-30", reason="统一调整"),
    ),
    Case(
        "bulk_approve_extensions",
        lambda w: admin_url("tasks_app_responsibility_changelist"),
        BULK,
        _changelist_action("approve_extensions"),
    ),
    Case(
        "bulk_remind_now",
        lambda w: admin_url("tasks_app_responsibility_changelist"),
        BULK,
        lambda w: {"action": "remind_now", "_selected_action": [w.resp_a.pk], "apply": "yes"},
    ),
    Case(
        "bulk_approve_selected_extensions",
        lambda w: admin_url("tasks_app_extensionrequest_changelist"),
        BULK,
        lambda w: {
            "action": "approve_selected_extensions",
            "_selected_action": [_extension_a(w).pk],
        },
    ),
]


def _login(client, w: AdminWorld, role: str) -> None:
    client.logout()
    if role == "anonymous":
        return
    user = w.inactive if role == "inactive" else getattr(w, role)
    client.force_login(user)


def _text(response) -> str:
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        return "\n".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    if response.streaming:
        return ""
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)  # autocomplete: \u-escaped
    return response.content.decode("utf-8-sig")


def _expected(case: Case) -> dict[str, int]:
    return {**case.expect, "anonymous": LOGIN, "inactive": LOGIN}


def _leaks(role: str, response) -> list[str]:
    if response.status_code != 200:
        return []
    text = _text(response)
    return [marker for marker in forbidden_texts(role) if marker in text]


def _to_login(response) -> bool:
    return response.status_code == 302 and response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize("case", GET_CASES, ids=lambda c: c.name)
def test_get(client, w, case):
    """Each role gets the expected status, and no page shows what the role must not see."""
    url = case.url(w)
    codes, leaks, logins = {}, {}, {}
    for role in ROLES:
        _login(client, w, role)
        response = client.get(url)
        codes[role] = response.status_code
        leaks[role] = _leaks(role, response)
        logins[role] = _to_login(response)

    assert codes == _expected(case)
    assert leaks == {role: [] for role in ROLES}
    assert logins["anonymous"] and logins["inactive"]


@pytest.mark.parametrize("case", POST_CASES, ids=lambda c: c.name)
def test_post(client, w, case):
    """Each role gets the expected status (what the POST did is tested in test_admin_workflow).
    The roles post one after another on one world; no POST here takes an item out of A's scope."""
    url = case.url(w)
    codes, logins = {}, {}
    for role in ROLES:
        for item in (w.resp_a, w.resp_b):
            item.refresh_from_db()
        _login(client, w, role)
        response = client.post(url, case.data(w))
        codes[role] = response.status_code
        logins[role] = _to_login(response)

    assert codes == _expected(case)
    assert logins["anonymous"] and logins["inactive"]


def test_every_admin_url_of_the_workflow_admin_is_in_the_matrix():
    """A new admin URL must be added to the matrix: the named URLs of our admins, by name."""
    from django.contrib import admin

    covered = {
        "index",
        "autocomplete",
        *(f"{app}_{model}_{view}" for app, model in _OUR_MODELS for view in _STANDARD_VIEWS),
        "tasks_app_responsibility_transition",
        "tasks_app_responsibility_report",
        "tasks_app_responsibility_extension",
        "tasks_app_responsibility_deadline",
        "tasks_app_responsibility_reassign",
        "tasks_app_report_approve",
        "tasks_app_report_return",
        "tasks_app_report_attachment",
        "tasks_app_responsibility_export",
        "tasks_app_dashboard",
        "tasks_app_task_assign",
        "tasks_app_plan_matrix",
        "tasks_app_extensionrequest_decide",
        "auth_user_password_change",
    }
    names = set()
    for model, model_admin in admin.site._registry.items():
        if (model._meta.app_label, model._meta.model_name) not in _OUR_MODELS:
            continue
        names |= {p.name for p in model_admin.urls if p.name}
    assert names - covered == set()


_OUR_MODELS = {
    ("tasks_app", "responsibility"),
    ("tasks_app", "task"),
    ("tasks_app", "target"),
    ("tasks_app", "plan"),
    ("tasks_app", "event"),
    ("tasks_app", "extensionrequest"),
    ("agencies", "agency"),
    ("agencies", "user"),
}
_STANDARD_VIEWS = ("changelist", "add", "change", "history", "delete")


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
