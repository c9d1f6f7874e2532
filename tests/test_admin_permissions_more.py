"""The permission matrix, continued (tests/test_admin_permissions.py has the workflow admin and
the test that the two files cover every URL): the reminder log, emails, sweeps and per-plan rules,
access tokens, the holiday calendar, groups, the admin site's own URLs, the autocomplete answer
of every relation whose model has a searchable admin, the pre-1.9 change URL of every admin, and
the URLs outside the admin. Every action offered on these lists is posted by every role."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse

from tests import admin_matrix
from tests.admin_matrix import (
    ADMIN_ONLY,
    COORDINATING,
    Case,
    a_item,
    admin_url,
    autocomplete,
    b_item,
    check_get,
    check_post,
    every,
    only,
    q_item,
)

pytestmark = pytest.mark.django_db
w = admin_matrix.w  # the fixture: the world at NOW (see tests/admin_matrix.py)

OPEN = {"anonymous": 200, "inactive": 200}  # pages outside the login wall
# Per-plan rules: the coordinators (of their own plans) and administrators; staff never.
RULES = only(200, COORDINATING, 403)
NOT_FOUND_BUT_ADMIN = {**every(404), "admin": 200}


def _object_pages(prefix: str, label: str, obj, change: dict, history: dict, delete: dict):
    """The change, history and delete pages of one object."""
    return [
        Case(f"{label}_change", lambda w: admin_url(f"{prefix}_change", obj(w).pk), change),
        Case(f"{label}_history", lambda w: admin_url(f"{prefix}_history", obj(w).pk), history),
        Case(f"{label}_delete", lambda w: admin_url(f"{prefix}_delete", obj(w).pk), delete),
    ]


ENTRY, DIGEST = "tasks_app_reminderentry", "tasks_app_reminderdigest"
SWEEP, POLICY = "tasks_app_remindersweep", "tasks_app_reminderpolicy"
TOKEN, HOLIDAY, GROUP = "tasks_app_accesstoken", "tasks_app_workingdayexception", "auth_group"

REMINDER_CASES = [
    # The log (催办记录): what the user may see of A's item, B's item, B's item in plan Q.
    Case("entry_list", lambda w: admin_url(f"{ENTRY}_changelist"), every(200)),
    Case("entry_add", lambda w: admin_url(f"{ENTRY}_add"), every(403)),
    Case("entry_preview", lambda w: admin_url("tasks_app_reminderentry_preview"), every(200)),
    *_object_pages(ENTRY, "entry_a", lambda w: w.entry_a, a_item(200), a_item(200), a_item(403)),
    *_object_pages(ENTRY, "entry_b", lambda w: w.entry_b, b_item(200), b_item(200), b_item(403)),
    *_object_pages(ENTRY, "entry_q", lambda w: w.entry_q, q_item(200), q_item(200), q_item(403)),
    # The emails (催办邮件)
    Case("digest_list", lambda w: admin_url(f"{DIGEST}_changelist"), every(200)),
    Case("digest_add", lambda w: admin_url(f"{DIGEST}_add"), every(403)),
    *_object_pages(DIGEST, "digest_a", lambda w: w.digest_a, a_item(200), a_item(200), a_item(403)),
    *_object_pages(DIGEST, "digest_b", lambda w: w.digest_b, b_item(200), b_item(200), b_item(403)),
    *_object_pages(DIGEST, "digest_q", lambda w: w.digest_q, q_item(200), q_item(200), q_item(403)),
    # Sweeps (催办批次): administrators only; to everyone else they do not exist.
    Case("sweep_list", lambda w: admin_url(f"{SWEEP}_changelist"), ADMIN_ONLY),
    Case("sweep_add", lambda w: admin_url(f"{SWEEP}_add"), every(403)),
    *_object_pages(
        SWEEP,
        "sweep",
        lambda w: w.sweep_p,
        NOT_FOUND_BUT_ADMIN,
        NOT_FOUND_BUT_ADMIN,
        every(404) | {"admin": 403},  # a record: not even administrators delete it
    ),
    # Per-plan rules (催办规则): plan P's (coordinator C), plan Q's (the other coordinator D).
    Case("policy_list", lambda w: admin_url(f"{POLICY}_changelist"), RULES),
    Case("policy_add", lambda w: admin_url(f"{POLICY}_add"), RULES),
    *_object_pages(
        POLICY,
        "policy_p",
        lambda w: w.policy_p,
        *[only(200, ("coordinator", "admin"), 404)] * 3,
    ),
    *_object_pages(
        POLICY,
        "policy_q",
        lambda w: w.policy_q,
        *[only(200, ("other_coordinator", "admin"), 404)] * 3,
    ),
]

OTHER_ADMIN_CASES = [
    # Access tokens: administrators only (the owners manage theirs through the API).
    Case("token_list", lambda w: admin_url(f"{TOKEN}_changelist"), ADMIN_ONLY),
    Case("token_add", lambda w: admin_url(f"{TOKEN}_add"), every(403)),
    *_object_pages(
        TOKEN,
        "token_a",
        lambda w: w.token_a,
        NOT_FOUND_BUT_ADMIN,
        NOT_FOUND_BUT_ADMIN,
        every(404) | {"admin": 403},
    ),
    # The holiday calendar: everyone reads it, administrators edit it.
    Case("holiday_list", lambda w: admin_url(f"{HOLIDAY}_changelist"), every(200)),
    Case("holiday_add", lambda w: admin_url(f"{HOLIDAY}_add"), ADMIN_ONLY),
    *_object_pages(HOLIDAY, "holiday", lambda w: w.holiday, every(200), every(200), ADMIN_ONLY),
    # Groups (Django's own admin; the service decides by role, not by group)
    Case("group_list", lambda w: admin_url(f"{GROUP}_changelist"), ADMIN_ONLY),
    Case("group_add", lambda w: admin_url(f"{GROUP}_add"), ADMIN_ONLY),
    *_object_pages(
        GROUP,
        "group",
        lambda w: w.group,
        NOT_FOUND_BUT_ADMIN,
        NOT_FOUND_BUT_ADMIN,
        NOT_FOUND_BUT_ADMIN,
    ),
]

SITE_CASES = [
    Case("login", lambda w: admin_url("login"), every(302) | OPEN),
    # GET is not a way to log out (405); not signed in, the admin sends you to its index.
    Case("logout", lambda w: admin_url("logout"), every(405) | {"anonymous": 302, "inactive": 302}),
    Case("password_change", lambda w: admin_url("password_change"), every(200)),
    Case("password_change_done", lambda w: admin_url("password_change_done"), every(200)),
    Case("jsi18n", lambda w: admin_url("jsi18n"), every(200)),
    Case(
        "view_on_site",
        lambda w: admin_url(
            "view_on_site", ContentType.objects.get_for_model(w.resp_a).pk, w.resp_a.pk
        ),
        every(404),  # no model has get_absolute_url
    ),
    Case("app_tasks_app", lambda w: reverse("admin:app_list", args=["tasks_app"]), every(200)),
    Case("app_agencies", lambda w: reverse("admin:app_list", args=["agencies"]), every(200)),
    Case(
        "app_auth",
        lambda w: reverse("admin:app_list", args=["auth"]),
        {**every(404), "admin": 200},
    ),
    Case("catch_all", lambda w: "/admin/no/such/page/", every(404)),
    # Outside the admin: the root's redirect, the health check, the language switch.
    Case("root", lambda w: "/", every(302) | {"anonymous": 302, "inactive": 302}),
    Case("healthz", lambda w: "/healthz", every(200) | OPEN),
    Case(
        "set_language",
        lambda w: reverse("set_language"),
        every(302) | {"anonymous": 302, "inactive": 302},
    ),
]

# The pre-1.9 change URL (<id>/) of every registered admin: a redirect to the change URL.
OLD_CHANGE_URL_CASES = [
    Case(
        f"old_change_url_{model._meta.app_label}_{model._meta.model_name}",
        lambda w, m=model: f"/admin/{m._meta.app_label}/{m._meta.model_name}/1/",
        every(302),
    )
    for model in admin.site._registry
]

# The autocomplete view answers for any relation whose model has an admin with search fields,
# with that admin's rows for the user: what each such admin shows, to whom.
AUTOCOMPLETE_EXPECT = {
    "agencies.Agency": every(200),
    "agencies.User": ADMIN_ONLY,
    "auth.Group": ADMIN_ONLY,
    "tasks_app.AccessToken": ADMIN_ONLY,
    "tasks_app.Event": every(200),
    "tasks_app.ExtensionRequest": every(200),
    "tasks_app.Plan": every(200),
    "tasks_app.ReminderDigest": every(200),
    "tasks_app.ReminderEntry": every(200),
    "tasks_app.ReminderPolicy": RULES,
    "tasks_app.Responsibility": every(200),
    "tasks_app.Target": every(200),
    "tasks_app.Task": every(200),
    "tasks_app.WorkingDayException": every(200),
}


def _autocomplete_sources():
    for model in apps.get_models():
        for relation in model._meta.get_fields():
            if not isinstance(relation, models.ForeignKey | models.ManyToManyField):
                continue
            remote = admin.site._registry.get(relation.remote_field.model)
            if remote is not None and remote.search_fields:
                yield model._meta, relation.name, remote.model._meta.label


def _autocomplete_case(opts, name: str, remote: str) -> Case:
    url = autocomplete(opts.app_label, opts.model_name, name)
    return Case(
        f"autocomplete_{opts.label}.{name}", lambda w: url, AUTOCOMPLETE_EXPECT.get(remote, {})
    )


AUTOCOMPLETE_CASES = [_autocomplete_case(*source) for source in _autocomplete_sources()]

GET_CASES = [
    *REMINDER_CASES,
    *OTHER_ADMIN_CASES,
    *SITE_CASES,
    *OLD_CHANGE_URL_CASES,
    *AUTOCOMPLETE_CASES,
]


def _action(url_name: str, action: str, obj, expect: dict, changes=(), **fields) -> Case:
    """A POST of `action` on the changelist `url_name` with `obj` selected (a field's value may be
    a function of the world)."""

    def data(w):
        values = {name: value(w) if callable(value) else value for name, value in fields.items()}
        return {"action": action, "_selected_action": [obj(w).pk], **values}

    changelist = admin_url(f"{url_name}_changelist")
    return Case(f"{url_name}_{action}", lambda w: changelist, expect, data, changes)


def _delete(url_name: str, obj, expect: dict, changes: tuple[str, ...] = ()) -> Case:
    """The delete page's confirmation POST."""
    return Case(
        f"{url_name}_delete_post",
        lambda w: admin_url(f"{url_name}_delete", obj(w).pk),
        expect,
        lambda w: {"post": "yes"},
        changes,
    )


def _policy_form(plan, **fields):
    def data(w):
        return {"plan": plan(w).pk, "enabled": "on", "due_soon_offsets": "5,2", **fields}

    return data


POST_CASES = [
    # Actions on the lists. A role without the action sees the list again (200) or may not open
    # the list (403); an object outside the role's rows is not selected (302, nothing done).
    _action(
        DIGEST,
        "requeue",
        lambda w: w.digest_a,
        only(302, COORDINATING, 200),
        ("coordinator", "admin"),
    ),
    _action(TOKEN, "revoke", lambda w: w.token_a, ADMIN_ONLY | {"admin": 302}, ("admin",)),
    _action(
        POLICY,
        "delete_selected",
        lambda w: w.policy_p,
        only(302, COORDINATING, 403),
        ("coordinator", "admin"),
        post="yes",
    ),
    _action(
        HOLIDAY,
        "delete_selected",
        lambda w: w.holiday,
        every(200) | {"admin": 302},
        ("admin",),
        post="yes",
    ),
    _action(
        GROUP,
        "delete_selected",
        lambda w: w.group,
        ADMIN_ONLY | {"admin": 302},
        ("admin",),
        post="yes",
    ),
    # A user without records (events, tokens: never deleted, so neither is their user).
    _action(
        "agencies_user",
        "delete_selected",
        lambda w: w.inactive,
        ADMIN_ONLY | {"admin": 302},
        ("admin",),
        post="yes",
    ),
    # Merging agency B into A: administrators only; to the others the action does not exist.
    _action(
        "agencies_agency",
        "merge_into_agency",
        lambda w: w.resp_b.agency,
        every(200) | {"admin": 302},
        ("admin",),
        step="merge",
        target=lambda w: w.resp_a.agency_id,
    ),
    # Per-plan rules: only the plan's coordinator (and administrators) change them.
    Case(
        "policy_p_change_post",
        lambda w: admin_url(f"{POLICY}_change", w.policy_p.pk),
        only(302, ("coordinator", "admin"), 404),
        _policy_form(lambda w: w.plan, overdue_every="3"),
        ("coordinator", "admin"),
    ),
    Case(
        "policy_q_change_post",
        lambda w: admin_url(f"{POLICY}_change", w.policy_q.pk),
        only(302, ("other_coordinator", "admin"), 404),
        _policy_form(lambda w: w.other_plan, overdue_every="3"),
        ("other_coordinator", "admin"),
    ),
    # Moving plan P's rules to plan Q (which has rules): refused for everyone ("select a valid
    # choice" for C, "already exists" for the others who may see both plans' rules).
    Case(
        "policy_p_moved_to_q",
        lambda w: admin_url(f"{POLICY}_change", w.policy_p.pk),
        only(200, ("coordinator", "admin"), 404),
        _policy_form(lambda w: w.other_plan),
    ),
    Case(
        "policy_add_for_another_coordinators_plan",
        lambda w: admin_url(f"{POLICY}_add"),
        RULES,  # the form again, with "select a valid choice" or "already exists"
        _policy_form(lambda w: w.other_plan),
    ),
    _delete(
        POLICY,
        lambda w: w.policy_p,
        only(302, ("coordinator", "admin"), 404),
        ("coordinator", "admin"),
    ),
    # Records nobody deletes here
    _delete(ENTRY, lambda w: w.entry_a, a_item(403)),
    _delete(DIGEST, lambda w: w.digest_a, a_item(403)),
    _delete(SWEEP, lambda w: w.sweep_p, every(404) | {"admin": 403}),
    _delete(TOKEN, lambda w: w.token_a, every(404) | {"admin": 403}),
    _delete(GROUP, lambda w: w.group, NOT_FOUND_BUT_ADMIN | {"admin": 302}, ("admin",)),
]


@pytest.mark.parametrize("case", GET_CASES, ids=lambda c: c.name)
def test_get(client, w, case):
    check_get(client, w, case)


@pytest.mark.parametrize("case", POST_CASES, ids=lambda c: c.name)
def test_post(client, w, case):
    check_post(client, w, case)


def test_every_searchable_admin_has_its_autocomplete_expectation():
    searchable = {
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if model_admin.search_fields
    }

    assert searchable == set(AUTOCOMPLETE_EXPECT)
