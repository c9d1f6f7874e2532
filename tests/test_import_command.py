"""`manage.py import_plan` and `manage.py dump_plan_fixtures`."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tasks_app.importing.fixtures import PLANS_FIXTURE
from tasks_app.models import Plan, Task
from tests.importing.seeds import SEEDS, row_counts, seed_text

pytestmark = pytest.mark.django_db


def import_plan(*args: str) -> str:
    out = StringIO()
    call_command("import_plan", *args, stdout=out)
    return out.getvalue()


def test_importing_prints_a_chinese_summary(agencies):
    output = import_plan(str(SEEDS["003"]))

    assert output.splitlines()[:5] == [
        "《江苏省加快培育发展未来产业三年行动方案(2024-2026年)》（苏发改高技发〔2024〕229号）：新建",
        "  章节：新建 8，更新 0，未变 0，删除 0",
        "  任务：新建 25，更新 0，未变 0，删除 0",
        "  责任分工：新建 450，更新 0，未变 0，删除 0",
        "  量化指标：新建 15，更新 0，未变 0，删除 0",
    ]
    assert Task.objects.count() == 25


def test_several_files_in_one_run_and_the_noisy_copy_lands_on_its_original(agencies):
    output = import_plan(str(SEEDS["000"]), str(SEEDS["002"]))

    headings = [line for line in output.splitlines() if line.startswith("《")]
    assert headings == [
        "《关于推动战略性新兴产业融合集群发展的实施方案》：新建",
        "《关于推动战略性新兴产业融合集群发展的实施方案》：无变化",
    ]
    assert Plan.objects.count() == 1


def test_a_dry_run_prints_what_would_happen_and_writes_nothing(agencies):
    before = row_counts()

    output = import_plan(str(SEEDS["004"]), "--dry-run")

    assert output.startswith(
        "《江苏省政府关于加快培育先进制造业集群的指导意见》（苏政发〔2018〕86号）：新建"
    )
    assert "（试运行：以上变更未写入数据库）" in output
    assert row_counts() == before


def test_the_coordinator_option(agencies):
    import_plan(str(SEEDS["004"]), "--coordinator", "省工业和信息化厅")

    assert Plan.objects.get().coordinating_agency.short_name == "省工业和信息化厅"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "文件为空。"),
        (b"\x00\x01\x02binary\x00" * 20, "文件不是文本文件（疑似二进制文件）。"),
        ("关于做好有关工作的通知\n请认真贯彻落实。\n".encode(), "未在文件中识别到任何任务。"),
    ],
)
def test_an_unusable_file_is_an_error_and_writes_nothing(agencies, tmp_path, content, message):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    before = row_counts()

    # The good file comes first: it must not be imported either.
    with pytest.raises(CommandError, match=message):
        import_plan(str(SEEDS["003"]), str(bad))

    assert row_counts() == before


def test_a_missing_file_is_an_error(agencies, tmp_path):
    with pytest.raises(CommandError, match=r"^文件不存在："):
        import_plan(str(tmp_path / "nowhere.txt"))


def test_an_unknown_agency_is_an_error_unless_agencies_may_be_created(agencies, tmp_path):
    edited = tmp_path / "edited.txt"
    edited.write_text(seed_text("003").replace("省审计厅等按", "省水利厅等按"), encoding="utf-8")
    before = row_counts()

    with pytest.raises(CommandError, match="未能识别的单位：省水利厅（最接近："):
        import_plan(str(edited))
    assert row_counts() == before

    output = import_plan(str(edited), "--create-agencies")
    assert "新建单位（待核实）：省水利厅" in output


def test_a_gb18030_file_imports_like_its_utf8_original(agencies, tmp_path):
    gb = tmp_path / "003-gb18030.txt"
    gb.write_bytes(seed_text("003").encode("gb18030"))
    import_plan(str(SEEDS["003"]))
    before = row_counts()

    output = import_plan(str(gb))

    assert output.startswith("《江苏省加快培育发展未来产业三年行动方案(2024-2026年)》")
    assert output.splitlines()[0].endswith("：无变化")
    assert row_counts() == before


def test_dump_plan_fixtures_from_the_database(agencies, tmp_path):
    call_command("import_plan", *(str(path) for path in SEEDS.values()), stdout=StringIO())
    target = tmp_path / "plans.json"

    call_command(
        "dump_plan_fixtures", "--from-current-db", "--output", str(target), stdout=StringIO()
    )

    assert target.read_bytes() == PLANS_FIXTURE.read_bytes()
