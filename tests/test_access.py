"""tasks_app.access: which responsibilities each role sees, and the own-agency narrowing of that
rule that the staff list ("我的任务") asks for."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from tasks_app.access import responsibilities_visible_to
from tests.factories import ResponsibilityFactory, admin_world

pytestmark = pytest.mark.django_db
ROLES = ["staff_a", "staff_b", "leader_a", "coordinator", "other_coordinator", "admin", "inactive"]


@pytest.fixture
def w():
    world = admin_world()
    # B supports the task A leads (A sees it: the led-task rule); D, which coordinates plan Q,
    # also works on a task of plan P (which D's coordinator must not see).
    world.support_b = ResponsibilityFactory(
        task=world.task_a, agency=world.resp_b.agency, role="supporting"
    )
    world.d_on_p = ResponsibilityFactory(
        task=world.task_b, agency=world.other_coordinator.agency, role="supporting"
    )
    return world


def _pks(queryset) -> list[int]:
    return sorted(queryset.values_list("pk", flat=True))


def test_agency_members_see_their_own_items_and_the_others_on_tasks_they_lead(w):
    assert _pks(responsibilities_visible_to(w.staff_a)) == sorted([w.resp_a.pk, w.support_b.pk])
    assert _pks(responsibilities_visible_to(w.staff_b)) == sorted(
        [w.resp_b.pk, w.resp_q.pk, w.support_b.pk, w.d_on_p.pk]
    )


def test_coordinators_see_their_plans_items(w):
    assert _pks(responsibilities_visible_to(w.coordinator)) == sorted(
        [w.resp_a.pk, w.resp_b.pk, w.support_b.pk, w.d_on_p.pk]
    )
    assert _pks(responsibilities_visible_to(w.other_coordinator)) == [w.resp_q.pk]


def test_own_agency_only_drops_the_other_agencies_items(w):
    assert _pks(responsibilities_visible_to(w.staff_a, own_agency_only=True)) == [w.resp_a.pk]
    assert _pks(responsibilities_visible_to(w.leader_a, own_agency_only=True)) == [w.resp_a.pk]
    assert _pks(responsibilities_visible_to(w.staff_b, own_agency_only=True)) == sorted(
        [w.resp_b.pk, w.resp_q.pk, w.support_b.pk]
    )


@pytest.mark.parametrize("role", ROLES)
def test_own_agency_only_is_the_visible_set_narrowed_to_the_users_agency(w, role):
    user = getattr(w, role)
    visible = responsibilities_visible_to(user)
    expected = _pks(visible.filter(agency_id=user.agency_id)) if user.agency_id else []

    assert _pks(responsibilities_visible_to(user, own_agency_only=True)) == expected


def test_own_agency_only_never_shows_an_item_outside_the_rule(w):
    # D's item on plan P is D's own agency's, but D's coordinator only sees plan Q.
    assert _pks(responsibilities_visible_to(w.other_coordinator, own_agency_only=True)) == []


def test_own_agency_only_shows_nothing_to_anonymous_users():
    assert not responsibilities_visible_to(AnonymousUser(), own_agency_only=True).exists()


def test_own_agency_only_is_a_plain_agency_filter_for_agency_members(w):
    # The led-task rule's subquery is what made the staff list slow at scale.
    sql = str(responsibilities_visible_to(w.staff_a, own_agency_only=True).query).upper()

    assert "EXISTS" not in sql
    assert "EXISTS" in str(responsibilities_visible_to(w.staff_a).query).upper()
