"""The workflow worked through the admin: row buttons, the change page's forms, optimistic
concurrency, bulk actions, 交办 and target edits. The admin only calls the services; these tests
check that each button and form reaches them, and that a refusal shows the service's message and
changes nothing."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tasks_app.models import (
    Action,
    Event,
    ExtensionRequest,
    ProgressReport,
    Responsibility,
)
from tasks_app.services import workflow
from tasks_app.services.reports import progress_report_submit
from tasks_app.services.workflow import available_actions
from tests.factories import ResponsibilityFactory, admin_world

pytestmark = pytest.mark.django_db
S = Responsibility.Status
NOW = dt.datetime(2025, 6, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LIST = reverse("admin:tasks_app_responsibility_changelist")
STALE = "该事项已被他人修改，请刷新页面后重试。"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def w():
    return admin_world()


def _post(client, user, url, data):
    client.force_login(user)
    response = client.post(url, data)
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    client.cookies.pop("messages", None)  # as if the next page had shown them
    return response, messages


def _transition(client, user, responsibility, action, *, version=None, reason=""):
    url = reverse("admin:tasks_app_responsibility_transition", args=[responsibility.pk])
    data = {
        "action": action,
        "version": responsibility.version if version is None else version,
        "reason": reason,
        "next": LIST,
    }
    return _post(client, user, url, data)


def _state(responsibility):
    responsibility.refresh_from_db()
    return (responsibility.status, responsibility.version, Event.objects.count())


def _set_status(responsibility, status, **fields):
    Responsibility.objects.filter(pk=responsibility.pk).update(status=status, **fields)
    responsibility.refresh_from_db()


def _row_buttons(html: str, pk: int) -> list[str]:
    return re.findall(rf'id="act-{pk}-(\w+)"', html)


# --- Row buttons: exactly the transitions available_actions allows ----------------------------


@pytest.mark.parametrize("status", S.values)
@pytest.mark.parametrize("role", ["staff_a", "leader_a", "coordinator", "admin"])
def test_list_shows_exactly_the_allowed_buttons(client, w, status, role):
    _set_status(w.resp_a, status, accepted_at=NOW)
    user = getattr(w, role)
    client.force_login(user)

    html = client.get(LIST + "?scope=all").content.decode()

    expected = available_actions(user=user, responsibility=w.resp_a)
    assert _row_buttons(html, w.resp_a.pk) == [str(a) for a in expected]


def test_staff_see_no_buttons_on_other_agencies_rows(client, w):
    ResponsibilityFactory(task=w.task_a, agency=w.resp_b.agency, role="supporting")
    client.force_login(w.staff_a)

    html = client.get(LIST + "?scope=partners").content.decode()

    supporting = Responsibility.objects.get(task=w.task_a, agency=w.resp_b.agency)
    assert f'data-responsibility="{supporting.pk}"' not in html
    assert _row_buttons(html, supporting.pk) == []


def test_a_reason_box_is_offered_only_with_a_transition_that_needs_one(client, w):
    client.force_login(w.staff_a)
    staff = client.get(LIST).content.decode()  # 签收 only
    client.force_login(w.coordinator)
    coordinator = client.get(LIST).content.decode()  # 中止, which needs a reason

    assert f'id="reason-{w.resp_a.pk}"' not in staff
    assert f'id="reason-{w.resp_a.pk}"' in coordinator


# --- Posting a button ------------------------------------------------------------------------------


def test_accept_button_accepts_and_records_an_event(client, w):
    response, messages = _transition(client, w.staff_a, w.resp_a, Action.ACCEPT)

    w.resp_a.refresh_from_db()
    assert response.status_code == 302 and response.url == LIST
    assert w.resp_a.status == S.IN_PROGRESS
    assert w.resp_a.version == 2
    event = Event.objects.get(responsibility=w.resp_a)
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        Action.ACCEPT,
        w.staff_a,
        S.ASSIGNED,
        S.IN_PROGRESS,
    )
    assert messages == ["已签收：1. 甲厅牵头的任务"]


def test_unauthorised_transition_shows_the_services_message_and_changes_nothing(client, w):
    _set_status(w.resp_a, S.COMPLETION_REQUESTED)
    before = _state(w.resp_a)

    _response, messages = _transition(client, w.staff_a, w.resp_a, Action.APPROVE_COMPLETION)

    assert _state(w.resp_a) == before
    assert messages == ["您没有权限执行此操作。"]


def test_illegal_transition_shows_the_services_message_and_changes_nothing(client, w):
    _set_status(w.resp_a, S.IN_PROGRESS)
    before = _state(w.resp_a)

    _response, messages = _transition(client, w.staff_a, w.resp_a, Action.ACCEPT)

    assert _state(w.resp_a) == before
    assert messages == ["当前状态为“办理中”，不能执行“签收”。"]


def test_unknown_action_changes_nothing(client, w):
    before = _state(w.resp_a)

    _response, messages = _transition(client, w.staff_a, w.resp_a, "delete_everything")

    assert _state(w.resp_a) == before
    assert messages == ["未知的操作：delete_everything"]


def test_return_needs_a_reason(client, w):
    _set_status(w.resp_a, S.COMPLETION_REQUESTED, accepted_at=NOW)
    before = _state(w.resp_a)

    _response, messages = _transition(client, w.coordinator, w.resp_a, Action.RETURN)

    assert _state(w.resp_a) == before
    assert messages[0] == "“退回”须填写理由。"


def test_return_with_a_reason_records_it(client, w):
    _set_status(w.resp_a, S.COMPLETION_REQUESTED, accepted_at=NOW)

    _transition(client, w.coordinator, w.resp_a, Action.RETURN, reason="佐证材料不全")

    w.resp_a.refresh_from_db()
    assert w.resp_a.status == S.IN_PROGRESS
    assert Event.objects.get(responsibility=w.resp_a).reason == "佐证材料不全"


def test_a_form_without_version_is_refused(client, w):
    before = _state(w.resp_a)
    client.force_login(w.staff_a)
    url = reverse("admin:tasks_app_responsibility_transition", args=[w.resp_a.pk])

    response = client.post(url, {"action": Action.ACCEPT})

    assert response.status_code == 302
    assert _state(w.resp_a) == before


def test_get_on_a_post_endpoint_is_not_allowed(client, w):
    client.force_login(w.staff_a)
    url = reverse("admin:tasks_app_responsibility_transition", args=[w.resp_a.pk])

    assert client.get(url).status_code == 405


# --- Two people, one item ----------------------------------------------------------------------------


def test_second_post_with_the_same_version_gets_the_stale_message(client, w):
    version = w.resp_a.version
    _transition(client, w.staff_a, w.resp_a, Action.ACCEPT, version=version)
    after_first = _state(w.resp_a)

    _response, messages = _transition(client, w.leader_a, w.resp_a, Action.ACCEPT, version=version)

    assert _state(w.resp_a) == after_first
    assert messages == [STALE]


def test_stale_deadline_form_changes_nothing(client, w):
    version = w.resp_a.version
    _transition(client, w.staff_a, w.resp_a, Action.ACCEPT, version=version)
    w.resp_a.refresh_from_db()
    before = (w.resp_a.due_on, w.resp_a.version)
    url = reverse("admin:tasks_app_responsibility_deadline", args=[w.resp_a.pk])

    _response, messages = _post(
        client, w.coordinator, url, {"due_on": "2026-03-31", "reason": "", "version": version}
    )

    w.resp_a.refresh_from_db()
    assert (w.resp_a.due_on, w.resp_a.version) == before
    assert messages == [STALE]


def test_the_list_and_the_change_page_carry_the_current_version(client, w):
    workflow.responsibility_transition(
        responsibility_id=w.resp_a.pk, action=Action.ACCEPT, actor=w.staff_a
    )
    client.force_login(w.staff_a)
    change = reverse("admin:tasks_app_responsibility_change", args=[w.resp_a.pk])

    listing = client.get(LIST).content.decode()
    page = client.get(change).content.decode()

    row_form = re.search(rf'<form id="row-{w.resp_a.pk}".*?</form>', listing, re.S).group(0)
    assert 'name="version" value="2"' in row_form
    assert 'name="version" value="2"' in page


# --- The change page's forms ------------------------------------------------------------------------


def _accept(w):
    workflow.responsibility_transition(
        responsibility_id=w.resp_a.pk, action=Action.ACCEPT, actor=w.staff_a
    )
    w.resp_a.refresh_from_db()


def _report_data(w, **changes):
    data = {
        "version": w.resp_a.version,
        "period_start": "2025-04-01",
        "narrative": "已建成7个概念验证中心。",
        "percent": "35",
        f"target_{w.target_a.pk}_value": "7",
        f"target_{w.target_a.pk}_items": "南京中心\n苏州中心\n",
        "attachments": [
            SimpleUploadedFile("材料一.pdf", PDF, "application/pdf"),
            SimpleUploadedFile("材料二.pdf", PDF, "application/pdf"),
        ],
    }
    data.update(changes)
    return data


def test_report_form_files_the_report_with_values_and_attachments(client, w):
    _accept(w)
    url = reverse("admin:tasks_app_responsibility_report", args=[w.resp_a.pk])

    _response, messages = _post(client, w.staff_a, url, _report_data(w))

    report = ProgressReport.objects.get(responsibility=w.resp_a)
    assert (report.narrative, report.percent, report.period_start) == (
        "已建成7个概念验证中心。",
        35,
        dt.date(2025, 4, 1),
    )
    value = report.target_values.get()
    assert (value.target, value.value, value.items) == (w.target_a, 7, ["南京中心", "苏州中心"])
    assert sorted(a.original_name for a in report.attachments.all()) == ["材料一.pdf", "材料二.pdf"]
    assert messages == ["进展报告已保存。"]


def test_invalid_report_form_saves_nothing_and_keeps_the_text(client, w):
    _accept(w)
    url = reverse("admin:tasks_app_responsibility_report", args=[w.resp_a.pk])
    change = reverse("admin:tasks_app_responsibility_change", args=[w.resp_a.pk])

    _response, messages = _post(client, w.staff_a, url, _report_data(w, percent="150"))
    page = client.get(change).content.decode()

    assert ProgressReport.objects.count() == 0
    assert messages == ["完成比例(%)：确保该值小于或等于100。"]
    assert "已建成7个概念验证中心。" in page


def test_report_refused_by_the_service_shows_its_message(client, w):
    url = reverse("admin:tasks_app_responsibility_report", args=[w.resp_a.pk])  # not accepted

    _response, messages = _post(client, w.staff_a, url, _report_data(w))

    assert ProgressReport.objects.count() == 0
    assert messages == ["该事项尚未签收，请先签收再报送进展。"]


def test_report_form_is_offered_to_the_agency_only_once_accepted(client, w):
    change = reverse("admin:tasks_app_responsibility_change", args=[w.resp_a.pk])
    client.force_login(w.staff_a)
    before = client.get(change).content.decode()
    _accept(w)

    after = client.get(change).content.decode()
    client.force_login(w.coordinator)
    coordinator = client.get(change).content.decode()

    assert 'id="duban-report-form"' not in before
    assert 'id="duban-report-form"' in after
    assert 'id="duban-report-form"' not in coordinator


def test_extension_request_then_coordinator_approves_it(client, w):
    extension_url = reverse("admin:tasks_app_responsibility_extension", args=[w.resp_a.pk])
    _response, requested = _post(
        client,
        w.staff_a,
        extension_url,
        {"version": w.resp_a.version, "requested_due_on": "2027-06-30", "reason": "用地审批延后"},
    )
    extension = ExtensionRequest.objects.get()
    decide = reverse("admin:tasks_app_extensionrequest_decide", args=[extension.pk])

    _response, decided = _post(client, w.coordinator, decide, {"decision": "approve", "note": ""})

    w.resp_a.refresh_from_db()
    extension.refresh_from_db()
    assert requested == ["延期申请已提交，等待督办员审批。"]
    assert decided == ["已批准延期。"]
    assert extension.status == ExtensionRequest.Status.APPROVED
    assert (w.resp_a.due_on, w.resp_a.original_due_on) == (
        dt.date(2027, 6, 30),
        dt.date(2026, 12, 31),
    )


def test_refusing_an_extension_needs_a_note(client, w):
    extension = workflow.extension_request_create(
        responsibility_id=w.resp_a.pk,
        actor=w.staff_a,
        requested_due_on=dt.date(2027, 6, 30),
        reason="理由",
    )
    decide = reverse("admin:tasks_app_extensionrequest_decide", args=[extension.pk])

    _response, messages = _post(client, w.coordinator, decide, {"decision": "refuse", "note": ""})

    extension.refresh_from_db()
    assert extension.status == ExtensionRequest.Status.PENDING
    assert messages[0] == "不予延期须填写理由。"


def test_staff_cannot_decide_their_own_extension(client, w):
    extension = workflow.extension_request_create(
        responsibility_id=w.resp_a.pk,
        actor=w.staff_a,
        requested_due_on=dt.date(2027, 6, 30),
        reason="理由",
    )
    decide = reverse("admin:tasks_app_extensionrequest_decide", args=[extension.pk])

    _response, messages = _post(client, w.staff_a, decide, {"decision": "approve"})

    extension.refresh_from_db()
    assert extension.status == ExtensionRequest.Status.PENDING
    assert messages == ["您没有权限执行此操作。"]


def test_deadline_form_sets_the_deadline(client, w):
    url = reverse("admin:tasks_app_responsibility_deadline", args=[w.resp_a.pk])

    _response, messages = _post(
        client,
        w.coordinator,
        url,
        {"due_on": "2026-03-31", "reason": "提前", "version": w.resp_a.version},
    )

    w.resp_a.refresh_from_db()
    assert w.resp_a.due_on == dt.date(2026, 3, 31)
    assert Event.objects.get(responsibility=w.resp_a).action == Action.SET_DEADLINE
    assert messages == ["完成时限已调整。"]


def test_reassign_form_moves_the_item_to_the_new_agency(client, w):
    url = reverse("admin:tasks_app_responsibility_reassign", args=[w.resp_a.pk])
    data = {
        "agency": w.other_coordinator.agency_id,
        "role": "lead",
        "reason": "职责调整",
        "version": w.resp_a.version,
        "next": reverse("admin:tasks_app_responsibility_change", args=[w.resp_a.pk]),
    }

    response, messages = _post(client, w.coordinator, url, data)

    w.resp_a.refresh_from_db()
    assert w.resp_a.agency_id == w.other_coordinator.agency_id
    assert w.resp_a.status == S.ASSIGNED
    assert messages == ["责任单位已调整。"]
    assert response.url == reverse("admin:tasks_app_responsibility_change", args=[w.resp_a.pk])


def test_report_return_and_leader_approval(client, w):
    w.plan.leader_approval_required = True
    w.plan.save()
    _accept(w)
    url = reverse("admin:tasks_app_responsibility_report", args=[w.resp_a.pk])
    _post(client, w.staff_a, url, _report_data(w, attachments=[]))
    report = ProgressReport.objects.get()
    approve = reverse("admin:tasks_app_report_approve", args=[report.pk])
    give_back = reverse("admin:tasks_app_report_return", args=[report.pk])

    _r, approved = _post(client, w.leader_a, approve, {"report_version": report.version})
    report.refresh_from_db()
    _r, returned = _post(
        client, w.coordinator, give_back, {"report_version": report.version, "reason": "数据有误"}
    )

    report.refresh_from_db()
    assert approved == ["进展报告已审核通过，报送督办员。"]
    assert returned == ["进展报告已退回。"]
    assert (report.status, report.return_reason) == (ProgressReport.Status.RETURNED, "数据有误")


def test_attachment_download_returns_the_file(client, w):
    _accept(w)
    _post(
        client,
        w.staff_a,
        reverse("admin:tasks_app_responsibility_report", args=[w.resp_a.pk]),
        _report_data(w),
    )
    attachment = ProgressReport.objects.get().attachments.first()

    response = client.get(reverse("admin:tasks_app_report_attachment", args=[attachment.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_lead_agency_sees_the_supporting_agencys_report_not_the_other_way_round(client, w):
    support = ResponsibilityFactory(task=w.task_a, agency=w.resp_b.agency, role="supporting")
    for item, staff, text in (
        (w.resp_a, w.staff_a, "牵头汇总报告"),
        (support, w.staff_b, "配合单位报告"),
    ):
        workflow.responsibility_transition(responsibility_id=item.pk, action="accept", actor=staff)
        progress_report_submit(responsibility_id=item.pk, actor=staff, narrative=text, percent=10)

    client.force_login(w.staff_a)
    lead_page = client.get(reverse("admin:tasks_app_responsibility_change", args=[w.resp_a.pk]))
    client.force_login(w.staff_b)
    support_page = client.get(reverse("admin:tasks_app_responsibility_change", args=[support.pk]))

    assert [r.narrative for r in lead_page.context["duban_reports"]] == [
        "牵头汇总报告",
        "配合单位报告",
    ]
    assert [r.narrative for r in support_page.context["duban_reports"]] == ["配合单位报告"]
    assert "牵头汇总报告" not in support_page.content.decode()


def test_supporting_agency_sees_who_leads_but_not_the_leads_status(client, w):
    support = ResponsibilityFactory(task=w.task_a, agency=w.resp_b.agency, role="supporting")
    client.force_login(w.staff_b)

    response = client.get(reverse("admin:tasks_app_responsibility_change", args=[support.pk]))

    [lead] = response.context["duban_involved"]
    assert (lead.pk, lead.visible) == (w.resp_a.pk, False)
    assert reverse("admin:tasks_app_responsibility_change", args=[w.resp_a.pk]) not in (
        response.content.decode()
    )
