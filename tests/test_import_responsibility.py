"""Every way a document says who is responsible, on small synthetic parentheses."""

import pytest

from tasks_app.importing.responsibility import (
    find_responsibility_clause,
    parse_responsibility_clause,
    undo_prefix_elision,
)


def roles(text: str) -> list[tuple[str, str]]:
    return [(r.name, r.role) for r in parse_responsibility_clause(text).responsibilities]


def test_by_convention_the_first_listed_agency_leads():
    assert roles("省科技厅、省教育厅、省发展改革委等按职责分工负责") == [
        ("省科技厅", "lead"),
        ("省教育厅", "supporting"),
        ("省发展改革委", "supporting"),
    ]


def test_a_single_agency_leads_alone():
    assert roles("省统计局负责") == [("省统计局", "lead")]


@pytest.mark.parametrize(
    "text",
    [
        "省发展改革委牵头负责,省科技厅、省财政厅配合",
        "省发展改革委牵头,省科技厅、省财政厅配合",
        "省发展改革委牵头;省科技厅、省财政厅等配合",
        "牵头单位:省发展改革委;配合单位:省科技厅、省财政厅",
        "牵头单位:省发展改革委,配合单位:省科技厅、省财政厅",
        "省发展改革委会同省科技厅、省财政厅负责",
        "省科技厅、省发展改革委(牵头)、省财政厅",
    ],
)
def test_an_explicit_lead_leads_and_the_others_support(text):
    assert roles(text)[0] == ("省发展改革委", "lead")
    assert sorted(roles(text)[1:]) == [("省科技厅", "supporting"), ("省财政厅", "supporting")]


def test_labelled_responsible_units_are_led_by_the_first():
    assert roles("责任单位:省工业和信息化厅、省商务厅") == [
        ("省工业和信息化厅", "lead"),
        ("省商务厅", "supporting"),
    ]


def test_a_lead_with_only_vague_partners_names_just_the_lead():
    assert roles("省发展改革委牵头,各有关部门按职责分工负责") == [("省发展改革委", "lead")]


def test_names_without_a_level_inherit_the_previous_prefix():
    assert roles("省发展改革委、交通运输厅、水利厅按职责分工负责") == [
        ("省发展改革委", "lead"),
        ("省交通运输厅", "supporting"),
        ("省水利厅", "supporting"),
    ]


@pytest.mark.parametrize(
    ("names", "expanded"),
    [
        (["苏州市发展改革委", "工业和信息化局"], ["苏州市发展改革委", "苏州市工业和信息化局"]),
        (["江苏省发展改革委", "交通运输厅"], ["江苏省发展改革委", "江苏省交通运输厅"]),
        (["省发展改革委", "市场监管局"], ["省发展改革委", "省市场监管局"]),
        # Names that carry their own level start afresh, and pass nothing on when unprefixed.
        (
            ["省科技厅", "人民银行江苏省分行", "江苏证监局"],
            ["省科技厅", "人民银行江苏省分行", "江苏证监局"],
        ),
        (["人民银行江苏省分行", "财政厅"], ["人民银行江苏省分行", "财政厅"]),
        (["交通运输厅", "省财政厅"], ["交通运输厅", "省财政厅"]),
    ],
)
def test_prefix_elision(names, expanded):
    assert undo_prefix_elision(names) == expanded


def test_a_group_can_lead():
    assert roles("省推进战略性新兴产业发展工作协调机制成员单位按职责分工负责") == [
        ("省推进战略性新兴产业发展工作协调机制成员单位", "lead")
    ]


def test_the_cascade_clause_names_the_cities_for_every_task():
    clause = parse_responsibility_clause(
        "省科技厅、省教育厅、省发展改革委,各设区市相应职能部门按职责分工负责,"
        "以下均需各设区市相应职能部门落实,不再单独列出"
    )

    assert [(r.name, r.role) for r in clause.responsibilities] == [
        ("省科技厅", "lead"),
        ("省教育厅", "supporting"),
        ("省发展改革委", "supporting"),
    ]
    assert clause.cascade is True
    assert clause.cascade_all is True


def test_naming_the_city_governments_cascades_that_task_only():
    clause = parse_responsibility_clause("省发展改革委、各设区市人民政府按职责分工负责")

    assert [(r.name, r.role) for r in clause.responsibilities] == [("省发展改革委", "lead")]
    assert clause.cascade is True
    assert clause.cascade_all is False


def test_an_agency_named_twice_is_listed_once():
    assert roles("省科技厅、省教育厅、省科技厅等按职责分工负责") == [
        ("省科技厅", "lead"),
        ("省教育厅", "supporting"),
    ]


def test_the_closing_parenthesis_is_found_even_with_nested_brackets():
    text = "推动基础研究。支持装备首台(套)应用。(省科技厅(牵头)、省教育厅等按职责分工负责)。"

    assert find_responsibility_clause(text) == "省科技厅(牵头)、省教育厅等按职责分工负责"


@pytest.mark.parametrize(
    "text",
    [
        "省发展改革委(领导小组办公室)发挥统筹协调作用。",  # mid-sentence, not closing
        "建设战略性新兴产业产融示范基地(创新中心)",  # closing, but names nobody
        "加快培育新动能。",
    ],
)
def test_text_naming_no_responsible_agency_has_no_clause(text):
    assert find_responsibility_clause(text) is None
