"""Numeric targets in policy prose: `建设20个概念验证中心`, `超过42%`, `达8万亿元左右`, `3-5家`.

Works on cleaned (NFKC) text. A quantity is an Arabic number with a unit; years (`2025年`),
model names (`5G`, `G60`, `U35`), formulas (`10+X`, `1+N`), ratios of a method (`按10%的比例`)
and counts that only qualify the subject of another amount (`13个先进制造业集群主营业务收入达
8万亿元左右`) are not targets.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from .types import ParsedTarget

_BASE_UNITS = (
    "个百分点|平方公里|万千瓦|千瓦时|千瓦|人次|元|个|家|项|名|所|座|条|件|台|套|次|人|位|户|款|"
    "处|支|批|倍|吨|亩|公顷|辆|艘|架|场|本|篇|%"
)
_QUANTITY = re.compile(
    r"(?<![\dA-Za-z.+])(?P<num>\d+(?:\.\d+)?)"
    r"(?:\s*[-~至到]\s*(?P<num2>\d+(?:\.\d+)?))?"
    r"(?P<mag>万亿|千亿|百亿|亿|千万|百万|万)?"
    rf"(?P<base>{_BASE_UNITS})"
    r"(?P<alt>\([个名家项人所]\))?"
    r"(?P<suffix>及以上|以上|左右)?"
    r"(?![A-Za-z\d+])"
)
# `超万亿元`: a magnitude without a number means one of it.
_BARE_MAGNITUDE = re.compile(r"(?<=[超破达过到])(?P<mag>万亿|千亿|亿)(?P<base>元)")
_YEAR = re.compile(r"(?<![\d\-])(\d{4})年(?!\d)")
_STOP = re.compile(r"[,;。:!?]")
_BOOK_TITLE = re.compile(r"《[^》]*》")

_EXCEEDING = ("超过", "突破", "高于", "多于", "超", "逾")
_ABOUT = ("大约", "接近", "约", "近")
# Verbs between a subject and its amount (`总产值突破`, `规模分别超`, `总数达到`).
_TRAILING_VERB = re.compile(
    r"(?:分别|均|总计|累计|合计|力争|共)?"
    r"(?:达到|达|突破|超过|超|高于|为|占|增加到|提高到|提升到|增长到|增至|实现|保持)?"
    r"(?:分别|均)?$"
)
_LEADING_VERB = re.compile(
    r"^(?:力争|争取|到\d{4}年|\d{4}年|重点|全力|着力|加快)*"
    r"(?:培育|新增|建设|建成|打造|引育|引进|推出|组建|认定|创建|实施|支持|聚焦|制定|新建|"
    r"累计|共|包括|形成|发展|构建)*"
)
_CONNECTOR = re.compile(r"(?:以及|和|及|与|、|并|等)+$")
_QUALIFIER_VERB = re.compile(
    r"(?:达到|达|突破|超过|超|高于|为|占|增加到|提高到|提升到|增长到|增至|实现)$"
)


@dataclass
class _Match:
    start: int  # where the number (or bare magnitude) begins
    end: int  # after the unit and any 以上/左右
    quantity: Decimal
    quantity_max: Decimal | None
    unit: str
    suffix: str


def extract_targets(
    paragraph: str, *, default_year: int | None
) -> tuple[list[ParsedTarget], int | None]:
    """The targets of one paragraph, and the last year it named (for goals that carry over).

    A target's year is the nearest `到20XX年`/`20XX年` before it in the paragraph, else
    `default_year` (the previous goal paragraph's year, or the task's or plan's end year).
    """
    masked = _BOOK_TITLE.sub(lambda m: "#" * len(m.group()), paragraph)
    matches = _quantities(masked)
    years = [(m.start(), int(m.group(1))) for m in _YEAR.finditer(masked)]
    targets: list[ParsedTarget] = []
    qualifiers: list[_Match] = []
    previous: _Match | None = None  # the previous target, not a qualifying count
    for index, match in enumerate(matches):
        following = matches[index + 1] if index + 1 < len(matches) else None
        if following and _qualifies_subject(masked, match, following):
            qualifiers.append(match)
            continue
        year = next((y for pos, y in reversed(years) if pos < match.start), default_year)
        context = _Context(paragraph, masked, previous, following, qualifiers)
        targets.append(_target(context, match, year))
        previous = match
    last_year = years[-1][1] if years else default_year
    return targets, last_year


def _quantities(text: str) -> list[_Match]:
    found: list[_Match] = []
    for m in _QUANTITY.finditer(text):
        if text[max(0, m.start() - 2) : m.start()].endswith(("按", "按照")):
            continue  # `按10%的比例统筹`: how money is split, not a target
        number = Decimal(m.group("num"))
        maximum = Decimal(m.group("num2")) if m.group("num2") else None
        unit = (m.group("mag") or "") + m.group("base") + (m.group("alt") or "")
        found.append(_Match(m.start(), m.end(), number, maximum, unit, m.group("suffix") or ""))
    for m in _BARE_MAGNITUDE.finditer(text):
        found.append(_Match(m.start(), m.end(), Decimal(1), None, m.group("mag") + "元", ""))
    return sorted(found, key=lambda match: match.start)


def _qualifies_subject(text: str, match: _Match, following: _Match) -> bool:
    """`13个集群主营业务收入达8万亿元`: the count names the subject of the amount after it."""
    between = text[match.end : following.start]
    if _STOP.search(between) or re.search(r"、|和|及|与", between):
        return False
    return bool(
        _QUALIFIER_VERB.search(_strip_comparison_words(between)) or between.endswith(_EXCEEDING)
    )


def _strip_comparison_words(text: str) -> str:
    return re.sub(r"(?:分别|均)$", "", text)


@dataclass
class _Context:
    paragraph: str
    masked: str  # the paragraph with 《book titles》 blanked out
    previous: _Match | None
    following: _Match | None
    qualifiers: list[_Match]


def _target(context: _Context, match: _Match, year: int | None) -> ParsedTarget:
    paragraph = context.paragraph
    clause_start, clause_end = _clause(context.masked, match.start, match.end)
    # The subject starts after the clause's previous target (`产品150个、科技小巨人企业100家`).
    start = clause_start
    if context.previous and context.previous.end > clause_start:
        start = context.previous.end
    prefix = context.masked[max(start, match.start - 2) : match.start]
    end = clause_end
    if context.following and context.following.start < end:
        end = context.following.start
    description = _description_after(paragraph[match.end : end])
    items = _list_items(paragraph[start : match.start], match.quantity)
    if not description:
        description = _description_before(paragraph[start : match.start])
        items = _subject_items(paragraph, context.qualifiers, start, match.start) or items
    return ParsedTarget(
        description=description[:255],
        quantity=match.quantity,
        quantity_max=match.quantity_max,
        unit=match.unit,
        comparison=_comparison(match, prefix),
        year=year,
        items=items,
        phrase=paragraph[clause_start:clause_end][:255],
    )


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    before = [m.end() for m in _STOP.finditer(text, 0, start)]
    after = _STOP.search(text, end)
    return (before[-1] if before else 0), (after.start() if after else len(text))


def _description_after(text: str) -> str:
    """The noun phrase after the unit; empty when a separator follows the unit directly."""
    if not text or text[0] in "、和及与":
        return ""
    for _ in range(2):  # `绿色园区和`, `…集群、`
        text = _CONNECTOR.sub("", text).strip()
    return text


def _description_before(text: str) -> str:
    text = text.lstrip("、 ")
    for word in _EXCEEDING + _ABOUT:
        text = text.removesuffix(word)
    text = _TRAILING_VERB.sub("", text)
    return _LEADING_VERB.sub("", text).strip() or text.strip()


def _comparison(match: _Match, prefix: str) -> str:
    if match.quantity_max is not None:
        return "range"
    if match.suffix == "左右" or prefix.endswith(_ABOUT):
        return "about"
    if prefix.endswith(_EXCEEDING):
        return "exceeding"
    return "at_least"


def _subject_items(paragraph: str, qualifiers: list[_Match], start: int, end: int) -> list[str]:
    """Names listed before a qualifying count in the subject (`高端纺织、节能环保3个集群规模`)."""
    for qualifier in qualifiers:
        if start <= qualifier.start < end:
            return _list_items(paragraph[start : qualifier.start], qualifier.quantity)
    return []


def _list_items(text: str, quantity: Decimal) -> list[str]:
    """`重点培育A、B、…、M等` before `13个…` -> [A, B, …, M] when the count matches."""
    text = text.removesuffix("等")
    items = [item.strip() for item in _split_top_level(text, "、")]
    if len(items) < 2 or Decimal(len(items)) != quantity:
        return []
    items[0] = _LEADING_VERB.sub("", items[0]) or items[0]
    return items if all(items) else []


def _split_top_level(text: str, separator: str) -> list[str]:
    """Split on `separator` outside parentheses (`新型电力(新能源、储能)装备` stays whole)."""
    parts, depth, current = [], 0, []
    for ch in text:
        depth += ch == "("
        depth -= ch == ")" and depth > 0
        if ch == separator and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts
