"""What the five source documents must yield once imported (issue 2, section 4)."""

import datetime as dt
from decimal import Decimal

import pytest

from agencies.models import Agency
from agencies.resolver import districted_cities
from tasks_app.models import Plan, Responsibility, Section, Target, Task
from tests.importing.seeds import agency_ids, import_seed

pytestmark = pytest.mark.django_db
R = Responsibility.Role

# Seed 003's actions and their parentheses, as written (the first named leads).
ACTIONS_003 = {
    1: "省科技厅、省教育厅、省发展改革委",
    2: "省科技厅、省工业和信息化厅、省发展改革委、省委人才办、省科协",
    3: "省科技厅、省工业和信息化厅、省教育厅、省知识产权局、省产业技术研究院",
    4: "省科技厅、省工业和信息化厅、省发展改革委、省商务厅、省科协",
    5: "省科技厅、省工业和信息化厅、省教育厅、省国资委、省卫生健康委、省药监局、省交通运输厅、省发展改革委",
    6: "省发展改革委、省委网信办、省农业农村厅、省工业和信息化厅、省能源局、省交通运输厅、"
    "省住房城乡建设厅、省文化旅游厅、省商务厅、省科技厅",
    7: "省工业和信息化厅、省发展改革委、省委网信办、省科技厅、省数据局",
    8: "省发展改革委、省科技厅、省工业和信息化厅",
    9: "省工业和信息化厅、省科技厅、省国资委",
    10: "省发展改革委、省科技厅、省工业和信息化厅、省市场监管局",
    11: "省委人才办、省教育厅、省科技厅、省工业和信息化厅、省财政厅、省人力资源社会保障厅",
    12: "省教育厅、省工业和信息化厅、省人力资源社会保障厅、省发展改革委",
    13: "省委人才办、省教育厅、省人力资源社会保障厅、省发展改革委",
    14: "省发展改革委、省国资委、省财政厅、省地方金融管理局、省科技厅、省工业和信息化厅、江苏证监局",
    15: "省地方金融管理局、省市场监管局、省知识产权局、人民银行江苏省分行、"
    "国家金融监督管理总局江苏监管局、省科技厅、省财政厅、省工业和信息化厅",
    16: "省地方金融管理局、人民银行江苏省分行、江苏证监局、省知识产权局、省发展改革委、省财政厅、"
    "省信用再担保集团",
    17: "省发展改革委、省科技厅、省工业和信息化厅",
    18: "省发展改革委、省科技厅、省工业和信息化厅",
    19: "省发展改革委、省科技厅、省工业和信息化厅、省商务厅、省科协",
    20: "省统计局、省发展改革委、省科技厅、省工业和信息化厅",
    21: "省发展改革委、省科技厅、省工业和信息化厅、省生态环境厅、省委网信办、省知识产权局、"
    "省市场监管局、省公安厅、省交通运输厅",
    22: "省科技厅、省发展改革委、省工业和信息化厅、省审计厅",
    23: "省推进战略性新兴产业发展工作协调机制成员单位",
    24: "省财政厅、省科技厅、省发展改革委、省工业和信息化厅、省税务局",
    25: "省发展改革委、省科技厅、省工业和信息化厅、省科协",
}
# (action, quantity, unit, description) of seed 003's targets, in document order.
TARGETS_003 = [
    (2, 100, "项", "未来产业前沿技术研发计划项目"),
    (3, 20, "个", "概念验证中心、中小试基地"),
    (3, 100, "个", "未来产业科创园区"),
    (4, 10, "家", "未来产业(技术)研究院"),
    (4, 60, "个", "省级未来产业领域工程研究中心"),
    (6, 100, "个", "未来技术应用场景"),
    (7, 10, "家", "应用场景促进机构"),
    (8, 60, "个", "技术含量高、市场前景好、带动作用强的未来产业重大项目"),
    (9, 30, "家", "未来产业“链主”企业"),
    (9, 100, "个", "未来科技创新示范企业"),
    (9, 30, "家", "单项冠军和专精特新“小巨人”企业"),
    (10, 10, "个", "省级未来产业先导区"),
    (11, 100, "名(个)", "掌握未来技术的创新人才(团队)"),
    (12, 1000, "名", "未来产业专业技术人才"),
    (21, 100, "个", "未来产业标准规范"),
]


def plan_of(report) -> Plan:
    return Plan.objects.get(pk=report.plan_id)


def task_titles(plan: Plan, **filters) -> list[str]:
    return list(plan.tasks.filter(**filters).order_by("order").values_list("title", flat=True))


def responsible(task: Task, *roles: str) -> list[int]:
    rows = task.responsibilities.filter(role__in=roles).order_by("order")
    return list(rows.values_list("agency_id", flat=True))


def target_rows(queryset) -> list[tuple]:
    return [
        (t.quantity, t.quantity_max, t.unit, t.comparison, t.year, t.description, t.items)
        for t in queryset.order_by("order")
    ]


def d(value) -> Decimal:
    return Decimal(str(value))


# --- seed 003: the 2024 three-year action plan ----------------------------------------------


@pytest.fixture
def plan_003(agencies) -> Plan:
    return plan_of(import_seed("003"))


def test_003_plan_metadata(plan_003):
    assert plan_003.title == "江苏省加快培育发展未来产业三年行动方案(2024-2026年)"
    assert plan_003.key == plan_003.doc_number == "苏发改高技发〔2024〕229号"
    assert plan_003.issued_on == dt.date(2024, 2, 27)
    assert (plan_003.level, plan_003.period_start, plan_003.period_end) == ("province", 2024, 2026)
    assert plan_003.coordinating_agency.name == "江苏省发展和改革委员会"
    assert list(plan_003.issuer_links.values_list("agency_id", flat=True)) == agency_ids(
        [
            "江苏省发展改革委",
            "江苏省工业和信息化厅",
            "江苏省教育厅",
            "江苏省科学技术厅",
            "江苏省交通运输厅",
            "江苏省文化和旅游厅",
            "江苏省政府国有资产监督管理委员会",
        ]
    )


def test_003_has_eight_sections_and_twenty_five_actions_due_end_2026(plan_003):
    sections = plan_003.sections.order_by("order")

    assert [(s.number, s.title) for s in sections] == [
        ("一", "科技创新攻关行动"),
        ("二", "应用场景开源行动"),
        ("三", "产业主体培育行动"),
        ("四", "产业人才引培行动"),
        ("五", "科技金融支撑行动"),
        ("六", "产业开放合作行动"),
        ("七", "产业创新治理行动"),
        ("八", "保障措施"),
    ]
    tasks = plan_003.tasks.order_by("order")
    assert [t.number for t in tasks] == [str(n) for n in range(1, 26)]
    assert {t.due_on for t in tasks} == {dt.date(2026, 12, 31)}
    assert [t.kind for t in tasks] == ["action"] * 22 + ["safeguard"] * 3
    assert tasks[0].title == "推动基础研究强基"
    assert tasks[0].text.endswith("不再单独列出)")


def test_003_every_action_has_its_lead_and_supporting_agencies_as_listed(plan_003):
    tasks = {int(task.number): task for task in plan_003.tasks.all()}
    listed = {number: agency_ids(names.split("、")) for number, names in ACTIONS_003.items()}

    # One comparison for all 25 actions, so that a failure shows every difference at once.
    assert {n: responsible(task, R.LEAD) for n, task in tasks.items()} == {
        n: ids[:1] for n, ids in listed.items()
    }
    assert {n: responsible(task, R.SUPPORTING) for n, task in tasks.items()} == {
        n: ids[1:] for n, ids in listed.items()
    }
    assert {n: responsible(task, R.LEAD, R.SUPPORTING) for n, task in tasks.items()} == listed


def test_003_every_action_is_implemented_by_the_thirteen_cities(plan_003):
    cities = [city.pk for city in districted_cities()]

    for task in plan_003.tasks.all():
        assert responsible(task, R.IMPLEMENTING) == cities, task.number


def test_003_responsibilities_are_due_with_their_task(plan_003):
    due = Responsibility.objects.filter(task__plan=plan_003).values_list("due_on", flat=True)

    assert set(due) == {dt.date(2026, 12, 31)}


def test_003_has_exactly_fifteen_task_targets_and_no_plan_goals(plan_003):
    targets = Target.objects.filter(plan=plan_003).select_related("task").order_by("order")

    assert [(int(t.task.number), t.quantity, t.unit, t.description) for t in targets] == [
        (action, d(quantity), unit, description)
        for action, quantity, unit, description in TARGETS_003
    ]
    assert {(t.comparison, t.year) for t in targets} == {("at_least", 2026)}
    assert not plan_003.targets.filter(task__isnull=True).exists()


# --- seed 000 / 002: the 2023 cluster plan (and its noisy copy) -----------------------------


@pytest.fixture
def plan_000(agencies) -> Plan:
    return plan_of(import_seed("000"))


def test_000_plan_metadata(plan_000):
    assert plan_000.title == "关于推动战略性新兴产业融合集群发展的实施方案"
    assert plan_000.doc_number == ""
    assert plan_000.key == "江苏省人民政府办公厅|关于推动战略性新兴产业融合集群发展的实施方案"
    assert plan_000.issued_on == dt.date(2023, 2, 16)
    assert (plan_000.level, plan_000.period_start, plan_000.period_end) == ("province", 2023, 2025)
    assert [str(link.agency) for link in plan_000.issuer_links.all()] == ["省政府办公厅"]
    assert plan_000.coordinating_agency.name == "江苏省发展和改革委员会"


def test_000_has_the_51010_clusters_in_three_tiers(plan_000):
    tiers = Section.objects.filter(plan=plan_000, parent__ref="三").order_by("order")

    assert [(s.ref, s.title) for s in tiers] == [
        ("三.(一)", "打造5个具有国际竞争力的战略性新兴产业集群"),
        ("三.(二)", "建设10个国内领先的战略性新兴产业集群"),
        ("三.(三)", "培育10个引领突破的未来产业集群"),
    ]
    assert [task_titles(plan_000, section=tier) for tier in tiers] == [
        ["生物医药产业集群", "智能制造装备产业集群", "集成电路产业集群",
         "新型电力(智能电网)产业集群", "新能源产业集群"],
        ["人工智能产业集群", "物联网产业集群", "高端软件及信息服务产业集群",
         "先进结构材料产业集群", "新型功能材料产业集群", "绿色环保产业集群",
         "新能源(智能网联)汽车产业集群", "航空装备产业集群", "海洋工程装备与高技术船舶产业集群",
         "轨道交通产业集群"],
        ["未来网络通信产业集群", "第三代半导体产业集群", "前沿新材料产业集群",
         "氢能与储能产业集群", "基因技术及细胞治疗产业集群", "深海空天开发产业集群",
         "先进计算产业集群", "虚拟现实产业集群", "量子科技产业集群", "类脑智能产业集群"],
    ]  # fmt: skip
    assert plan_000.tasks.filter(kind="domain").count() == 25
    assert plan_000.tasks.get(ref="三.(二).10").number == "10"


def test_000_has_five_main_tasks_and_four_safeguards(plan_000):
    assert task_titles(plan_000, kind="action") == [
        "产业跨界深度融合计划",
        "产业集群能级跃升计划",
        "产业创新筑基融汇计划",
        "企业主体培育融通计划",
        "产业生态开源融聚计划",
    ]
    assert task_titles(plan_000, kind="safeguard") == [
        "加强统筹协调",
        "加强政策支持",
        "加强监测评估",
        "加强改革创新",
    ]
    assert plan_000.tasks.count() == 34
    assert {t.due_on for t in plan_000.tasks.all()} == {dt.date(2025, 12, 31)}


def test_000_names_no_agency_per_task_so_no_lead_is_guessed(plan_000):
    assert not Responsibility.objects.filter(task__plan=plan_000).exists()


def test_000_goals_are_the_42_percent_share_and_the_51010_counts(plan_000):
    tier_items = [
        task_titles(plan_000, section__ref=ref) for ref in ("三.(一)", "三.(二)", "三.(三)")
    ]

    assert target_rows(plan_000.targets.filter(task__isnull=True)) == [
        (d(42), None, "%", "exceeding", 2025, "全省工业战略性新兴产业产值占规上工业比重", []),
        (d(5), None, "个", "at_least", 2025, "具有国际竞争力的战略性新兴产业集群", tier_items[0]),
        (d(10), None, "个", "at_least", 2025, "国内领先的战略性新兴产业集群", tier_items[1]),
        (d(10), None, "个", "at_least", 2025, "引领突破的未来产业集群", tier_items[2]),
    ]


def test_000_main_task_targets(plan_000):
    task = plan_000.tasks.get(ref="四.(四)")

    assert target_rows(task.targets) == [
        (d(1000), None, "家", "at_least", 2025,
         "创新能力强、市场前景好、主业突出、对产业支撑作用强的专精特新企业、"
         "制造业单项冠军和创新型领军企业", []),
        (d(10000), None, "家", "at_least", 2025, "中小微企业发展", []),
        (d(1000), None, "家", "at_least", 2025, "“四科”标准科技型中小企业", []),
    ]  # fmt: skip
    assert plan_000.targets.filter(task__isnull=False).count() == 3


def test_002_reimports_onto_000_with_no_change(plan_000):
    report = import_seed("002")

    assert report.plan_id == plan_000.pk
    assert report.plan_status == "unchanged"
    assert not report.changed
    assert (report.sections.unchanged, report.tasks.unchanged, report.targets.unchanged) == (
        8,
        34,
        7,
    )
    assert Plan.objects.count() == 1
    plan_000.refresh_from_db()
    assert plan_000.source_name == "000_1aff54e3dc76f4fa.txt"


# --- seed 001: Suzhou's work opinions ---------------------------------------------------------


@pytest.fixture
def plan_001(agencies) -> Plan:
    return plan_of(import_seed("001"))


def test_001_plan_metadata(plan_001):
    assert plan_001.title == "市政府关于加快培育未来产业的工作意见"
    assert plan_001.issued_on == dt.date(2023, 9, 1)
    assert (plan_001.level, plan_001.period_start, plan_001.period_end) == ("city", 2023, 2035)
    assert [link.agency.name for link in plan_001.issuer_links.all()] == ["苏州市人民政府"]
    assert plan_001.coordinating_agency.name == "苏州市发展和改革委员会"


def test_001_lost_section_numerals_are_inferred(plan_001):
    sections = plan_001.sections.filter(parent__isnull=True).order_by("order")

    assert [(s.number, s.title) for s in sections] == [
        ("一", "发展基础"),
        ("二", "总体要求"),
        ("三", "重点领域"),
        ("四", "空间布局"),
        ("五", "实施路径"),
        ("六", "保障措施"),
    ]


def test_001_eight_domains_with_their_districts_and_focus(plan_001):
    layout = {
        task.title: [
            (r.agency.short_name, r.role, r.focus)
            for r in task.responsibilities.select_related("agency").order_by("order")
        ]
        for task in plan_001.tasks.filter(kind="domain").order_by("order")
    }
    i = R.IMPLEMENTING

    assert layout == {
        "前沿新材料": [("苏州工业园区", i, "第三代半导体、纳米材料"), ("吴江区", i, "高性能纤维及复合材料")],
        "光子芯片与光器件": [("虎丘区", i, "光子芯片、光器件"), ("苏州工业园区", i, "光子芯片、光电子器件、光通信")],
        "元宇宙": [("昆山市", i, "元宇宙相关软硬件产品"), ("吴中区", i, "工业元宇宙"), ("姑苏区", i, "元宇宙应用场景")],
        "氢能": [("张家港市", i, "制储加氢、氢燃料电池、氢能装备"), ("常熟市", i, "氢燃料电池、氢能车、氢能装备研发检测")],
        "数字金融": [("相城区", i, "区块链、数字人民币")],
        "细胞和基因诊疗": [
            ("苏州工业园区", i, "细胞药物、基因诊断、核酸药物、生物和信息融合技术(ITBT)"),
            ("吴中区", i, "细胞药物、基因检测"),
        ],
        "空天开发": [("太仓市", i, "航空航天装备、深空探测"), ("相城区", i, "航空航天材料、卫星互联网"), ("昆山市", i, "航空装备及零部件")],
        "量子技术": [("相城区", i, "量子计算"), ("吴江区", i, "量子通信")],
    }  # fmt: skip
    assert [t.number for t in plan_001.tasks.filter(kind="domain").order_by("order")] == [
        str(n) for n in range(1, 9)
    ]


def test_001_five_implementation_actions_and_four_safeguards(plan_001):
    actions = plan_001.tasks.filter(kind="action").order_by("order")

    assert [(t.ref, t.title) for t in actions] == [
        ("五.(一)", "优势产业“强基行动”"),
        ("五.(二)", "关键技术“攻坚行动”"),
        ("五.(三)", "创新主体“引培行动”"),
        ("五.(四)", "发展空间“优化行动”"),
        ("五.(五)", "生态伙伴共建行动"),
    ]
    assert actions[0].text.startswith("依托现有主导产业和战略性新兴产业发展优势")
    assert task_titles(plan_001, kind="safeguard") == [
        "强化组织领导",
        "加大政策供给",
        "创新资金支持",
        "营造发展氛围",
    ]
    assert "苏州市人民政府" not in plan_001.tasks.get(ref="六.(四)").text


def test_001_no_task_names_a_lead(plan_001):
    assert not Responsibility.objects.filter(task__plan=plan_001, role=R.LEAD).exists()


def test_001_goals_for_2030_and_2035(plan_001):
    assert target_rows(plan_001.targets.all()) == [
        (d(5000), None, "亿元", "exceeding", 2030, "全市未来产业总产值", []),
        (d(10), None, "家", "at_least", 2030, "未来产业创新平台", []),
        (d(20), None, "家", "at_least", 2030, "未来产业链主企业", []),
        (d(10), None, "个", "at_least", 2030, "未来产业先导园区", []),
        (d(100), None, "个", "at_least", 2030, "核心产品", []),
        (d(100), None, "个", "at_least", 2030, "应用场景", []),
        (d(12), None, "个", "at_least", 2035, "领跑全国的千亿级未来产业创新集群", []),
        (d(10000), None, "亿元", "exceeding", 2035, "全市未来产业总产值", []),
    ]
    assert not plan_001.targets.filter(task__isnull=False).exists()


# --- seed 004: the 2018 advanced manufacturing clusters opinions ----------------------------


@pytest.fixture
def plan_004(agencies) -> Plan:
    return plan_of(import_seed("004"))


CLUSTERS_004 = [
    "新型电力(新能源)装备", "工程机械", "物联网", "高端纺织", "前沿新材料",
    "生物医药和新型医疗器械", "集成电路", "海工装备和高技术船舶", "高端装备", "节能环保",
    "核心信息技术", "汽车及零部件", "新型显示",
]  # fmt: skip


def test_004_plan_metadata(plan_004):
    assert plan_004.title == "江苏省政府关于加快培育先进制造业集群的指导意见"
    assert plan_004.key == "苏政发〔2018〕86号"
    assert plan_004.issued_on == dt.date(2018, 6, 25)
    assert (plan_004.level, plan_004.period_start, plan_004.period_end) == ("province", 2018, 2025)
    assert [link.agency.name for link in plan_004.issuer_links.all()] == ["江苏省人民政府"]


def test_004_five_key_tasks_with_their_sixteen_sub_measures(plan_004):
    measures = {
        task.title: task_titles(plan_004, parent=task)
        for task in plan_004.tasks.filter(kind="action").order_by("order")
    }

    assert measures == {
        "着力构建企业主导创新体系": ["建设高水平新型企业创新载体", "突破重大关键核心技术", "构建创新服务体系"],
        "大力推进企业技术改造升级": ["实施企业信息化改造", "实施制造智能化改造", "实施产业网络化改造", "实施绿色化改造"],
        "重点培育行业龙头骨干企业": ["推进“百企引航”计划", "推进“千企升级”计划", "打造国际知名品牌", "支持自主创新产品示范应用"],
        "持续提高开放合作水平": ["加强区域合作交流", "提升利用外资质量", "推动企业国际化发展"],
        "促进“制造+服务”融合发展": ["推广服务型制造模式", "强化生产性服务业支撑"],
    }  # fmt: skip
    measure_rows = plan_004.tasks.filter(kind="measure").order_by("order")
    assert measure_rows.count() == 16
    assert [(m.ref, m.number) for m in measure_rows[:3]] == [
        ("二.(一).1", ""),
        ("二.(一).2", ""),
        ("二.(一).3", ""),
    ]


def test_004_three_safeguards_and_three_mechanisms(plan_004):
    assert task_titles(plan_004, kind="safeguard") == [
        "强化人才保障",
        "强化资金保障",
        "强化要素保障",
    ]
    assert task_titles(plan_004, kind="mechanism") == [
        "建立组织推进机制",
        "建立分工协作机制",
        "建立考核评价机制",
    ]
    assert "江苏省人民政府" not in plan_004.tasks.get(ref="四.(三)").text


def test_004_goals_for_2020_and_2025(plan_004):
    three_2020 = ["高端纺织", "节能环保", "汽车及零部件(含新能源汽车)"]
    five_2020 = ["新型电力(新能源)装备", "物联网", "生物医药和新型医疗器械", "高端装备", "新型显示"]
    three_2025 = ["物联网", "节能环保", "高端纺织"]
    five_2025 = ["新型电力(新能源)装备", "生物医药和新型医疗器械", "汽车及零部件(含新能源汽车)",
                 "新型显示", "高端装备"]  # fmt: skip

    assert target_rows(plan_004.targets.filter(task__isnull=True)) == [
        (d(13), None, "个", "at_least", 2025, "先进制造业集群", CLUSTERS_004),
        (d(8), None, "万亿元", "about", 2020, "13个先进制造业集群主营业务收入", []),
        (d(1), None, "万亿元", "exceeding", 2020, "、".join(three_2020) + "3个集群规模", three_2020),
        (d(5000), None, "亿元", "exceeding", 2020, "、".join(five_2020) + "5个集群规模", five_2020),
        (d("11.5"), None, "万亿元", "about", 2025, "13个先进制造业集群主营业务收入", []),
        (d("1.5"), None, "万亿元", "exceeding", 2025, "、".join(three_2025) + "3个集群规模", three_2025),
        (d(1), None, "万亿元", "exceeding", 2025, "、".join(five_2025) + "5个集群规模", five_2025),
        (d(9), None, "个", "at_least", 2025, "先进制造业集群在全球产业分工和价值链中的地位明显提升", []),
        (d(4), None, "个", "at_least", 2025, "先进制造业集群具有全球创新引领能力", CLUSTERS_004[:4]),
    ]  # fmt: skip


def test_004_sub_measure_targets(plan_004):
    rows = [
        (t.task.ref, t.quantity, t.quantity_max, t.unit, t.comparison, t.year, t.description)
        for t in plan_004.targets.filter(task__isnull=False)
        .select_related("task")
        .order_by("order")
    ]

    assert rows == [
        ("二.(一).1", d(1), None, "家", "at_least", 2020, "省级制造业创新中心"),
        ("二.(一).1", d(3), d(5), "家", "range", 2025, "国家级制造业创新中心"),
        ("二.(二).2", d(30), None, "家", "at_least", 2020, "集群省级示范工厂总数"),
        ("二.(二).4", d(15), None, "家", "at_least", 2020, "绿色园区"),
        ("二.(二).4", d(50), None, "家", "at_least", 2020, "绿色工厂"),
        ("二.(三).1", d(100), None, "家", "at_least", 2025, "规模优势明显、具备产业链整合能力的龙头企业"),
        ("二.(三).2", d(1000), None, "家", "at_least", 2025, "专业基础好、创新意识强、发展潜力大的高成长型企业"),
        ("二.(三).2", d(50), None, "家", "at_least", 2020, "国家级制造业单项冠军企业(产品)"),
        ("二.(三).2", d(150), None, "个", "at_least", 2020, "“专精特新”产品"),
        ("二.(三).2", d(100), None, "家", "at_least", 2020, "科技小巨人企业"),
    ]  # fmt: skip


def test_all_five_seeds_name_only_known_agencies(agencies):
    for seed in ("000", "001", "002", "003", "004"):
        assert import_seed(seed).created_agencies == []
    assert not Agency.objects.filter(verified=False).exists()
