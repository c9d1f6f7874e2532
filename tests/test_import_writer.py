"""Writing a parsed plan: one transaction, idempotent, nothing written on any error."""

import datetime as dt

import pytest

from agencies.models import Agency
from tasks_app.importing.errors import PlanImportError
from tasks_app.importing.fixtures import PLANS_FIXTURE, plans_fixture_dump, seeds_import
from tasks_app.importing.parser import parse_plan
from tasks_app.importing.writer import plan_import
from tasks_app.models import Plan, PlanIssuer, Responsibility, Task
from tasks_app.reference_data import reference_fixture_load
from tests.importing.seeds import import_seed, import_text, row_counts, seed_bytes, seed_text

pytestmark = pytest.mark.django_db
R = Responsibility.Role


def test_reimporting_the_same_document_changes_nothing(agencies):
    import_seed("003")
    before = row_counts()

    report = import_seed("003")

    assert not report.changed
    assert report.plan_status == "unchanged"
    assert (report.tasks.unchanged, report.responsibilities.unchanged) == (25, 450)
    assert row_counts() == before


def test_importing_all_seeds_twice_duplicates_nothing(agencies):
    seeds_import()
    before = row_counts()

    reports = seeds_import()

    assert [r.changed for r in reports] == [False] * 5
    assert row_counts() == before
    assert before["Plan"] == 4


def test_a_reimport_keeps_the_workflow_state_of_responsibilities(agencies):
    import_seed("003")
    lead = Responsibility.objects.get(task__number="2", role=R.LEAD)
    Responsibility.objects.filter(pk=lead.pk).update(status="in_progress", progress_percent=40)

    import_seed("003")

    lead.refresh_from_db()
    assert (lead.status, lead.progress_percent) == ("in_progress", 40)


def test_a_changed_lead_swaps_roles_in_place(agencies):
    import_seed("003")
    text = seed_text("003").replace(
        "(省科技厅、省工业和信息化厅、省发展改革委、省委人才办、省科协等按职责分工负责)",
        "(省工业和信息化厅牵头,省科技厅、省发展改革委、省委人才办、省科协配合)",
    )
    lead_before = Responsibility.objects.get(task__number="2", role=R.LEAD)

    report = import_text(text)

    task = Task.objects.get(number="2")
    assert str(task.responsibilities.get(role=R.LEAD).agency) == "省工业和信息化厅"
    lead_before.refresh_from_db()  # the same row, now supporting
    assert lead_before.role == R.SUPPORTING
    assert (report.responsibilities.updated, report.responsibilities.created) == (2, 0)


def test_an_action_no_longer_in_the_document_is_deleted_and_reported(agencies):
    import_seed("003")
    text = "\n".join(line for line in seed_text("003").splitlines() if not line.startswith("22."))

    report = import_text(text)

    assert report.tasks.deleted_refs == ["七.22"]
    assert report.responsibilities.deleted == 4 + 13
    # 23-25 move up one place in the order; the rest are as they were.
    assert (report.tasks.updated, report.tasks.unchanged) == (3, 21)
    assert not Task.objects.filter(number="22").exists()
    assert "已删除：七.22" in report.summary()


def test_a_due_date_changed_by_hand_survives_a_reimport(agencies):
    import_seed("003")
    Task.objects.filter(number="5").update(due_on=dt.date(2025, 6, 30))

    import_seed("003")

    assert Task.objects.get(number="5").due_on == dt.date(2025, 6, 30)
    assert Task.objects.get(number="6").due_on == dt.date(2026, 12, 31)


def test_a_longer_period_moves_the_default_due_dates(agencies):
    import_seed("003")

    report = import_text(seed_text("003").replace("(2024-2026年)", "(2024-2027年)"))

    assert report.plan_status == "updated"
    assert set(Task.objects.values_list("due_on", flat=True)) == {dt.date(2027, 12, 31)}


def test_an_unknown_agency_is_reported_with_the_closest_names_and_nothing_is_written(agencies):
    before = row_counts()
    text = seed_text("003").replace("省审计厅等按职责分工负责", "省审記厅等按职责分工负责")

    with pytest.raises(PlanImportError) as error:
        import_text(text)

    assert error.value.message.startswith("未能识别的单位：省审記厅（最接近：省审计厅")
    assert list(error.value.unknown_agencies) == ["省审記厅"]
    assert row_counts() == before


def test_unknown_agencies_can_be_created_unverified(agencies):
    text = seed_text("003").replace("省审计厅等按职责分工负责", "省水利厅等按职责分工负责")

    report = import_text(text, create_agencies=True)

    created = Agency.objects.get(name="省水利厅")
    assert (created.verified, created.level, created.kind) == (False, "province", "department")
    assert report.created_agencies == ["省水利厅"]
    assert Responsibility.objects.filter(agency=created, task__number="22").exists()
    assert "新建单位（待核实）：省水利厅" in report.summary()


def test_a_dry_run_reports_everything_and_writes_nothing(agencies):
    before = row_counts()

    report = import_seed("003", dry_run=True, create_agencies=True)

    assert report.dry_run
    assert (report.plan_status, report.tasks.created, report.targets.created) == ("created", 25, 15)
    assert "试运行" in report.summary()
    assert row_counts() == before


def test_the_coordinator_can_be_named(agencies):
    report = import_seed("004", coordinator_name="省工业和信息化厅")

    assert Plan.objects.get(pk=report.plan_id).coordinating_agency.name == "江苏省工业和信息化厅"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "文件为空。"),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "文件不是文本文件（疑似二进制文件）。"),
        ("通知\n请各单位认真贯彻落实。\n".encode(), "未在文件中识别到任何任务。"),
    ],
)
def test_an_unusable_file_changes_nothing(agencies, data, message):
    import_seed("000")
    before = row_counts()

    with pytest.raises(PlanImportError, match=f"^{message}$"):
        plan_import(parse_plan(data))

    assert row_counts() == before


def test_the_gb18030_copy_of_an_imported_document_changes_nothing(agencies):
    import_seed("004")
    before = row_counts()

    report = plan_import(parse_plan(seed_text("004").encode("gb18030"), source_name="004.txt"))

    assert not report.changed
    assert row_counts() == before


def test_the_queries_do_not_grow_with_the_number_of_tasks(agencies, django_assert_max_num_queries):
    parsed = parse_plan(seed_bytes("003"))

    with django_assert_max_num_queries(30):
        plan_import(parsed)  # 25 tasks, 450 responsibilities, 15 targets


def test_importing_the_sources_reproduces_the_shipped_fixture_byte_for_byte(agencies):
    seeds_import()

    assert plans_fixture_dump() == PLANS_FIXTURE.read_text(encoding="utf-8")


@pytest.mark.skipif(
    not hasattr(PlanIssuer, "natural_key"),
    reason="needs PlanIssuer.natural_key() and its manager's get_by_natural_key()",
)
def test_the_shipped_fixture_loads_twice_without_duplicates_and_matches_the_sources(agencies):
    first = reference_fixture_load(PLANS_FIXTURE)
    before = row_counts()

    second = reference_fixture_load(PLANS_FIXTURE)
    reports = seeds_import()

    assert (first.existing, second.created) == (0, 0)
    assert row_counts() == before
    assert [r.changed for r in reports] == [False] * 5
