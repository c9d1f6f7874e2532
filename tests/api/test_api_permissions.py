"""The permission matrix: every route and method of /api/v1/ × {staff of agency A, staff of agency
B, A's leader, the plan's coordinator, an administrator, anonymous, a revoked token}: the exact
status, and that no response to A's people (or to the coordinator) carries anything that is B's
alone (or another coordinator's plan), whatever the endpoint: lists, details, filters, exports,
the calendar feed. An administrator gets what the coordinator gets unless an operation says
otherwise.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator

from tasks_app.api.concurrency import fingerprint_etag
from tasks_app.models import Plan, ReminderPolicy, Target, Task, WorkingDayException
from tests.api.world import B_MARKERS, OTHER_PLAN_MARKER, World

pytestmark = pytest.mark.django_db

ROLES = ("staff_a", "staff_b", "leader_a", "coordinator", "administrator", "anonymous", "revoked")
UNAUTH = {"anonymous": 401, "revoked": 401}


def everyone(status: int) -> dict[str, int]:
    return {"staff_a": status, "staff_b": status, "leader_a": status, "coordinator": status}


def etag(record) -> str:
    record.refresh_from_db()
    return f'"{record.pk}.{record.version}"'


def fingerprint(model, pk: int) -> dict[str, str]:
    """If-Match for a record without a version, as its detail's ETag gives it."""
    return {"If-Match": fingerprint_etag(model.objects.get(pk=pk))}


@dataclass
class Op:
    method: str
    template: str  # as in the OpenAPI schema
    expected: dict[str, int]
    path: Callable[[World, str], str]
    body: Callable[[World], dict] | None = None
    headers: Callable[[World], dict] | None = None
    multipart: bool = False


def _p(fmt: str):
    """A path from the template's placeholders, filled from the world."""
    return lambda w, who: fmt.format(w=w)


OPS = [
    Op(
        "GET",
        "/api/v1/schema/",
        {**everyone(200), "anonymous": 200, "revoked": 200},
        _p("/api/v1/schema/"),
    ),
    Op(
        "GET",
        "/api/v1/docs/",
        {**everyone(200), "anonymous": 200, "revoked": 200},
        _p("/api/v1/docs/"),
    ),
    Op("GET", "/api/v1/me/", everyone(200), _p("/api/v1/me/")),
    Op("GET", "/api/v1/calendar/feed/", everyone(200), _p("/api/v1/calendar/feed/")),
    Op("POST", "/api/v1/calendar/feed/", everyone(201), _p("/api/v1/calendar/feed/")),
    Op("DELETE", "/api/v1/calendar/feed/", everyone(204), _p("/api/v1/calendar/feed/")),
    # The feed needs no login: the secret in the URL is the credential (A's, or a revoked one).
    Op(
        "GET",
        "/api/v1/calendar/{secret}.ics",
        {**everyone(200), "anonymous": 200, "revoked": 404},
        lambda w, who: (
            f"/api/v1/calendar/{w.calendar['staff_a' if who == 'anonymous' else who]}.ics"
        ),
    ),
    Op("GET", "/api/v1/agencies/", everyone(200), _p("/api/v1/agencies/")),
    Op(
        "GET",
        "/api/v1/agencies/{id}/",
        {**everyone(200), "staff_b": 404},
        _p("/api/v1/agencies/{w.a.pk}/"),
    ),
    Op("GET", "/api/v1/plans/", everyone(200), _p("/api/v1/plans/")),
    Op("GET", "/api/v1/plans/{id}/", everyone(200), _p("/api/v1/plans/{w.plan.pk}/")),
    Op(
        "PATCH",
        "/api/v1/plans/{id}/",
        {**everyone(403), "coordinator": 200},
        _p("/api/v1/plans/{w.plan.pk}/"),
        body=lambda w: {"reporting_cycle": "monthly"},
        headers=lambda w: fingerprint(Plan, w.plan.pk),
    ),
    Op(
        "GET",
        "/api/v1/plans/{id}/statistics/",
        everyone(200),
        _p("/api/v1/plans/{w.plan.pk}/statistics/"),
    ),
    Op(
        "GET",
        "/api/v1/plans/{id}/assessment/",
        everyone(200),
        _p("/api/v1/plans/{w.plan.pk}/assessment/"),
    ),
    Op("GET", "/api/v1/plans/{id}/matrix/", everyone(200), _p("/api/v1/plans/{w.plan.pk}/matrix/")),
    Op(
        "GET",
        "/api/v1/plans/{id}/matrix/export/{fmt}/",
        everyone(200),
        _p("/api/v1/plans/{w.plan.pk}/matrix/export/xlsx/"),
    ),
    Op(
        "GET",
        "/api/v1/plans/{id}/matrix/export/{fmt}/",
        everyone(200),
        _p("/api/v1/plans/{w.plan.pk}/matrix/export/csv/"),
    ),
    Op(
        "POST",
        "/api/v1/plans/import/",
        {"staff_a": 403, "staff_b": 403, "leader_a": 403, "coordinator": 200},
        _p("/api/v1/plans/import/"),
        body=lambda w: {"file": _document(), "dry_run": "true", "create_agencies": "true"},
        multipart=True,
    ),
    Op("GET", "/api/v1/tasks/", everyone(200), _p("/api/v1/tasks/")),
    Op(
        "GET",
        "/api/v1/tasks/{id}/",
        {**everyone(200), "staff_b": 404},
        _p("/api/v1/tasks/{w.task_a.pk}/"),
    ),
    Op(
        "PATCH",
        "/api/v1/tasks/{id}/",
        {"staff_a": 403, "staff_b": 404, "leader_a": 403, "coordinator": 200},
        _p("/api/v1/tasks/{w.task_a.pk}/"),
        body=lambda w: {"title": "甲厅牵头任务（修订）", "reason": "按新文件"},
        headers=lambda w: fingerprint(Task, w.task_a.pk),
    ),
    Op(
        "POST",
        "/api/v1/tasks/{id}/responsibilities/",
        {"staff_a": 403, "staff_b": 404, "leader_a": 403, "coordinator": 201},
        _p("/api/v1/tasks/{w.task_a.pk}/responsibilities/"),
        body=lambda w: {"agency": w.b.pk, "role": "supporting", "reason": "增加配合单位"},
    ),
    Op("GET", "/api/v1/responsibilities/", everyone(200), _p("/api/v1/responsibilities/")),
    Op(
        "GET",
        "/api/v1/responsibilities/{id}/",
        {**everyone(200), "staff_b": 404},
        _p("/api/v1/responsibilities/{w.resp_a.pk}/"),
    ),
    Op(
        "POST",
        "/api/v1/responsibilities/{id}/transitions/",
        {"staff_a": 200, "staff_b": 404, "leader_a": 200, "coordinator": 403},
        _p("/api/v1/responsibilities/{w.resp_a.pk}/transitions/"),
        body=lambda w: {"action": "accept"},
        headers=lambda w: {"If-Match": etag(w.resp_a)},
    ),
    Op(
        "POST",
        "/api/v1/responsibilities/{id}/extension-requests/",
        {"staff_a": 201, "staff_b": 404, "leader_a": 201, "coordinator": 403},
        _p("/api/v1/responsibilities/{w.resp_a.pk}/extension-requests/"),
        body=lambda w: {
            "requested_due_on": str(w.today.replace(year=w.today.year + 1)),
            "reason": "需要更多时间",
        },
        headers=lambda w: {"If-Match": etag(w.resp_a)},
    ),
    Op(
        "POST",
        "/api/v1/responsibilities/{id}/deadline/",
        {"staff_a": 403, "staff_b": 404, "leader_a": 403, "coordinator": 200},
        _p("/api/v1/responsibilities/{w.resp_a.pk}/deadline/"),
        body=lambda w: {"due_on": str(w.today.replace(year=w.today.year + 1))},
        headers=lambda w: {"If-Match": etag(w.resp_a)},
    ),
    Op(
        "POST",
        "/api/v1/responsibilities/{id}/reassign/",
        {"staff_a": 403, "staff_b": 404, "leader_a": 403, "coordinator": 200},
        _p("/api/v1/responsibilities/{w.resp_a.pk}/reassign/"),
        body=lambda w: {"agency": w.b.pk, "role": "lead", "reason": "职能调整"},
        headers=lambda w: {"If-Match": etag(w.resp_a)},
    ),
    Op(
        "POST",
        "/api/v1/responsibilities/{id}/assignees/",
        {"staff_a": 200, "staff_b": 404, "leader_a": 200, "coordinator": 200},
        _p("/api/v1/responsibilities/{w.resp_a.pk}/assignees/"),
        body=lambda w: {"user_ids": [w.users["staff_a"].pk]},
        headers=lambda w: {"If-Match": etag(w.resp_a)},
    ),
    # Whom A's item can be given to: those who may name its 经办人 (A's people, the coordinator).
    Op(
        "GET",
        "/api/v1/responsibilities/{id}/assignable-users/",
        {"staff_a": 200, "staff_b": 404, "leader_a": 200, "coordinator": 200},
        _p("/api/v1/responsibilities/{w.resp_a.pk}/assignable-users/"),
    ),
    # B's item is visible to A (A leads the task) but A may not name B's people.
    Op(
        "GET",
        "/api/v1/responsibilities/{id}/assignable-users/",
        {"staff_a": 403, "staff_b": 200, "leader_a": 403, "coordinator": 200},
        _p("/api/v1/responsibilities/{w.resp_ab_support.pk}/assignable-users/"),
    ),
    Op(
        "POST",
        "/api/v1/responsibilities/{id}/reports/",
        {"staff_a": 201, "staff_b": 404, "leader_a": 201, "coordinator": 403},
        _p("/api/v1/responsibilities/{w.resp_ab_lead.pk}/reports/"),
        body=lambda w: {"narrative": "本期按计划推进", "percent": "40"},
        headers=lambda w: {"If-Match": etag(w.resp_ab_lead)},
        multipart=True,
    ),
    Op(
        "GET",
        "/api/v1/responsibilities/export/{fmt}/",
        everyone(200),
        _p("/api/v1/responsibilities/export/xlsx/"),
    ),
    Op(
        "GET",
        "/api/v1/responsibilities/export/{fmt}/",
        everyone(200),
        _p("/api/v1/responsibilities/export/csv/"),
    ),
    Op("GET", "/api/v1/reports/", everyone(200), _p("/api/v1/reports/")),
    Op(
        "GET",
        "/api/v1/reports/{id}/",
        {**everyone(200), "staff_b": 404},
        _p("/api/v1/reports/{w.report_a.pk}/"),
    ),
    Op(
        "POST",
        "/api/v1/reports/{id}/return/",
        {"staff_a": 403, "staff_b": 404, "leader_a": 403, "coordinator": 200},
        _p("/api/v1/reports/{w.report_a.pk}/return/"),
        body=lambda w: {"reason": "数据不完整"},
        headers=lambda w: {"If-Match": etag(w.report_a)},
    ),
    Op(
        "POST",
        "/api/v1/reports/{id}/approve/",
        {"staff_a": 403, "staff_b": 404, "leader_a": 200, "coordinator": 403},
        _p("/api/v1/reports/{w.report_pending.pk}/approve/"),
        headers=lambda w: {"If-Match": etag(w.report_pending)},
    ),
    Op(
        "GET",
        "/api/v1/reports/{id}/attachments/{attachment_id}/",
        {**everyone(200), "staff_b": 404},
        _p("/api/v1/reports/{w.report_a.pk}/attachments/{w.attachment_a.pk}/"),
    ),
    Op("GET", "/api/v1/extension-requests/", everyone(200), _p("/api/v1/extension-requests/")),
    Op(
        "GET",
        "/api/v1/extension-requests/{id}/",
        {**everyone(200), "staff_b": 404},
        _p("/api/v1/extension-requests/{w.extension_a.pk}/"),
    ),
    Op(
        "POST",
        "/api/v1/extension-requests/{id}/decision/",
        {"staff_a": 403, "staff_b": 404, "leader_a": 403, "coordinator": 200},
        _p("/api/v1/extension-requests/{w.extension_a.pk}/decision/"),
        body=lambda w: {"approve": True},
        headers=lambda w: {"If-Match": f'"{w.extension_a.pk}.pending"'},
    ),
    Op("GET", "/api/v1/completion-requests/", everyone(200), _p("/api/v1/completion-requests/")),
    Op(
        "GET",
        "/api/v1/completion-requests/{id}/",
        {**everyone(200), "staff_b": 404},
        _p("/api/v1/completion-requests/{w.completion_a.pk}/"),
    ),
    Op(
        "POST",
        "/api/v1/completion-requests/{id}/decision/",
        {"staff_a": 403, "staff_b": 404, "leader_a": 403, "coordinator": 200},
        _p("/api/v1/completion-requests/{w.completion_a.pk}/decision/"),
        body=lambda w: {"approve": True},
        headers=lambda w: {"If-Match": etag(w.completion_a)},
    ),
    Op("GET", "/api/v1/events/", everyone(200), _p("/api/v1/events/")),
    Op(
        "GET",
        "/api/v1/events/{id}/",
        {**everyone(200), "staff_b": 404},
        _p("/api/v1/events/{w.event_a.pk}/"),
    ),
    Op(
        "GET", "/api/v1/reminders/", {**everyone(403), "coordinator": 200}, _p("/api/v1/reminders/")
    ),
    Op(
        "GET",
        "/api/v1/reminders/{id}/",
        {**everyone(403), "coordinator": 200},
        _p("/api/v1/reminders/{w.reminder_a.pk}/"),
    ),
    Op(
        "POST",
        "/api/v1/reminders/send/",
        {**everyone(403), "coordinator": 200},
        _p("/api/v1/reminders/send/"),
        body=lambda w: {"responsibilities": [w.resp_a.pk], "note": "请尽快签收"},
    ),
    Op("GET", "/api/v1/targets/", everyone(200), _p("/api/v1/targets/")),
    Op(
        "GET",
        "/api/v1/targets/{id}/",
        {**everyone(200), "staff_b": 404},
        _p("/api/v1/targets/{w.target_a.pk}/"),
    ),
    Op(
        "PATCH",
        "/api/v1/targets/{id}/",
        {"staff_a": 403, "staff_b": 404, "leader_a": 403, "coordinator": 200},
        _p("/api/v1/targets/{w.target_a.pk}/"),
        body=lambda w: {"quantity": "25"},
        headers=lambda w: fingerprint(Target, w.target_a.pk),
    ),
    Op(
        "GET",
        "/api/v1/reminder-policies/",
        {**everyone(403), "coordinator": 200},
        _p("/api/v1/reminder-policies/"),
    ),
    Op(
        "POST",
        "/api/v1/reminder-policies/",
        {**everyone(403), "coordinator": 201},
        _p("/api/v1/reminder-policies/"),
        body=lambda w: {"plan": w.spare_plan.pk, "overdue_every": 5},
    ),
    Op(
        "GET",
        "/api/v1/reminder-policies/{id}/",
        {**everyone(403), "coordinator": 200},
        _p("/api/v1/reminder-policies/{w.policy.pk}/"),
    ),
    Op(
        "PATCH",
        "/api/v1/reminder-policies/{id}/",
        {**everyone(403), "coordinator": 200},
        _p("/api/v1/reminder-policies/{w.policy.pk}/"),
        body=lambda w: {"enabled": False},
        headers=lambda w: fingerprint(ReminderPolicy, w.policy.pk),
    ),
    Op(
        "DELETE",
        "/api/v1/reminder-policies/{id}/",
        {**everyone(403), "coordinator": 204},
        _p("/api/v1/reminder-policies/{w.policy.pk}/"),
        headers=lambda w: fingerprint(ReminderPolicy, w.policy.pk),
    ),
    Op("GET", "/api/v1/reminder-emails/", everyone(200), _p("/api/v1/reminder-emails/")),
    Op(
        "GET",
        "/api/v1/reminder-emails/{id}/",
        {**everyone(200), "staff_b": 404},
        _p("/api/v1/reminder-emails/{w.digest_a.pk}/"),
    ),
    Op(
        "POST",
        "/api/v1/reminder-emails/resend/",
        {**everyone(403), "coordinator": 200},
        _p("/api/v1/reminder-emails/resend/"),
        body=lambda w: {"emails": [w.digest_a.pk]},
    ),
    Op("GET", "/api/v1/working-days/", everyone(200), _p("/api/v1/working-days/")),
    Op(
        "GET",
        "/api/v1/working-days/{id}/",
        everyone(200),
        _p("/api/v1/working-days/{w.holiday.pk}/"),
    ),
    Op(
        "POST",
        "/api/v1/working-days/",
        {**everyone(403), "administrator": 201},
        _p("/api/v1/working-days/"),
        body=lambda w: {"date": "2031-10-02", "is_working_day": False, "note": "国庆节"},
    ),
    Op(
        "PATCH",
        "/api/v1/working-days/{id}/",
        {**everyone(403), "administrator": 200},
        _p("/api/v1/working-days/{w.holiday.pk}/"),
        body=lambda w: {"note": "国庆节假期"},
        headers=lambda w: fingerprint(WorkingDayException, w.holiday.pk),
    ),
    Op(
        "DELETE",
        "/api/v1/working-days/{id}/",
        {**everyone(403), "administrator": 204},
        _p("/api/v1/working-days/{w.holiday.pk}/"),
        headers=lambda w: fingerprint(WorkingDayException, w.holiday.pk),
    ),
    Op("GET", "/api/v1/tokens/", everyone(200), _p("/api/v1/tokens/")),
    Op(
        "POST",
        "/api/v1/tokens/",
        everyone(201),
        _p("/api/v1/tokens/"),
        body=lambda w: {"name": "OA"},
    ),
    # Everybody tries to revoke A's token: only A may.
    Op(
        "DELETE",
        "/api/v1/tokens/{id}/",
        {**everyone(404), "staff_a": 204},
        lambda w, who: f"/api/v1/tokens/{w.token_ids['staff_a']}/",
    ),
]
# Every list's export (views/exporting.py) answers each caller as the list does, in both formats;
# the files' text is searched for the markers like any other body (_text opens the .xlsx).
EXPORTED_LISTS = (
    *("agencies", "plans", "tasks", "targets", "reports", "extension-requests"),
    *("completion-requests", "events", "reminders", "reminder-policies", "reminder-emails"),
    "working-days",
)
_LISTS = {op.template: op for op in OPS if op.method == "GET"}
OPS += [
    Op(
        "GET",
        f"/api/v1/{name}/export/{{fmt}}/",
        _LISTS[f"/api/v1/{name}/"].expected,
        _p(f"/api/v1/{name}/export/{fmt}/"),
    )
    for name in EXPORTED_LISTS
    for fmt in ("xlsx", "csv")
]
CASES = [pytest.param(op, id=f"{op.method} {op.template}") for op in OPS]


def _document():
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = (
        "江苏省测试产业行动方案（2024-2026年）\n\n一、重点任务\n"
        "1. 建设概念验证中心。到2026年建设20个概念验证中心。（省科技厅牵头，省教育厅配合）\n"
    )
    return SimpleUploadedFile("plan.txt", text.encode("utf-8"), content_type="text/plain")


def _text(response) -> str:
    """Everything a response shows: the body, or the text inside an .xlsx package."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            content = b"".join(package.read(name) for name in package.namelist())
    return content.decode("utf-8", "replace")


def _call(world: World, op: Op, who: str):
    client = world.client(who)
    kwargs = {}
    if op.headers:
        kwargs["headers"] = op.headers(world)
    path = op.path(world, who)
    method = getattr(client, op.method.lower())
    if op.body is None:
        return method(path, **kwargs)
    if op.multipart:
        return method(path, op.body(world), **kwargs)
    return method(path, op.body(world), content_type="application/json", **kwargs)


@pytest.mark.parametrize("op", CASES)
def test_status_and_no_leak(world, op: Op, subtests):
    """One world per route; each role's request runs in a savepoint that is rolled back, so that
    every role meets the same world (e.g. the responsibility A accepts is still unaccepted when
    the coordinator tries)."""
    for who in ROLES:
        with subtests.test(who=who):
            savepoint = transaction.savepoint()
            try:
                _check(world, op, who)
            finally:
                transaction.savepoint_rollback(savepoint)


def _check(world: World, op: Op, who: str) -> None:
    statuses = {**UNAUTH, **op.expected}
    expected = statuses.get(who, statuses["coordinator"])  # the administrator: see the docstring

    response = _call(world, op, who)

    assert response.status_code == expected, _text(response)[:500]
    body = _text(response)
    if who in ("staff_a", "leader_a", "anonymous"):
        for marker in B_MARKERS:
            assert marker not in body
    if who in ("staff_b", "coordinator"):  # A works on the other plan too; they do not
        assert OTHER_PLAN_MARKER not in body
    if response.status_code >= 400:
        assert set(response.json()) == {"code", "message", "field_errors"}


def test_the_matrix_covers_every_route_and_method():
    """Every operation in the OpenAPI schema (every DRF route and method), plus the schema and
    documentation pages, is in the matrix."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    documented = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }
    documented |= {("GET", "/api/v1/schema/"), ("GET", "/api/v1/docs/")}

    assert {(op.method, op.template) for op in OPS} == documented
