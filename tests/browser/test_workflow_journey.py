"""The workflow in the Chinese admin, in a real browser: what agency staff and a coordinator do.

A journey, so each test takes several steps; after every step it checks the message the person
sees and the state the database holds.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from agencies.models import User
from tasks_app.models import Action, Event, ExtensionRequest, ProgressReport, Responsibility
from tests.factories import (
    AgencyFactory,
    PlanFactory,
    ResponsibilityFactory,
    TaskFactory,
    UserFactory,
)

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

S = Responsibility.Status
R = Responsibility.Role
OTHER_AGENCY_TASK = "推进高校科技成果转化和产业化"


def minimal_pdf() -> bytes:
    """A real one-page PDF (header, objects, cross-reference table, trailer)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    pdf, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return pdf


@pytest.fixture
def world():
    """省科技厅 leads a task of a plan coordinated by 省发展改革委; 省教育厅 has a task of its own."""
    today = timezone.localdate()
    coordinating = AgencyFactory(name="江苏省发展和改革委员会", short_name="省发展改革委")
    science = AgencyFactory(name="江苏省科学技术厅", short_name="省科技厅")
    education = AgencyFactory(name="江苏省教育厅", short_name="省教育厅")
    plan = PlanFactory(
        key="苏政办发〔2024〕12号",
        title="江苏省科技创新攻坚行动方案（2024—2026年）",
        coordinating_agency=coordinating,
    )
    task = TaskFactory(plan=plan, number="3", title="建设概念验证中心和中小试基地")
    lead = ResponsibilityFactory(
        task=task, agency=science, role=R.LEAD, due_on=today + dt.timedelta(days=60)
    )
    ResponsibilityFactory(task=task, agency=education, role=R.SUPPORTING, due_on=lead.due_on)
    # More of 省科技厅's items, in every colour, so that the list looks like a working day.
    for number, title, status, days in (
        ("1", "布局建设重大科技基础设施", S.IN_PROGRESS, -12),
        ("2", "培育新型研发机构", S.IN_PROGRESS, 5),
        ("4", "完善科技企业孵化器体系", S.IN_PROGRESS, 400),
        ("5", "实施关键核心技术攻关工程", S.COMPLETED, -30),
    ):
        ResponsibilityFactory(
            task=TaskFactory(plan=plan, number=number, title=title),
            agency=science,
            status=status,
            due_on=today + dt.timedelta(days=days),
            accepted_at=timezone.now(),
        )
    ResponsibilityFactory(
        task=TaskFactory(plan=plan, number="6", title=OTHER_AGENCY_TASK), agency=education
    )
    UserFactory(username="keji", agency=science, role=User.Role.STAFF, last_name="科技厅经办人")
    UserFactory(
        username="duban", agency=coordinating, role=User.Role.COORDINATOR, last_name="督办员"
    )
    return lead


def _submit(page: Page, selector: str) -> None:
    """Click a submit button and wait for the page the form redirects to."""
    with page.expect_navigation():
        page.click(selector)


def _success(page: Page, text: str) -> None:
    expect(page.locator(".messagelist .success")).to_contain_text(text)


def test_staff_see_only_their_agencys_tasks(world, signed_in):
    page = signed_in("keji")

    expect(page).to_have_url(re.compile(r"/admin/tasks_app/responsibility/"))
    expect(page.locator("#result_list")).to_contain_text("建设概念验证中心和中小试基地")
    expect(page.locator("#result_list")).not_to_contain_text(OTHER_AGENCY_TASK)
    screenshot(page, "staff-list")

    other = Responsibility.objects.get(task__title=OTHER_AGENCY_TASK)
    response = page.goto(f"/admin/tasks_app/responsibility/{other.pk}/change/")
    assert response.status == 404


def test_accept_report_extend_complete_return_and_approve(world, signed_in):
    lead, original_due = world, world.due_on
    change_url = f"/admin/tasks_app/responsibility/{lead.pk}/change/"
    staff = signed_in("keji")

    # Staff accept the task from their list.
    _submit(staff, f"#act-{lead.pk}-accept")
    _success(staff, "已签收：3. 建设概念验证中心和中小试基地")
    lead.refresh_from_db()
    assert lead.status == S.IN_PROGRESS

    # They file this period's report with a PDF as evidence.
    staff.goto(change_url)
    staff.fill("#report_narrative", "已建成概念验证中心7个，中小试基地3个。")
    staff.fill("#report_percent", "40")
    staff.set_input_files(
        "#report_attachments",
        files=[{"name": "进展佐证.pdf", "mimeType": "application/pdf", "buffer": minimal_pdf()}],
    )
    _submit(staff, "#duban-report-submit")
    _success(staff, "进展报告已保存。")
    report = ProgressReport.objects.get(responsibility=lead)
    assert (report.status, report.percent) == (ProgressReport.Status.SUBMITTED, 40)
    assert list(report.attachments.values_list("original_name", "content_type")) == [
        ("进展佐证.pdf", "application/pdf")
    ]
    expect(staff.locator("#duban-reports")).to_contain_text("进展佐证.pdf")

    # They ask for more time, then for completion.
    requested = original_due + dt.timedelta(days=90)
    staff.fill("#extension_requested_due_on", requested.isoformat())
    staff.fill("#extension_reason", "中小试基地选址调整，需延长三个月。")
    _submit(staff, "#duban-extension-submit")
    _success(staff, "延期申请已提交，等待督办员审批。")
    extension = ExtensionRequest.objects.get(responsibility=lead)
    assert (extension.status, extension.requested_due_on) == ("pending", requested)

    _submit(staff, "#act-request_completion")
    _success(staff, "已申请办结")
    lead.refresh_from_db()
    assert lead.status == S.COMPLETION_REQUESTED
    screenshot(staff, "change-page")
    screenshot(staff, "change-page-full", full_page=True)

    # The coordinator starts on the 督办工作台 and returns the request with a reason.
    coordinator = signed_in("duban")
    expect(coordinator).to_have_url(re.compile(r"/admin/tasks_app/responsibility/dashboard/"))
    expect(coordinator.locator("#duban-plans")).to_contain_text("江苏省科技创新攻坚行动方案")
    screenshot(coordinator, "coordinator-start")

    coordinator.goto(change_url)
    coordinator.fill("#duban-reason", "佐证材料未列明中小试基地名单，请补充。")
    _submit(coordinator, "#act-return")
    _success(coordinator, "已退回")
    lead.refresh_from_db()
    assert lead.status == S.IN_PROGRESS
    returned = Event.objects.filter(responsibility=lead, action=Action.RETURN).get()
    assert returned.reason == "佐证材料未列明中小试基地名单，请补充。"

    # It approves the extension: a new deadline, the original kept for assessment.
    _submit(coordinator, f"#extension-{extension.pk}-approve")
    _success(coordinator, "已批准延期。")
    lead.refresh_from_db()
    extension.refresh_from_db()
    assert extension.status == ExtensionRequest.Status.APPROVED
    assert (lead.due_on, lead.original_due_on) == (requested, original_due)

    # Staff ask for completion again; the coordinator confirms it.
    staff.goto(change_url)
    _submit(staff, "#act-request_completion")
    _success(staff, "已申请办结")
    lead.refresh_from_db()
    assert lead.status == S.COMPLETION_REQUESTED

    coordinator.goto(change_url)
    _submit(coordinator, "#act-approve_completion")
    _success(coordinator, "已确认办结")
    lead.refresh_from_db()
    assert lead.status == S.COMPLETED
    assert lead.completed_at is not None
    assert lead.completed_late is False
