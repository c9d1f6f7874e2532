"""Reminders in the admin: the log and the emails scoped by tasks_app.access, the preview of the
next sweep (a dry run that records nothing), per-plan rules, and the "立即催办" action."""

import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tasks_app.admin.bulk_actions import remind_now
from tasks_app.models import (
    Action,
    Event,
    ReminderDigest,
    ReminderEntry,
    ReminderKind,
    ReminderPolicy,
    ReminderSweep,
    Responsibility,
)
from tests.reminders.driving import command, sweep
from tests.reminders.world import S, world

pytest_plugins = ["tests.reminders.fixtures"]
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_2024")]
OVERDUE_DAY = dt.date(2024, 10, 8)
ENTRIES = reverse("admin:tasks_app_reminderentry_changelist")
DIGESTS = reverse("admin:tasks_app_reminderdigest_changelist")
PREVIEW = reverse("admin:tasks_app_reminderentry_preview")
POLICIES = reverse("admin:tasks_app_reminderpolicy_changelist")


@pytest.fixture
def two():
    """Agencies A and B, each with an overdue item in its own plan, swept on 10-08."""
    a, b = world(name="a"), world(name="b")
    a.item(due_on=dt.date(2024, 9, 30))
    b.item(due_on=dt.date(2024, 9, 30))
    sweep(OVERDUE_DAY)
    return a, b


def _entry(recipient: str) -> ReminderEntry:
    return ReminderEntry.objects.get(recipient=recipient)


def test_staff_see_only_their_agencys_reminders(client, two):
    a, b = two
    client.force_login(a.staff)

    page = client.get(ENTRIES)
    other = client.get(reverse("admin:tasks_app_reminderentry_change", args=[_entry(b.desk).pk]))

    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [_entry(a.desk)]
    assert other.status_code == 404  # as if it did not exist


def test_a_coordinator_sees_the_reminders_of_the_plans_they_coordinate(client, two):
    _, b = two
    client.force_login(b.coordinator)

    page = client.get(ENTRIES)

    assert list(page.context["cl"].result_list) == [_entry(b.desk)]


def test_an_email_is_hidden_from_anyone_who_may_not_see_every_item_in_it(client, two):
    a, b = two
    shared = ReminderDigest.objects.get(recipient=a.desk)
    ReminderEntry.objects.filter(recipient=b.desk).update(recipient=a.desk)  # one email, both
    client.force_login(a.staff)

    page = client.get(DIGESTS)

    assert list(page.context["cl"].result_list) == []
    assert (
        client.get(reverse("admin:tasks_app_reminderdigest_change", args=[shared.pk])).status_code
        == 404
    )


def test_anonymous_users_are_sent_to_the_login_page(client, two):
    assert client.get(ENTRIES).status_code == 302
    assert client.get(PREVIEW).status_code == 302


def test_the_email_page_shows_status_attempts_and_the_rendered_email(client, two, mailoutbox):
    a, _ = two
    from tasks_app.reminders.delivery import digests_deliver

    digest = ReminderDigest.objects.get(recipient=a.desk)
    digests_deliver(digest_ids=[digest.pk])
    client.force_login(a.coordinator)

    page = client.get(reverse("admin:tasks_app_reminderdigest_change", args=[digest.pk]))

    content = page.content.decode()
    assert page.status_code == 200
    assert "已发送" in content
    assert "已送达邮件服务器" in content  # the attempt
    assert "srcdoc=" in content and "逾期第1个工作日" in content


@pytest.mark.parametrize(
    "url",
    [
        ENTRIES,
        DIGESTS,
        *(f"{page}export/{fmt}/" for page in (ENTRIES, DIGESTS) for fmt in ("xlsx", "csv")),
    ],
)
def test_lists_run_the_same_number_of_queries_for_2_and_20_rows(client, url):
    a = world()
    a.item(due_on=dt.date(2024, 9, 30))
    a.item(due_on=dt.date(2024, 9, 30)).assignees.add(a.staff)
    sweep(OVERDUE_DAY)
    client.force_login(a.coordinator)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(9):
        a.item(due_on=dt.date(2024, 9, 30)).assignees.add(a.staff)
    sweep(dt.date(2024, 10, 14))  # +6: every item again, 20 entries in all
    ReminderEntry.objects.filter(day=dt.date(2024, 10, 14)).update(day=OVERDUE_DAY)

    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200

    assert len(many) == len(few)


# --- The preview ------------------------------------------------------------------------------


def test_the_preview_shows_what_the_sweep_would_send_and_records_nothing(client):
    a = world()
    a.item(due_on=dt.date(2024, 9, 30))
    client.force_login(a.coordinator)

    page = client.get(PREVIEW, {"date": "2024-10-08"})

    content = page.content.decode()
    assert page.status_code == 200
    assert a.desk in content
    assert "【红色督办】督查督办：1项事项需要您办理（10月8日）" in content
    assert ReminderEntry.objects.count() == ReminderSweep.objects.count() == 0
    assert Event.objects.count() == 0


def test_the_preview_shows_staff_only_their_own_items(client):
    a, b = world(name="a"), world(name="b")
    a.item(due_on=dt.date(2024, 9, 30))
    b.item(due_on=dt.date(2024, 9, 30))
    client.force_login(a.staff)

    content = client.get(PREVIEW, {"date": "2024-10-08"}).content.decode()

    assert a.desk in content and b.desk not in content


def test_send_reminders_dry_run_prints_and_records_nothing():
    a = world()
    a.item(due_on=dt.date(2024, 9, 30))

    out = command(OVERDUE_DAY, "--dry-run")

    assert "试运行" in out and a.desk in out and "逾期催办" in out
    assert ReminderEntry.objects.count() == ReminderSweep.objects.count() == 0


def test_send_reminders_records_and_sends(mailoutbox):
    a = world()
    a.item(due_on=dt.date(2024, 9, 30))

    out = command(OVERDUE_DAY)
    again = command(OVERDUE_DAY)

    assert "新增催办记录 1 条" in out and "成功 1" in out
    assert "新增催办记录 0 条" in again
    assert len(mailoutbox) == 1


def test_send_reminders_on_a_day_off_does_nothing():
    assert "不是工作日" in command(dt.date(2024, 10, 3))
    assert ReminderSweep.objects.count() == 0


# --- Per-plan rules ---------------------------------------------------------------------------


def test_a_coordinator_sets_rules_for_their_own_plans_only(client):
    a, b = world(name="a"), world(name="b")
    client.force_login(a.coordinator)
    add = reverse("admin:tasks_app_reminderpolicy_add")

    form = client.get(add).context["adminform"].form
    created = client.post(
        add,
        {"plan": a.plan.pk, "enabled": "on", "due_soon_offsets": "5,2", "overdue_every": "3"},
    )
    refused = client.post(add, {"plan": b.plan.pk, "enabled": "on"})

    assert list(form.fields["plan"].queryset) == [a.plan]
    assert created.status_code == 302
    policy = ReminderPolicy.objects.get()
    assert (policy.plan, policy.due_soon_offsets, policy.overdue_every) == (a.plan, "5,2", 3)
    assert refused.status_code == 200  # "select a valid choice"
    assert ReminderPolicy.objects.count() == 1


def test_staff_cannot_reach_the_rules(client):
    a = world()
    ReminderPolicy.objects.create(plan=a.plan)
    client.force_login(a.staff)

    assert client.get(POLICIES).status_code == 403


def test_offsets_must_be_working_day_counts(client):
    a = world()
    client.force_login(a.coordinator)

    page = client.post(
        reverse("admin:tasks_app_reminderpolicy_add"),
        {"plan": a.plan.pk, "enabled": "on", "due_soon_offsets": "十,3"},
    )

    assert "请填写以逗号分隔的工作日数" in page.content.decode()


# --- 立即催办 ---------------------------------------------------------------------------------


def _request(user, data):
    request = RequestFactory().post("/admin/tasks_app/responsibility/", data)
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _modeladmin():
    registered = admin.site._registry.get(Responsibility)
    return registered or admin.ModelAdmin(Responsibility, admin.site)


def test_remind_now_first_asks_for_a_note(mailoutbox):
    a = world()
    item = a.item()

    response = remind_now(_modeladmin(), _request(a.coordinator, {}), Responsibility.objects.all())

    response.render()
    assert "催办说明" in response.content.decode()
    assert str(item.task) in response.content.decode()
    assert ReminderEntry.objects.count() == 0


def test_remind_now_sends_with_the_note_and_records_an_event(mailoutbox):
    a = world()
    item = a.item()
    request = _request(a.coordinator, {"apply": "yes", "note": "请本周内反馈"})

    remind_now(_modeladmin(), request, Responsibility.objects.filter(pk=item.pk))

    [entry] = ReminderEntry.objects.all()
    assert (entry.kind, entry.note, entry.recipient) == (
        ReminderKind.MANUAL,
        "请本周内反馈",
        a.desk,
    )
    assert Event.objects.get(action=Action.REMIND).actor == a.coordinator
    assert [str(m) for m in get_messages(request)] == ["已对 1 项事项发出催办，共 1 封邮件。"]


def test_remind_now_refuses_staff_and_completed_items():
    a = world()
    done = a.item(status=S.COMPLETED)
    by_staff = _request(a.staff, {"apply": "yes"})
    by_coordinator = _request(a.coordinator, {"apply": "yes"})

    remind_now(_modeladmin(), by_staff, Responsibility.objects.all())
    remind_now(_modeladmin(), by_coordinator, Responsibility.objects.filter(pk=done.pk))

    assert [str(m) for m in get_messages(by_staff)] == ["只有本方案的督办员可以催办所选事项。"]
    assert [str(m) for m in get_messages(by_coordinator)] == ["所选事项均已办结或中止，无需催办。"]
    assert ReminderEntry.objects.count() == Event.objects.count() == 0


def test_a_disabled_plan_can_still_be_reminded_by_hand():
    a = world()
    ReminderPolicy.objects.create(plan=a.plan, enabled=False)
    item = a.item(due_on=dt.date(2024, 9, 30))

    sweep(OVERDUE_DAY)
    remind_now(
        _modeladmin(), _request(a.coordinator, {"apply": "yes"}), Responsibility.objects.all()
    )

    assert list(ReminderEntry.objects.values_list("kind", "responsibility")) == [
        (ReminderKind.MANUAL, item.pk)
    ]


def test_remind_now_from_the_responsibility_list(client, mailoutbox):
    """Needs `remind_now` in ResponsibilityAdmin.actions (see tasks_app/admin/reminders.py)."""
    a = world()
    item = a.item()
    client.force_login(a.coordinator)
    url = reverse("admin:tasks_app_responsibility_changelist")
    selected = {"action": "remind_now", "_selected_action": [item.pk]}

    form = client.post(url, {**selected, "index": 0})
    sent = client.post(url, {**selected, "apply": "yes", "note": "请尽快签收"}, follow=True)

    assert "催办说明" in form.content.decode()
    assert "已对 1 项事项发出催办，共 1 封邮件。" in sent.content.decode()
    assert list(ReminderEntry.objects.values_list("kind", "note")) == [
        (ReminderKind.MANUAL, "请尽快签收")
    ]


def test_staff_are_not_offered_remind_now(client):
    a = world()
    a.item()
    client.force_login(a.staff)

    page = client.get(reverse("admin:tasks_app_responsibility_changelist"))

    assert "remind_now" not in page.content.decode()
