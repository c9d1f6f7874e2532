"""The shared parts of the admin permission matrix (tests/test_admin_permissions.py and
tests/test_admin_permissions_more.py): the roles, the world, what each role must never see, and
the two checks every cell runs. The test modules take the fixture `w` from here.

The world is tests.factories.AdminWorld — agencies A (甲) and B (乙) on plan P coordinated by C,
B also on plan Q coordinated by D — populated through the services, plus what the reminder,
token, calendar and group admins show: a manual 催办 by C on A's and B's items of plan P and one
by D on B's item of plan Q (ledger rows, one failed email per recipient and sweep), a reminder
policy for each plan, an API token each for staff A and staff B, a holiday and a group.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.db import transaction
from django.urls import reverse

from tasks_app.models import (
    ReminderDigest,
    ReminderEntry,
    ReminderPolicy,
    ReminderSweep,
    WorkingDayException,
)
from tests.factories import AdminWorld, ReminderContactFactory, admin_world

NOW = dt.datetime(2025, 6, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SERVICE_ROLES = ("staff_a", "staff_b", "leader_a", "coordinator", "other_coordinator", "admin")
ROLES = (*SERVICE_ROLES, "anonymous", "inactive")
LOGIN = 302  # anonymous and inactive users are sent to the login page


# --- The world ----------------------------------------------------------------------------------


@dataclass
class MatrixWorld(AdminWorld):
    """AdminWorld and the records of the reminder, token, calendar and group admins. `_a` rows
    belong to agency A on plan P, `_b` to agency B on plan P, `_q` to agency B on plan Q."""

    entry_a: ReminderEntry | None = None
    entry_b: ReminderEntry | None = None
    entry_q: ReminderEntry | None = None
    digest_a: ReminderDigest | None = None
    digest_b: ReminderDigest | None = None
    digest_q: ReminderDigest | None = None
    sweep_p: ReminderSweep | None = None  # C's manual 催办 on plan P
    policy_p: ReminderPolicy | None = None
    policy_q: ReminderPolicy | None = None
    token_a: object | None = None  # AccessToken of staff A
    token_b: object | None = None
    holiday: WorkingDayException | None = None
    group: Group | None = None

    def add_records(self) -> None:
        """The reminders (through reminders_send_now), tokens, policies, a holiday, a group."""
        from tasks_app.api.tokens import access_token_create
        from tasks_app.models import AccessToken
        from tasks_app.reminders.manual import reminders_send_now

        ReminderContactFactory(
            agency=self.resp_a.agency, name="甲厅催办联系人", email="desk-a@example.org"
        )
        ReminderContactFactory(
            agency=self.resp_b.agency, name="乙厅催办联系人", email="desk-b@example.org"
        )
        reminders_send_now(
            responsibility_ids=[self.resp_a.pk, self.resp_b.pk], actor=self.coordinator
        )
        reminders_send_now(responsibility_ids=[self.resp_q.pk], actor=self.other_coordinator)
        for name, resp, error in (
            ("a", self.resp_a, "甲厅邮件退信"),
            ("b", self.resp_b, "乙厅邮件退信"),
            ("q", self.resp_q, "丙市邮件退信"),
        ):
            entry = ReminderEntry.objects.get(responsibility=resp)
            digest = ReminderDigest.objects.get(sweep=entry.sweep_id, recipient=entry.recipient)
            ReminderDigest.objects.filter(pk=digest.pk).update(
                status=ReminderDigest.Status.FAILED, attempts=1, last_error=f"{error}：550"
            )
            digest.refresh_from_db()
            setattr(self, f"entry_{name}", entry)
            setattr(self, f"digest_{name}", digest)
        self.sweep_p = self.entry_a.sweep
        self.policy_p = ReminderPolicy.objects.create(plan=self.plan)
        self.policy_q = ReminderPolicy.objects.create(plan=self.other_plan)
        api = AccessToken.Kind.API
        self.token_a, _ = access_token_create(user=self.staff_a, kind=api, name="甲厅的接口令牌")
        self.token_b, _ = access_token_create(user=self.staff_b, kind=api, name="乙厅的接口令牌")
        self.holiday = WorkingDayException.objects.create(
            date=dt.date(2025, 10, 1), is_working_day=False, note="国庆节"
        )
        self.group = Group.objects.create(name="督办组")


@pytest.fixture
def w(settings, tmp_path) -> MatrixWorld:
    """The world, with the clock at NOW and uploads in a temporary MEDIA_ROOT for the test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with time_machine.travel(NOW, tick=False):
        world = MatrixWorld(**vars(admin_world()))
        world.populate()
        world.add_records()
        yield world


# --- What each role must never see --------------------------------------------------------------

TOKENS = ("甲厅的接口令牌", "乙厅的接口令牌")  # administrators only
PLAN_P_WORK = (
    "甲厅牵头的任务",
    "甲指标",
    "甲厅报告正文",
    "乙厅独有的任务",
    "乙指标",
    "乙厅报告正文",
)


def forbidden_texts(role: str) -> tuple[str, ...]:
    """What must never appear in a page this role may open. Coordinators see every agency's name
    (they assign tasks to any agency), never another plan's title, tasks, targets, reports or
    emails. Nobody but an administrator sees a token."""
    not_b = ("乙厅催办联系人", "乙厅邮件退信")
    not_a = ("甲厅催办联系人", "甲厅邮件退信")
    not_q = ("市级行动方案", "丙市邮件退信")
    return {
        "staff_a": AdminWorld.B_MARKERS + AdminWorld.Q_MARKERS + not_b + not_q + TOKENS,
        "leader_a": AdminWorld.B_MARKERS + AdminWorld.Q_MARKERS + not_b + not_q + TOKENS,
        "staff_b": AdminWorld.A_MARKERS + not_a + TOKENS,
        "coordinator": AdminWorld.Q_MARKERS + not_q + TOKENS,
        "other_coordinator": (
            *PLAN_P_WORK,
            "共同行动方案",
            "甲厅邮件退信",
            "乙厅邮件退信",
            *TOKENS,
        ),
    }.get(role, ())


# --- Expected status codes ----------------------------------------------------------------------


def every(code: int) -> dict[str, int]:
    return dict.fromkeys(SERVICE_ROLES, code)


def only(code: int, roles: tuple[str, ...], otherwise: int) -> dict[str, int]:
    return {role: code if role in roles else otherwise for role in SERVICE_ROLES}


A_SCOPE = ("staff_a", "leader_a", "coordinator", "admin")  # who may reach A's item in plan P
B_SCOPE = ("staff_b", "coordinator", "admin")  # B's item in plan P (a task A is not on)
Q_SCOPE = ("staff_b", "other_coordinator", "admin")  # B's item in plan Q
COORDINATING = ("coordinator", "other_coordinator", "admin")
ADMIN_ONLY = {**every(403), "admin": 200}


def a_item(in_scope: int) -> dict[str, int]:
    """An item of agency A in plan P: `in_scope` for its agency and coordinators, else 404."""
    return only(in_scope, A_SCOPE, 404)


def b_item(in_scope: int) -> dict[str, int]:
    return only(in_scope, B_SCOPE, 404)


def q_item(in_scope: int) -> dict[str, int]:
    return only(in_scope, Q_SCOPE, 404)


# --- Cases --------------------------------------------------------------------------------------


def admin_url(name: str, *args) -> str:
    return reverse(f"admin:{name}", args=args)


def autocomplete(app: str, model: str, field_name: str, term: str = "") -> str:
    return (
        f"{reverse('admin:autocomplete')}?app_label={app}&model_name={model}"
        f"&field_name={field_name}&term={term}"
    )


@dataclass
class Case:
    """One URL, the status each role gets, and for a POST its data and who changes something.

    `expect` names the service roles; anonymous and inactive users get LOGIN (a redirect to the
    login page) unless it names them too (pages outside the login wall)."""

    name: str
    url: Callable[[MatrixWorld], str]
    expect: dict[str, int]
    data: Callable[[MatrixWorld], dict] | None = None  # a POST when given
    # The roles whose POST changes the database; for the others nothing changes.
    changes: tuple[str, ...] = ()


def expected(case: Case) -> dict[str, int]:
    return {"anonymous": LOGIN, "inactive": LOGIN, **case.expect}


def login(client, w: AdminWorld, role: str) -> None:
    client.logout()
    if role == "anonymous":
        return
    user = w.inactive if role == "inactive" else getattr(w, role)
    client.force_login(user)


def text_of(response) -> str:
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


def leaks(role: str, response) -> list[str]:
    if response.status_code != 200:
        return []
    text = text_of(response)
    return [marker for marker in forbidden_texts(role) if marker in text]


def to_login(response) -> bool:
    return response.status_code == 302 and response.url.startswith(reverse("admin:login"))


def check_get(client, w: MatrixWorld, case: Case) -> None:
    """Each role gets the expected status, and no page shows what the role must not see."""
    url = case.url(w)
    codes, found, logins = {}, {}, {}
    for role in ROLES:
        login(client, w, role)
        response = client.get(url)
        codes[role] = response.status_code
        found[role] = leaks(role, response)
        logins[role] = to_login(response)

    assert codes == expected(case), codes
    assert found == {role: [] for role in ROLES}, found
    for role in ("anonymous", "inactive"):
        assert logins[role] == (role not in case.expect), (role, logins[role])


def snapshot() -> dict[str, list[dict]]:
    """Every row of every table (but sessions), to compare before and after a POST."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values())
        for model in apps.get_models()
        if model is not Session
    }


def check_post(client, w: MatrixWorld, case: Case) -> None:
    """Each role gets the expected status; only the roles in `case.changes` change anything.
    Each role's POST runs in a savepoint that is rolled back: every role meets the same world."""
    url = case.url(w)
    codes, logins, changed = {}, {}, {}
    for role in ROLES:
        savepoint = transaction.savepoint()
        try:
            login(client, w, role)
            before = snapshot()
            response = client.post(url, case.data(w))
            codes[role] = response.status_code
            logins[role] = to_login(response)
            changed[role] = snapshot() != before
        finally:
            transaction.savepoint_rollback(savepoint)

    assert codes == expected(case), codes
    assert changed == {role: role in case.changes for role in ROLES}, changed
    for role in ("anonymous", "inactive"):
        assert logins[role] == (role not in case.expect), (role, logins[role])
