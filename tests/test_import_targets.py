"""Numeric targets in prose, on small synthetic sentences (cleaned the way documents are)."""

from decimal import Decimal

import pytest

from tasks_app.importing.normalize import clean_text
from tasks_app.importing.targets import extract_targets


def targets(text: str, *, default_year: int | None = 2026) -> list[tuple]:
    (paragraph,) = clean_text(text)
    found, _ = extract_targets(paragraph, default_year=default_year)
    return [
        (t.quantity, t.quantity_max, t.unit, t.comparison, t.year, t.description) for t in found
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "建设20个概念验证中心、中小试基地。",
            (20, None, "个", "at_least", "概念验证中心、中小试基地"),
        ),
        (
            "系统引培100名(个)掌握未来技术的创新人才(团队)。",
            (100, None, "名(个)", "at_least", "掌握未来技术的创新人才(团队)"),
        ),
        ("支持1000家以上中小微企业。", (1000, None, "家", "at_least", "中小微企业")),
        ("战略性新兴产业产值占比超过42%。", (42, None, "%", "exceeding", "战略性新兴产业产值占比")),
        ("全市总产值5000亿元。", (5000, None, "亿元", "at_least", "全市总产值")),
        (
            "全市未来产业总产值突破10000亿元。",
            (10000, None, "亿元", "exceeding", "全市未来产业总产值"),
        ),
        ("集群主营业务收入达8万亿元左右。", (8, None, "万亿元", "about", "集群主营业务收入")),
        ("集群规模达到1.5万亿元。", (Decimal("1.5"), None, "万亿元", "at_least", "集群规模")),
        ("3个集群规模分别超万亿元。", (1, None, "万亿元", "exceeding", "3个集群规模")),
        ("集群共创建3－5家国家级制造业创新中心。", (3, 5, "家", "range", "国家级制造业创新中心")),
        ("研发投入约300亿元。", (300, None, "亿元", "about", "研发投入")),
    ],
)
def test_quantity_unit_comparison_and_description(text, expected):
    quantity, maximum, unit, comparison, description = expected
    maximum = Decimal(maximum) if maximum is not None else None

    assert targets(text) == [(Decimal(quantity), maximum, unit, comparison, 2026, description)]


@pytest.mark.parametrize(
    "text",
    [
        "到2025年,全面完成。",
        "加快开展5G关键技术研发,聚焦6G智能终端。",
        "深化G60科创走廊建设。",
        "开展青年科技人才“U35”培育和寻访。",
        "构建“10+X”未来产业体系,开展“1+N”产业链合作伙伴行动,支撑“1+3”重点功能区建设。",
        "实现更多“从0到1”原创突破。",
        "专项资金按10%的比例统筹支持集群发展。",
        "按照《江苏高质量发展监测评价指标体系与实施办法》(苏办发〔2018〕22号)要求。",
        "落实《中国制造2025》。",
    ],
)
def test_years_model_names_formulas_methods_and_citations_are_not_targets(text):
    assert targets(text) == []


def test_a_count_that_only_qualifies_the_subject_of_an_amount_is_not_a_target():
    assert targets("到2020年:13个先进制造业集群主营业务收入达8万亿元左右。") == [
        (Decimal(8), None, "万亿元", "about", 2020, "13个先进制造业集群主营业务收入")
    ]


def test_coordinated_counts_are_each_a_target():
    found = targets("力争到2020年,集群建成15家绿色园区和50家绿色工厂,新增产品150个、企业100家。")

    assert [(q, d) for q, _, _, _, _, d in found] == [
        (Decimal(15), "绿色园区"),
        (Decimal(50), "绿色工厂"),
        (Decimal(150), "产品"),
        (Decimal(100), "企业"),
    ]


def test_the_year_is_the_nearest_one_before_else_the_default():
    found = targets(
        "聚焦100家龙头企业。力争到2020年,建成1家以上创新中心。到2025年,共创建3家。",
        default_year=2030,
    )

    assert [(q, year) for q, _, _, _, year, _ in found] == [
        (Decimal(100), 2030),
        (Decimal(1), 2020),
        (Decimal(3), 2025),
    ]


def test_a_goal_paragraph_passes_its_year_on():
    found, year = extract_targets("2030年,全市未来产业总产值突破5000亿元", default_year=None)
    following, _ = extract_targets("——培育10家以上未来产业创新平台", default_year=year)

    assert (found[0].year, year, following[0].year) == (2030, 2030, 2030)


def test_a_listed_count_carries_its_items():
    (paragraph,) = clean_text(
        "重点培育新型电力（新能源）装备、工程机械、物联网等3个先进制造业集群。"
    )
    (target,), _ = extract_targets(paragraph, default_year=2025)

    assert (target.quantity, target.description) == (Decimal(3), "先进制造业集群")
    assert target.items == ["新型电力(新能源)装备", "工程机械", "物联网"]


def test_items_are_kept_only_when_they_match_the_count():
    (target,), _ = extract_targets(
        "前沿新材料、集成电路等9个先进制造业集群地位明显提升", default_year=2025
    )

    assert target.items == []


def test_the_phrase_is_the_clause_as_written():
    (target,), _ = extract_targets(
        "鼓励高校建设20个概念验证中心、中小试基地,加快熟化。", default_year=2026
    )

    assert target.phrase == "鼓励高校建设20个概念验证中心、中小试基地"
