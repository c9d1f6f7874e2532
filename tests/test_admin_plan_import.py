"""导入方案文件 in the admin: a dry run shows what the import would do and saves nothing; the
import saves all of the document; a file that cannot be imported is explained and changes
nothing. (Who may use the page: tests/test_admin_permissions.py.)"""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import Agency
from tasks_app.importing import MAX_DOCUMENT_BYTES
from tasks_app.models import Plan, Task
from tests.factories import admin_world

pytestmark = pytest.mark.django_db
PAGE = reverse("admin:tasks_app_plan_import")
DOCUMENT = (
    "江苏省测试产业行动方案（2024-2026年）\n\n一、重点任务\n"
    "1. 建设概念验证中心。到2026年建设20个概念验证中心。（省科技厅牵头，省教育厅配合）\n"
    "2. 培育未来产业企业。（省工业和信息化厅负责）\n"
)


def _file(text: str = DOCUMENT, name: str = "plan.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("gbk"), content_type="text/plain")


@pytest.fixture
def w():
    return admin_world()


def _counts():
    return Plan.objects.count(), Task.objects.count(), Agency.objects.count()


def test_a_dry_run_shows_what_would_happen_and_saves_nothing(client, w):
    client.force_login(w.coordinator)
    before = _counts()

    response = client.post(PAGE, {"file": _file(), "create_agencies": "on"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="duban-import-report"' in html
    assert "江苏省测试产业行动方案" in html
    assert _counts() == before


def test_the_import_saves_the_plan_and_opens_it(client, w):
    client.force_login(w.coordinator)

    response = client.post(PAGE, {"file": _file(), "create_agencies": "on", "apply": "导入"})

    plan = Plan.objects.get(title__startswith="江苏省测试产业行动方案")
    assert response.status_code == 302
    assert response.url == reverse("admin:tasks_app_plan_change", args=[plan.pk])
    assert plan.tasks.count() == 2
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "江苏省测试产业行动方案" in message


def test_unknown_agencies_are_named_and_nothing_is_saved(client, w):
    client.force_login(w.coordinator)
    before = _counts()

    response = client.post(PAGE, {"file": _file(), "apply": "导入"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "省工业和信息化厅" in html  # the body it does not know
    assert _counts() == before


@pytest.mark.parametrize(
    ("upload", "problem"),
    [
        (SimpleUploadedFile("x.bin", b"\x00\x01\x02" * 100), "不是文本文件"),
        (SimpleUploadedFile("big.txt", b"a" * (MAX_DOCUMENT_BYTES + 1)), "文件过大"),
        (
            SimpleUploadedFile("empty.txt", "一份没有任务的说明。\n".encode()),
            "未在文件中识别到任何任务",
        ),
    ],
)
def test_a_file_that_cannot_be_imported_is_explained_and_changes_nothing(
    client, w, upload, problem
):
    client.force_login(w.coordinator)
    before = _counts()

    response = client.post(PAGE, {"file": upload, "create_agencies": "on", "apply": "导入"})

    assert response.status_code == 200
    assert problem in response.content.decode()
    assert _counts() == before


def test_the_plan_list_offers_the_import_to_coordinators_only(client, w):
    plans = reverse("admin:tasks_app_plan_changelist")

    client.force_login(w.coordinator)
    assert f'href="{PAGE}"' in client.get(plans).content.decode()
    client.force_login(w.staff_a)
    assert f'href="{PAGE}"' not in client.get(plans).content.decode()


def test_after_a_dry_run_the_same_document_is_imported_without_choosing_it_again(client, w):
    client.force_login(w.coordinator)
    dry = client.post(PAGE, {"file": _file(), "create_agencies": "on"}).content.decode()
    token = re.search(r'name="confirm" value="([0-9a-f]{64})"', dry).group(1)
    assert Plan.objects.filter(title__startswith="江苏省测试产业行动方案").count() == 0

    response = client.post(PAGE, {"confirm": token})

    plan = Plan.objects.get(title__startswith="江苏省测试产业行动方案")
    assert response.url == reverse("admin:tasks_app_plan_change", args=[plan.pk])
    assert plan.tasks.count() == 2
    assert "duban_plan_import" not in client.session  # imported once, then forgotten


def test_a_confirmation_for_another_document_imports_nothing(client, w):
    client.force_login(w.coordinator)
    client.post(PAGE, {"file": _file(), "create_agencies": "on"})
    before = _counts()

    response = client.post(PAGE, {"confirm": "0" * 64}, follow=True)

    assert "试导入的文件已不在，请重新选择文件。" in response.content.decode()
    assert _counts() == before
