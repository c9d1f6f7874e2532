"""Merging one agency into another: agencies.services.agency_merge and the agency list's
"合并到其他单位" action. Everything that named the source names the target afterwards, the
source's names resolve to the target, and a merge that would lose a row changes nothing."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from agencies.models import Agency, AgencyAlias, ReminderContact, User
from agencies.resolver import AgencyResolver
from agencies.services import MERGED_RELATIONS, AgencyMergeRefused, agency_merge
from tasks_app.errors import PermissionDenied
from tasks_app.importing.writer import plan_key
from tasks_app.models import Action, Event, Plan, PlanIssuer, Responsibility
from tests.factories import (
    AgencyFactory,
    PlanFactory,
    ReminderContactFactory,
    ResponsibilityFactory,
    TaskFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
LIST = reverse("admin:agencies_agency_changelist")
SUPPORTING = Responsibility.Role.SUPPORTING


@pytest.fixture
def admin_user():
    return UserFactory(username="administrator", agency=None, is_superuser=True)


@pytest.fixture
def pair():
    """An unverified agency as the importer creates it, and the verified one it really is."""
    target = AgencyFactory(name="江苏省科学技术厅", short_name="省科技厅")
    source = AgencyFactory(name="省科学技术厅", short_name="科技厅", verified=False)
    return source, target


def _snapshot() -> dict[str, list[dict]]:
    models = (Agency, AgencyAlias, ReminderContact, User, Plan, PlanIssuer, Responsibility, Event)
    return {m.__name__: list(m.objects.order_by("pk").values()) for m in models}


def _action(source_ids, **fields) -> dict:
    return {"action": "merge_into_agency", "_selected_action": source_ids, **fields}


# --- The service ------------------------------------------------------------------------------


def test_every_reference_moves_to_the_target_and_the_source_is_gone(pair, admin_user):
    source, target = pair
    responsibility = ResponsibilityFactory(agency=source)
    issued = PlanFactory()
    PlanIssuer.objects.create(plan=issued, agency=source)
    coordinated = PlanFactory(coordinating_agency=source)
    staff = UserFactory(agency=source)
    contact = ReminderContactFactory(agency=source, email="desk@example.org")
    child = AgencyFactory(parent=source)
    alias = AgencyAlias.objects.create(agency=source, name="江苏省科技厅")

    agency_merge(source=source, target=target, actor=admin_user)

    assert not Agency.objects.filter(pk=source.pk).exists()
    responsibility.refresh_from_db()
    assert (responsibility.agency_id, responsibility.version) == (target.pk, 2)
    assert list(PlanIssuer.objects.filter(plan=issued).values_list("agency_id", flat=True)) == [
        target.pk
    ]
    assert Plan.objects.get(pk=coordinated.pk).coordinating_agency_id == target.pk
    assert User.objects.get(pk=staff.pk).agency_id == target.pk
    assert ReminderContact.objects.get(pk=contact.pk).agency_id == target.pk
    assert Agency.objects.get(pk=child.pk).parent_id == target.pk
    assert AgencyAlias.objects.get(pk=alias.pk).agency_id == target.pk
    assert sorted(target.aliases.values_list("name", flat=True)) == sorted(
        ["江苏省科技厅", "省科学技术厅", "科技厅"]
    )


def test_a_responsibility_keeps_its_status_role_and_assignees(pair, admin_user):
    source, target = pair
    staff = UserFactory(agency=source)
    responsibility = ResponsibilityFactory(
        agency=source, role=SUPPORTING, status=Responsibility.Status.IN_PROGRESS
    )
    responsibility.assignees.add(staff)

    agency_merge(source=source, target=target, actor=admin_user)

    responsibility.refresh_from_db()
    assert (responsibility.status, responsibility.role) == ("in_progress", "supporting")
    assert list(responsibility.assignees.all()) == [staff]


def test_the_sources_old_names_resolve_to_the_target(agencies, admin_user):
    target = Agency.objects.get(name="江苏省发展和改革委员会")
    source = AgencyFactory(name="江苏省发改委员会", short_name="发改委员会", verified=False)
    AgencyAlias.objects.create(agency=source, name="省发改委员会")

    agency_merge(source=source, target=target, actor=admin_user)

    resolver = AgencyResolver.load()
    assert [resolver.resolve(n) for n in ("江苏省发改委员会", "发改委员会", "省发改委员会")] == [
        target,
        target,
        target,
    ]


def test_an_event_is_recorded_on_each_plan_concerned(pair, admin_user):
    source, target = pair
    first = ResponsibilityFactory(agency=source)
    second = ResponsibilityFactory(agency=source, task=TaskFactory(plan=first.task.plan))
    coordinated = PlanFactory(coordinating_agency=source)
    source_pk = source.pk

    agency_merge(source=source, target=target, actor=admin_user)

    events = Event.objects.filter(action=Action.MERGE_AGENCY).order_by("plan_id")
    assert [(e.plan_id, e.task_id, e.responsibility_id, e.actor_id) for e in events] == [
        (first.task.plan_id, None, None, admin_user.pk),
        (coordinated.pk, None, None, admin_user.pk),
    ]
    assert events[0].data == {
        "from": "省科学技术厅",
        "to": "江苏省科学技术厅",
        "from_agency": source_pk,
        "to_agency": target.pk,
        "responsibilities": [first.pk, second.pk],
    }
    assert events[1].data["responsibilities"] == []
    assert events[0].reason == "单位合并：“省科学技术厅”并入“江苏省科学技术厅”。"


def test_names_and_contacts_the_target_already_has_are_not_added_twice(admin_user):
    target = AgencyFactory(name="江苏省科学技术厅", short_name="省科技厅")
    source = AgencyFactory(name="江苏省科学技术厅（未核实）", short_name="省科技厅", verified=False)
    AgencyAlias.objects.create(agency=target, name="江苏省科学技术厅（未核实）")
    ReminderContactFactory(agency=target, email="desk@example.org")
    duplicate = ReminderContactFactory(agency=source, email="Desk@Example.org")

    agency_merge(source=source, target=target, actor=admin_user)

    assert list(target.aliases.values_list("name", flat=True)) == ["江苏省科学技术厅（未核实）"]
    assert list(target.reminder_contacts.values_list("email", flat=True)) == ["desk@example.org"]
    assert not ReminderContact.objects.filter(pk=duplicate.pk).exists()


def test_a_plan_keyed_by_the_sources_name_is_rekeyed_for_reimport(pair, admin_user):
    source, target = pair
    plan = PlanFactory(key="省科学技术厅|科技行动方案", title="科技行动方案", doc_number="")
    PlanIssuer.objects.create(plan=plan, agency=source)

    agency_merge(source=source, target=target, actor=admin_user)

    plan.refresh_from_db()
    assert plan.key == "江苏省科学技术厅|科技行动方案" == plan_key(plan, first_issuer=target)


def test_sharing_a_task_refuses_naming_it_and_changes_nothing(pair, admin_user):
    source, target = pair
    task = TaskFactory(title="建设概念验证中心")
    ResponsibilityFactory(task=task, agency=target)
    ResponsibilityFactory(task=task, agency=source, role=SUPPORTING)
    ResponsibilityFactory(agency=source)  # would move, but must not
    UserFactory(agency=source)
    AgencyAlias.objects.create(agency=source, name="科技厅别名")
    before = _snapshot()

    with pytest.raises(AgencyMergeRefused) as refused:
        agency_merge(source=source, target=target, actor=admin_user)

    assert "1项任务" in str(refused.value.message)
    assert f"《{task.plan}》{task}" in str(refused.value.message)
    assert _snapshot() == before


def test_issuing_one_plan_together_refuses_and_changes_nothing(pair, admin_user):
    source, target = pair
    plan = PlanFactory(title="联合印发的方案")
    PlanIssuer.objects.create(plan=plan, agency=target, order=0)
    PlanIssuer.objects.create(plan=plan, agency=source, order=1)
    before = _snapshot()

    with pytest.raises(AgencyMergeRefused, match="《联合印发的方案》"):
        agency_merge(source=source, target=target, actor=admin_user)

    assert _snapshot() == before


def test_merging_into_itself_is_refused(pair, admin_user):
    source, _target = pair

    with pytest.raises(AgencyMergeRefused, match="合并到它自己"):
        agency_merge(source=source, target=source, actor=admin_user)

    assert Agency.objects.filter(pk=source.pk).exists()


def test_merging_into_a_descendant_is_refused(pair, admin_user):
    source, _target = pair
    grandchild = AgencyFactory(parent=AgencyFactory(parent=source))
    before = _snapshot()

    with pytest.raises(AgencyMergeRefused, match="下级单位"):
        agency_merge(source=source, target=grandchild, actor=admin_user)

    assert _snapshot() == before


def test_only_an_administrator_may_merge(pair):
    source, target = pair
    coordinator = UserFactory(agency=target, role=User.Role.COORDINATOR)

    with pytest.raises(PermissionDenied):
        agency_merge(source=source, target=target, actor=coordinator)

    assert Agency.objects.filter(pk=source.pk).exists()


def test_every_relation_to_agency_is_one_the_merge_moves():
    """A new ForeignKey to Agency must be handled by agency_merge (and added to the list)."""
    relations = {
        f"{r.related_model._meta.label}.{r.field.name}"
        for r in Agency._meta.get_fields(include_hidden=True)
        if r.auto_created and r.is_relation and not r.concrete
    }

    assert relations == MERGED_RELATIONS


# --- The admin action -------------------------------------------------------------------------


def test_the_intermediate_page_asks_for_the_target(client, pair, admin_user):
    source, _target = pair
    client.force_login(admin_user)

    response = client.post(LIST, _action([source.pk]))

    assert response.status_code == 200
    assert response.templates[0].name == "admin/agencies/agency/merge.html"
    html = response.content.decode()
    assert 'name="target"' in html
    assert 'name="step" value="confirm"' in html
    assert "省科学技术厅" in html
    assert "未核实" in html


def test_the_confirm_page_shows_counts_and_whether_each_is_verified(client, pair, admin_user):
    source, target = pair
    ResponsibilityFactory(agency=source)
    ResponsibilityFactory(agency=source)
    UserFactory(agency=source)
    client.force_login(admin_user)

    response = client.post(LIST, _action([source.pk], step="confirm", target=target.pk))

    preview = response.context["preview"]
    assert (preview.responsibilities, preview.users, len(preview.plan_ids)) == (2, 1, 2)
    html = response.content.decode()
    assert "责任分工 2 项" in html
    assert "用户 1 个" in html
    assert [c.strip() for c in _cells(html, "duban-merge-verified")] == ["未核实", "已核实"]
    assert 'name="step" value="merge"' in html
    assert Agency.objects.filter(pk=source.pk).exists()


def test_confirming_merges_and_says_so(client, pair, admin_user):
    source, target = pair
    ResponsibilityFactory(agency=source)
    client.force_login(admin_user)

    response = client.post(LIST, _action([source.pk], step="merge", target=target.pk))

    assert response.status_code == 302
    assert not Agency.objects.filter(pk=source.pk).exists()
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "已将“省科学技术厅”合并到“江苏省科学技术厅”。"
    ]


def test_a_conflict_is_shown_on_the_confirm_page_without_a_confirm_button(client, pair, admin_user):
    source, target = pair
    task = TaskFactory(title="建设概念验证中心")
    ResponsibilityFactory(task=task, agency=target)
    ResponsibilityFactory(task=task, agency=source, role=SUPPORTING)
    client.force_login(admin_user)

    response = client.post(LIST, _action([source.pk], step="confirm", target=target.pk))

    html = response.content.decode()
    assert "建设概念验证中心" in html
    assert "duban-merge-submit" not in html


def test_a_refused_merge_posted_anyway_shows_the_reason_and_changes_nothing(
    client, pair, admin_user
):
    source, target = pair
    task = TaskFactory(title="建设概念验证中心")
    ResponsibilityFactory(task=task, agency=target)
    ResponsibilityFactory(task=task, agency=source, role=SUPPORTING)
    client.force_login(admin_user)
    before = _snapshot()

    response = client.post(LIST, _action([source.pk], step="merge", target=target.pk))

    assert response.status_code == 302
    assert "建设概念验证中心" in str(next(iter(get_messages(response.wsgi_request))))
    assert _snapshot() == before


def test_the_target_cannot_be_the_source_or_below_it(client, pair, admin_user):
    source, _target = pair
    child = AgencyFactory(parent=source)
    client.force_login(admin_user)

    response = client.post(LIST, _action([source.pk], step="merge", target=child.pk))

    assert response.status_code == 200
    assert response.context["form"].errors["target"] == [
        "不能合并到该单位（它自己或它的下级单位）。"
    ]
    assert Agency.objects.get(pk=child.pk).parent_id == source.pk


def test_exactly_one_agency_must_be_selected(client, pair, admin_user):
    source, target = pair
    client.force_login(admin_user)

    response = client.post(LIST, _action([source.pk, target.pk]))

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["请只选择一个要合并的单位。"]


def test_coordinators_are_not_offered_the_action(client, pair):
    _source, target = pair
    coordinator = UserFactory(agency=target, role=User.Role.COORDINATOR)
    client.force_login(coordinator)

    response = client.get(LIST)

    assert response.status_code == 200
    assert "merge_into_agency" not in response.content.decode()


@pytest.mark.parametrize("role", [User.Role.COORDINATOR, User.Role.STAFF])
def test_a_direct_post_by_a_non_administrator_changes_nothing(client, pair, role):
    source, target = pair
    ResponsibilityFactory(agency=source)
    client.force_login(UserFactory(agency=source, role=role, is_staff=True))
    before = _snapshot()

    response = client.post(LIST, _action([source.pk], step="merge", target=target.pk))

    assert response.status_code in (200, 302)
    assert _snapshot() == before


def _cells(html: str, css_class: str) -> list[str]:
    return re.findall(rf'<td class="{css_class}">(.*?)</td>', html, re.S)
