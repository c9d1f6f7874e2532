"""`parse_plan`: the bytes of a plain-text policy document to a ParsedPlan. No database.

decode (decoding.py) -> clean and drop site chrome (normalize.py) -> front matter, numbered
blocks and signatures (outline.py) -> sections, tasks, goals, layout (sections.py) ->
responsibilities (responsibility.py), targets (targets.py), the layout table (layout.py).
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from .decoding import decode_document
from .errors import PlanImportError
from .layout import apply_spatial_layout
from .normalize import DATE_LINE, DOC_NUMBER, TITLE_LINE, CleanDocument, clean_document
from .outline import Outline, build_outline
from .responsibility import find_responsibility_clause, parse_responsibility_clause
from .sections import Structure, interpret
from .targets import extract_targets
from .types import ParsedPlan, ParsedTarget, ParsedTask

PROVINCE = "province"
CITY = "city"
DEFAULT_PROVINCE_COORDINATOR = "省发展改革委"

_PERIOD = re.compile(r"\((\d{4})\s*[-—–~至]\s*(\d{4})年?\)")
_YEAR = re.compile(r"(?<![\d\-])(\d{4})年(?!\d)")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NOTICE_OF = re.compile(r"印发《(?P<title>[^》]+)》")
_CITY_NAME = re.compile(r"^[\u4e00-\u9fff]{1,4}市")


@dataclass
class FrontMatter:
    title: str
    doc_number: str
    issued_on: date | None
    issuers: list[str]


def parse_plan(data: bytes, *, source_name: str = "") -> ParsedPlan:
    """Parse one document; PlanImportError if it is empty, binary, undecodable or has no tasks."""
    text, encoding = decode_document(data)
    document = clean_document(text)
    outline = build_outline(document.lines)
    structure = interpret(outline.blocks)
    if not structure.tasks:
        raise PlanImportError(_("未在文件中识别到任何任务。"))
    front = _front_matter(outline, document, source_name=source_name)
    level = _level(front.issuers)
    period_start, period_end = _period(front, structure)
    _add_responsibilities(structure.tasks)
    apply_spatial_layout(structure.layout_lines, structure.tasks)
    _add_task_targets(structure.tasks, default_year=period_end)
    return ParsedPlan(
        title=front.title,
        text=document.text,
        encoding=encoding,
        level=level,
        doc_number=front.doc_number,
        issued_on=front.issued_on,
        issuer_names=front.issuers,
        coordinator_name=_coordinator(document.metadata, level=level),
        period_start=period_start,
        period_end=period_end,
        sections=structure.sections,
        tasks=structure.tasks,
        targets=_plan_targets(structure, default_year=period_end),
        source_name=source_name,
    )


def _front_matter(outline: Outline, document: CleanDocument, *, source_name: str) -> FrontMatter:
    signature = outline.closing_signature
    if signature is None or not signature.issuers:
        signature = outline.front_signature or signature
    issued_on = _date(signature.date_line) if signature else None
    if issued_on is None:
        meta_date = document.metadata.get("发文日期") or document.metadata.get("成文日期", "")
        match = _ISO_DATE.search(meta_date)
        issued_on = date(*map(int, match.groups())) if match else None
    return FrontMatter(
        title=_title(outline.front, document.metadata, source_name=source_name),
        doc_number=_doc_number(outline.front, document.metadata),
        issued_on=issued_on,
        issuers=signature.issuers if signature else [],
    )


def _title(front: list[str], metadata: dict[str, str], *, source_name: str) -> str:
    """The plan's own title: the last title-like line before the text (after any 印发通知)."""
    candidates = [
        line
        for line in front
        if TITLE_LINE.search(line) and len(line) <= 120 and not DATE_LINE.match(line)
    ]
    title = candidates[-1] if candidates else metadata.get("名称") or metadata.get("标题", "")
    # `关于印发《X》的通知` with no line of its own for X: the plan is X.
    if (match := _NOTICE_OF.search(title)) and not any(match["title"] == c for c in candidates):
        title = match["title"]
    return title or (front[0][:120] if front else source_name)


def _doc_number(front: list[str], metadata: dict[str, str]) -> str:
    """A line holding nothing but a 文号 (`苏发改高技发〔2024〕229号`, `(苏政发〔2018〕86号)`)."""
    for line in front:
        match = DOC_NUMBER.search(line)
        if match and len(line.strip("()")) == len(match.group()):
            return _canonical_doc_number(match.group())
    for label in ("文号", "发文字号"):
        if match := DOC_NUMBER.search(metadata.get(label, "")):
            return _canonical_doc_number(match.group())
    return ""


def _canonical_doc_number(number: str) -> str:
    number = re.sub(r"[\[(【](\d{4})[\])】]", r"〔\1〕", number)
    return re.sub(r"\s+", "", number)


def _date(line: str) -> date | None:
    match = DATE_LINE.match(line)
    return date(*map(int, match.groups())) if match else None


def _level(issuers: list[str]) -> str:
    first = issuers[0] if issuers else ""
    if first.startswith(("江苏省", "省", "中共江苏省")):
        return PROVINCE
    return CITY if _CITY_NAME.match(first) else PROVINCE


def _coordinator(metadata: dict[str, str], *, level: str) -> str | None:
    """Who follows the plan up: the publishing body the site names, else the province's DRC."""
    named = metadata.get("发布机构") or metadata.get("发文机关") or metadata.get("来源")
    if named:
        return named.split(" ")[0]
    return DEFAULT_PROVINCE_COORDINATOR if level == PROVINCE else None


def _period(front: FrontMatter, structure: Structure) -> tuple[int | None, int | None]:
    """`(2024-2026年)` in the title; else from the issue year to the latest goal year."""
    if match := _PERIOD.search(front.title):
        return int(match[1]), int(match[2])
    start = front.issued_on.year if front.issued_on else None
    years = [int(y) for p in structure.goal_paragraphs for y in _YEAR.findall(p)]
    if not years:  # no goal section: the horizons the tasks name (`到2025年`)
        years = [int(y) for t in structure.tasks for y in _YEAR.findall(t.text)]
    years = [year for year in years if start is None or year >= start]
    return start, (max(years) if years else None)


def _add_responsibilities(tasks: list[ParsedTask]) -> None:
    cascade_all = False
    for task in tasks:
        clause_text = find_responsibility_clause(task.text)
        if clause_text is None:
            continue
        clause = parse_responsibility_clause(clause_text)
        task.responsibilities.extend(clause.responsibilities)
        task.cascade_to_cities = clause.cascade
        cascade_all = cascade_all or clause.cascade_all
    if cascade_all:  # `以下均需各设区市相应职能部门落实,不再单独列出`
        for task in tasks:
            task.cascade_to_cities = True


def _add_task_targets(tasks: list[ParsedTask], *, default_year: int | None) -> None:
    for task in tasks:
        for paragraph in task.text.split("\n"):
            targets, _ = extract_targets(paragraph, default_year=default_year)
            task.targets.extend(targets)


def _plan_targets(structure: Structure, *, default_year: int | None) -> list[ParsedTarget]:
    """Goals of the goal sections; a goal's year carries over to the paragraphs after it."""
    targets: list[ParsedTarget] = []
    year: int | None = None
    for paragraph in structure.goal_paragraphs:
        found, year = extract_targets(paragraph, default_year=year)
        targets.extend(found)
    for target in targets:
        target.year = target.year or default_year
        target.items = target.items or _items_of_subsection(target, structure)
    return targets


def _items_of_subsection(target: ParsedTarget, structure: Structure) -> list[str]:
    """`5个具有国际竞争力的…集群` is the subsection `打造5个具有国际竞争力的…集群`: its tasks."""
    phrase = f"{_plain(target.quantity)}{target.unit}{target.description}"
    for section in structure.sections:
        if section.parent_ref is not None and phrase in section.title:
            items = [t.title for t in structure.tasks if t.section_ref == section.ref]
            return items if Decimal(len(items)) == target.quantity else []
    return []


def _plain(number: Decimal) -> str:
    return f"{number.normalize():f}"
