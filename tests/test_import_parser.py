"""parse_plan on small synthetic documents: numbering, front matter, signatures, periods."""

import datetime as dt

import pytest

from tasks_app.importing.errors import PlanImportError
from tasks_app.importing.parser import parse_plan

NOTICE = """\
您现在的位置: 首页 > 政策文件
某市人民政府关于印发《某市培育新兴产业行动方案(2025-2027年)》的通知
某政发〔2025〕7号
各区人民政府,市各委办局:
现将《某市培育新兴产业行动方案(2025-2027年)》印发给你们,请认真贯彻落实。
某市人民政府
2025年3月1日
某市培育新兴产业行动方案(2025-2027年)
为培育新兴产业,制定本方案。
一、重点任务
1.建设创新平台。建设10个创新平台。(市科技局、发展改革委等按职责分工负责)
2.培育企业。培育100家企业。(市工业和信息化局牵头,市财政局配合)
二、保障措施
3.加强组织领导。建立工作机制。
网站地图 | 联系我们
"""


def parse(text: str):
    return parse_plan(text.encode("utf-8"), source_name="synthetic.txt")


def test_a_covering_notice_gives_title_number_date_issuer_and_period():
    plan = parse(NOTICE)

    assert plan.title == "某市培育新兴产业行动方案(2025-2027年)"
    assert plan.doc_number == "某政发〔2025〕7号"
    assert plan.issued_on == dt.date(2025, 3, 1)
    assert plan.issuer_names == ["某市人民政府"]
    assert (plan.level, plan.period_start, plan.period_end) == ("city", 2025, 2027)
    assert plan.coordinator_name is None  # a city plan names no default coordinator
    assert "网站地图" not in plan.text
    assert plan.source_name == "synthetic.txt"


def test_actions_responsibilities_and_targets_of_a_synthetic_plan():
    plan = parse(NOTICE)

    assert [(t.ref, t.number, t.kind, t.title) for t in plan.tasks] == [
        ("一.1", "1", "action", "建设创新平台"),
        ("一.2", "2", "action", "培育企业"),
        ("二.3", "3", "safeguard", "加强组织领导"),
    ]
    assert [(r.name, r.role) for r in plan.tasks[0].responsibilities] == [
        ("市科技局", "lead"),
        ("市发展改革委", "supporting"),
    ]
    assert [(r.name, r.role) for r in plan.tasks[1].responsibilities] == [
        ("市工业和信息化局", "lead"),
        ("市财政局", "supporting"),
    ]
    assert plan.tasks[2].responsibilities == []
    assert [(t.quantity, t.unit, t.year) for t in plan.tasks[0].targets] == [(10, "个", 2027)]


@pytest.mark.parametrize(
    "numbering",
    [
        ("一、", "(一)", "1."),
        ("一、", "（一）", "1﹒"),
        ("一、", "（一）", "1．"),
        ("一、", "(一)", "１."),
    ],
)
def test_every_numbering_style_gives_the_same_structure(numbering):
    top, sub, item = numbering
    text = (
        f"关于某事项的实施方案\n{top}发展重点\n{sub}培育2个产业集群。\n"
        f"{item}甲产业集群。发展甲。\n{item.replace('1', '2').replace('１', '２')}乙产业集群。发展乙。\n"
    )

    plan = parse(text)

    assert [(s.ref, s.title) for s in plan.sections] == [
        ("一", "发展重点"),
        ("一.(一)", "培育2个产业集群"),
    ]
    assert [(t.ref, t.kind, t.title) for t in plan.tasks] == [
        ("一.(一).1", "domain", "甲产业集群"),
        ("一.(一).2", "domain", "乙产业集群"),
    ]


def test_a_lost_section_numeral_is_inferred_from_the_previous_one():
    text = "某方案\n一、发展基础\n基础较好。\n、重点任务\n(一)做好甲\n甲的内容。\n、保障措施\n(一)加强领导。内容。\n"

    plan = parse(text)

    assert [(s.number, s.title) for s in plan.sections] == [
        ("一", "发展基础"),
        ("二", "重点任务"),
        ("三", "保障措施"),
    ]
    assert [(t.ref, t.title, t.text) for t in plan.tasks] == [
        ("二.(一)", "做好甲", "甲的内容。"),
        ("三.(一)", "加强领导", "加强领导。内容。"),
    ]


def test_a_closing_signature_is_cut_off_the_last_task():
    text = "某方案\n一、重点任务\n(一)做好甲。甲的内容。\n某市人民政府\n2024年5月6日\n"

    plan = parse(text)

    assert plan.tasks[0].text == "做好甲。甲的内容。"
    assert (plan.issuer_names, plan.issued_on) == (["某市人民政府"], dt.date(2024, 5, 6))


def test_without_a_period_in_the_title_the_plan_runs_to_its_last_goal_year():
    text = (
        "江苏省政府关于某事项的意见\n(苏政发〔2020〕1号)\n一、发展目标\n到2022年,建成5个基地。\n"
        "到2025年,建成10个基地。\n二、重点任务\n(一)建设基地。内容。\n江苏省人民政府\n2020年1月2日\n"
    )

    plan = parse(text)

    assert plan.doc_number == "苏政发〔2020〕1号"
    assert (plan.level, plan.period_start, plan.period_end) == ("province", 2020, 2025)
    assert plan.coordinator_name == "省发展改革委"
    assert [(t.quantity, t.year) for t in plan.targets] == [(5, 2022), (10, 2025)]


def test_a_repeated_number_still_gets_a_unique_ref():
    plan = parse("某方案\n一、重点任务\n1.甲。内容。\n1.乙。内容。\n")

    assert [t.ref for t in plan.tasks] == ["一.1", "一.1~2"]


def test_a_document_without_numbered_tasks_is_refused():
    with pytest.raises(PlanImportError, match=r"^未在文件中识别到任何任务。$"):
        parse("关于做好某项工作的通知\n各单位:\n请认真贯彻落实。\n")


def test_a_document_whose_sections_hold_no_tasks_is_refused():
    with pytest.raises(PlanImportError, match=r"^未在文件中识别到任何任务。$"):
        parse("某方案\n一、总体要求\n(一)指导思想。内容。\n二、发展目标\n到2025年,建成5个基地。\n")


def test_an_unusual_title_before_the_first_heading_is_kept():
    plan = parse("2024年度重点工作安排\n一、重点任务\n1.甲。内容。\n")

    assert plan.title == "2024年度重点工作安排"
