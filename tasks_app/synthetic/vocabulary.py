"""Chinese words for synthetic titles and texts, so that lists, search and exports look real.

The texts contain no tab, newline or backslash (they travel through COPY's text format as is).
"""

import random

NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十")

PLAN_TITLES = (
    "科技创新攻坚行动方案",
    "制造业高质量发展行动计划",
    "数字经济提速工程实施方案",
    "绿色低碳转型三年行动方案",
    "优化营商环境专项行动方案",
    "现代服务业提质增效行动计划",
    "乡村振兴重点任务推进方案",
    "人才强省建设实施意见",
)

SECTION_TITLES = (
    "强化创新策源能力",
    "推动产业转型升级",
    "完善要素保障体系",
    "深化体制机制改革",
)

VERBS = ("推进", "加快", "完善", "实施", "建设", "培育", "深化", "强化", "支持", "布局")
OBJECTS = (
    "概念验证中心",
    "中小试基地",
    "新型研发机构",
    "先进制造业集群",
    "科技企业孵化器",
    "高新技术企业",
    "重大科技基础设施",
    "制造业创新中心",
    "数据要素市场",
    "绿色低碳园区",
    "人工智能应用场景",
    "高层次人才引育",
    "专精特新企业",
    "工业互联网平台",
    "知识产权保护体系",
    "产学研协同创新",
)
ENDINGS = ("建设", "培育工程", "专项行动", "试点示范", "体系建设", "提质增效", "攻坚行动")
CITIES = (
    "南京",
    "无锡",
    "徐州",
    "常州",
    "苏州",
    "南通",
    "连云港",
    "淮安",
    "盐城",
    "扬州",
    "镇江",
    "泰州",
    "宿迁",
)
UNITS = (("个",), ("家",), ("项",))


def _pick(rng: random.Random, words: tuple[str, ...]) -> str:
    return words[int(rng.random() * len(words))]  # rng.choice, a few times faster


def task_title(rng: random.Random) -> str:
    """E.g. 加快概念验证中心建设（苏州）."""
    title = _pick(rng, VERBS) + _pick(rng, OBJECTS) + _pick(rng, ENDINGS)
    if rng.random() < 0.3:
        title += f"（{_pick(rng, CITIES)}）"
    return title


def task_text(rng: random.Random, title: str, year: int) -> str:
    quantity = 5 + int(rng.random() * 195)
    return (
        f"{title}。到{year}年，累计建成{quantity}个以上省级平台，"
        f"带动{_pick(rng, CITIES)}、{_pick(rng, CITIES)}等地形成示范效应。"
        "各责任单位按照职责分工抓好落实，定期报送工作进展。"
    )


def target_description(rng: random.Random) -> tuple[str, str]:
    """(description, unit) of a numeric target."""
    return _pick(rng, OBJECTS), _pick(rng, UNITS)[0]
