"""What coordinators do in the admin: bulk deadlines and extension approvals, 交办 on the task
page, target edits (with a CHANGE_TARGET event), and the audit trail nobody can edit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from tasks_app.fingerprint import fingerprint
from tasks_app.models import Action, Event, ExtensionRequest, Plan, Responsibility, Target
from tasks_app.services import workflow
from tasks_app.services.targets import target_update
from tests.factories import ResponsibilityFactory, TaskFactory, admin_world

pytestmark = pytest.mark.django_db
S = Responsibility.Status
NOW = dt.datetime(2025, 6, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
LIST = reverse("admin:tasks_app_responsibility_changelist")
EXTENSIONS = reverse("admin:tasks_app_extensionrequest_changelist")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def w():
    return admin_world()


def _post(client, user, url, data):
    client.force_login(user)
    response = client.post(url, data)
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    client.cookies.pop("messages", None)
    return response, messages


def _request_extension(w, responsibility, staff):
    return workflow.extension_request_create(
        responsibility_id=responsibility.pk,
        actor=staff,
        requested_due_on=dt.date(2027, 6, 30),
        reason="需要更多时间",
    )


# --- 设置完成时限 (bulk) ---------------------------------------------------------------------------


def test_set_deadline_first_asks_for_the_date(client, w):
    client.force_login(w.coordinator)

    response = client.post(
        LIST, {"action": "set_deadline", "_selected_action": [w.resp_a.pk, w.resp_b.pk]}
    )

    assert response.status_code == 200
    assert response.template_name == "admin/tasks_app/responsibility/set_deadline.html"
    assert [r.pk for r in response.context["items"]] == [w.resp_a.pk, w.resp_b.pk]
    assert Event.objects.count() == 0


def test_set_deadline_sets_each_row_and_reports_the_refused_ones(client, w):
    Responsibility.objects.filter(pk=w.resp_b.pk).update(status=S.COMPLETED)
    data = {
        "action": "set_deadline",
        "_selected_action": [w.resp_a.pk, w.resp_b.pk],
        "apply": "yes",
        "due_on": "2026-06-30",
        "reason": "统一调整",
    }

    response, messages = _post(client, w.coordinator, LIST, data)

    w.resp_a.refresh_from_db()
    w.resp_b.refresh_from_db()
    assert response.status_code == 302
    assert w.resp_a.due_on == dt.date(2026, 6, 30)
    assert w.resp_b.due_on == dt.date(2026, 12, 31)
    assert messages == [
        "已调整1项的完成时限。",
        "2. 乙厅独有的任务（省乙厅）：当前状态为“已办结”，不能调整时限。",
    ]
    event = Event.objects.get()
    assert (event.responsibility, event.action, event.reason) == (
        w.resp_a,
        Action.SET_DEADLINE,
        "统一调整",
    )


def test_set_deadline_without_a_date_asks_again(client, w):
    data = {"action": "set_deadline", "_selected_action": [w.resp_a.pk], "apply": "yes"}

    response, messages = _post(client, w.coordinator, LIST, data)

    assert response.status_code == 200
    assert messages == ["新的完成时限：该字段是必填项。"]
    assert Event.objects.count() == 0


def test_another_plans_coordinator_cannot_reach_the_rows(client, w):
    data = {
        "action": "set_deadline",
        "_selected_action": [w.resp_a.pk],
        "apply": "yes",
        "due_on": "2026-06-30",
    }

    _post(client, w.other_coordinator, LIST, data)

    w.resp_a.refresh_from_db()
    assert w.resp_a.due_on == dt.date(2026, 12, 31)
    assert Event.objects.count() == 0


def test_agency_staff_have_no_bulk_actions(client, w):
    client.force_login(w.staff_a)

    response = client.get(LIST)

    assert response.context["action_form"] is None
    assert 'name="_selected_action"' not in response.content.decode()


# --- 批准延期 (bulk) --------------------------------------------------------------------------------


def test_approve_extensions_from_the_responsibility_list(client, w):
    extension = _request_extension(w, w.resp_a, w.staff_a)
    data = {"action": "approve_extensions", "_selected_action": [w.resp_a.pk, w.resp_b.pk]}

    _response, messages = _post(client, w.coordinator, LIST, data)

    extension.refresh_from_db()
    w.resp_a.refresh_from_db()
    assert extension.status == ExtensionRequest.Status.APPROVED
    assert w.resp_a.due_on == dt.date(2027, 6, 30)
    assert messages == ["已批准1项延期申请。", "所选事项中有1项没有待审批的延期申请。"]


def test_approve_selected_extension_requests(client, w):
    first = _request_extension(w, w.resp_a, w.staff_a)
    second = _request_extension(w, w.resp_b, w.staff_b)
    workflow.extension_decide(extension_id=second.pk, actor=w.coordinator, approve=True)
    data = {"action": "approve_selected_extensions", "_selected_action": [first.pk, second.pk]}

    _response, messages = _post(client, w.coordinator, EXTENSIONS, data)

    first.refresh_from_db()
    assert first.status == ExtensionRequest.Status.APPROVED
    assert messages == [
        "已批准1项延期申请。",
        "2. 乙厅独有的任务（省乙厅）：该延期申请已处理（已批准）。",
    ]


# --- 交办 on the task page ---------------------------------------------------------------------------


def test_assign_form_hands_the_task_to_another_agency(client, w):
    url = reverse("admin:tasks_app_task_assign", args=[w.task_a.pk])
    data = {"agency": w.resp_b.agency_id, "role": "supporting", "due_on": "", "reason": "补充"}

    _response, messages = _post(client, w.coordinator, url, data)

    added = Responsibility.objects.get(task=w.task_a, agency=w.resp_b.agency)
    assert (added.role, added.status, added.due_on) == ("supporting", S.ASSIGNED, w.task_a.due_on)
    assert Event.objects.get(responsibility=added).action == Action.ASSIGN
    assert messages == ["已交办省乙厅（配合）。"]


def test_assigning_a_second_lead_is_refused(client, w):
    url = reverse("admin:tasks_app_task_assign", args=[w.task_a.pk])
    data = {"agency": w.resp_b.agency_id, "role": "lead", "reason": ""}

    _response, messages = _post(client, w.coordinator, url, data)

    assert not Responsibility.objects.filter(task=w.task_a, agency=w.resp_b.agency).exists()
    assert messages == ["该单位已承担此任务，或此任务已有牵头单位。"]


def test_assign_form_is_shown_to_the_plans_coordinator_only(client, w):
    change = reverse("admin:tasks_app_task_change", args=[w.task_a.pk])
    client.force_login(w.coordinator)
    coordinator = client.get(change).content.decode()
    client.force_login(w.staff_a)
    staff = client.get(change).content.decode()

    assert 'id="duban-assign-form"' in coordinator
    assert 'id="duban-assign-form"' not in staff


def test_task_inlines_are_read_only_and_scoped(client, w):
    ResponsibilityFactory(task=w.task_a, agency=w.resp_b.agency, role="supporting")
    other = TaskFactory(plan=w.plan)
    ResponsibilityFactory(task=other, agency=w.resp_b.agency, role="lead")
    client.force_login(w.staff_b)

    response = client.get(reverse("admin:tasks_app_task_change", args=[w.task_a.pk]))

    inline = response.context["inline_admin_formsets"][0]
    assert [f.original for f in inline] == [
        Responsibility.objects.get(task=w.task_a, agency=w.resp_b.agency)
    ]
    assert not inline.has_add_permission and not inline.has_change_permission


# --- Targets -----------------------------------------------------------------------------------------


def _target_form(target, **changes):
    data = {
        "description": target.description,
        "quantity": str(target.quantity),
        "quantity_max": "",
        "unit": target.unit,
        "comparison": target.comparison,
        "year": str(target.year),
        "items": "[]",
        "phrase": target.phrase,
        "seen": fingerprint(target),
    }
    data.update(changes)
    return data


def test_coordinator_edits_a_target_and_an_event_records_it(client, w):
    url = reverse("admin:tasks_app_target_change", args=[w.target_a.pk])

    response, _messages = _post(client, w.coordinator, url, _target_form(w.target_a, quantity="25"))

    w.target_a.refresh_from_db()
    assert response.status_code == 302
    assert w.target_a.quantity == Decimal(25)
    event = Event.objects.get()
    assert (event.action, event.actor, event.task, event.data) == (
        Action.CHANGE_TARGET,
        w.coordinator,
        w.task_a,
        {"target": w.target_a.pk, "changes": {"quantity": {"from": "20", "to": "25"}}},
    )


def test_staff_cannot_edit_a_target(client, w):
    url = reverse("admin:tasks_app_target_change", args=[w.target_a.pk])

    response, _messages = _post(client, w.staff_a, url, _target_form(w.target_a, quantity="1"))

    w.target_a.refresh_from_db()
    assert response.status_code == 403
    assert w.target_a.quantity == 20
    assert Event.objects.count() == 0


def test_target_history_shows_its_change_events(client, w):
    url = reverse("admin:tasks_app_target_change", args=[w.target_a.pk])
    _post(client, w.coordinator, url, _target_form(w.target_a, quantity="25"))

    response = client.get(reverse("admin:tasks_app_target_history", args=[w.target_a.pk]))

    assert [e.action for e in response.context["duban_events"]] == [Action.CHANGE_TARGET]


# --- The audit trail ---------------------------------------------------------------------------------


def test_nobody_edits_or_deletes_events_not_even_an_administrator(client, w):
    workflow.responsibility_transition(
        responsibility_id=w.resp_a.pk, action=Action.ACCEPT, actor=w.staff_a
    )
    event = Event.objects.get()
    client.force_login(w.admin)

    change = client.post(
        reverse("admin:tasks_app_event_change", args=[event.pk]), {"reason": "改掉"}
    )
    delete = client.post(reverse("admin:tasks_app_event_delete", args=[event.pk]), {"post": "yes"})

    event.refresh_from_db()
    assert (change.status_code, delete.status_code) == (403, 403)
    assert event.reason == ""
    assert Event.objects.count() == 1


def test_history_page_shows_events_newest_first(client, w):
    workflow.responsibility_transition(
        responsibility_id=w.resp_a.pk, action=Action.ACCEPT, actor=w.staff_a
    )
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        _request_extension(w, w.resp_a, w.staff_a)
    client.force_login(w.staff_a)

    response = client.get(reverse("admin:tasks_app_responsibility_history", args=[w.resp_a.pk]))

    assert [e.action for e in response.context["duban_events"]] == [
        Action.REQUEST_EXTENSION,
        Action.ACCEPT,
    ]
    assert "申请延期" in response.content.decode()


# --- Editing tasks and plans through the admin's own forms ----------------------------------------


def _management(prefix: str, initial: int) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(initial),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_coordinator_edits_a_tasks_text_but_not_its_place(client, w):
    url = reverse("admin:tasks_app_task_change", args=[w.task_a.pk])
    data = {
        "title": "甲厅牵头的任务（修订）",
        "text": "修订后的任务内容。",
        "kind": "action",
        "due_on": "2026-12-31",
        "number": "99",
        "seen": fingerprint(w.task_a),
        **_management("responsibilities", 1),
        **_management("targets", 1),
    }

    response, _messages = _post(client, w.coordinator, url, data)

    w.task_a.refresh_from_db()
    assert response.status_code == 302
    assert (w.task_a.title, w.task_a.text, w.task_a.number) == (
        "甲厅牵头的任务（修订）",
        "修订后的任务内容。",
        "1",
    )
    assert Responsibility.objects.filter(task=w.task_a).count() == 1


def test_coordinator_edits_the_plans_reporting_settings_only(client, w):
    url = reverse("admin:tasks_app_plan_change", args=[w.plan.pk])
    data = {
        "title": "改名",
        "reporting_cycle": "monthly",
        "report_due_day": "20",
        "leader_approval_required": "on",
        "progress_margin": "10",
        "seen": fingerprint(Plan.objects.get(pk=w.plan.pk)),
        **_management("issuer_links", 0),
        **_management("sections", 0),
    }

    response, _messages = _post(client, w.coordinator, url, data)

    w.plan.refresh_from_db()
    assert response.status_code == 302
    assert (w.plan.title, w.plan.reporting_cycle, w.plan.report_due_day) == (
        "共同行动方案",
        "monthly",
        20,
    )
    assert w.plan.leader_approval_required is True


def test_another_coordinator_cannot_edit_the_plan(client, w):
    url = reverse("admin:tasks_app_plan_change", args=[w.plan.pk])

    response, _messages = _post(client, w.other_coordinator, url, {"reporting_cycle": "monthly"})

    w.plan.refresh_from_db()
    assert response.status_code == 404
    assert w.plan.reporting_cycle == "quarterly"


def test_a_target_form_loaded_before_someone_elses_edit_is_refused(client, w):
    url = reverse("admin:tasks_app_target_change", args=[w.target_a.pk])
    loaded = _target_form(Target.objects.get(pk=w.target_a.pk))
    target_update(target_id=w.target_a.pk, actor=w.admin, quantity=Decimal(30))

    response, _messages = _post(client, w.coordinator, url, {**loaded, "year": "2027"})

    w.target_a.refresh_from_db()
    assert response.status_code == 200
    assert "该事项已被他人修改，请刷新页面后重试。" in response.content.decode()
    assert (w.target_a.quantity, w.target_a.year) == (Decimal(30), int(loaded["year"]))
    assert Event.objects.filter(actor=w.coordinator).count() == 0
