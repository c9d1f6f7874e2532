"""Who is responsible for a task, from the parenthesis that closes it.

Forms (on cleaned, NFKC text):
- `(A、B、C等按职责分工负责)`: by convention the first-listed agency leads, the rest support;
- `(A牵头负责,B、C配合)`, `(A牵头,B配合)`: explicit lead and supporting agencies;
- `(牵头单位:A;配合单位:B、C)`, `(责任单位:A、B)`: labelled lists (the first 责任单位 leads);
- `(A会同B负责)`: A leads, B supports;
- prefix elision: `省发展改革委、交通运输厅` names 省交通运输厅;
- `各设区市相应职能部门` / `各设区市人民政府`: the 13 cities implement the task (cascade), and
  `以下均需…落实,不再单独列出` extends that to every task of the plan.
A task whose text names no agency gets none: the lead is left to be assigned, never guessed.
"""

import re
from dataclasses import dataclass, field

from .types import ParsedResponsibility

LEAD = "lead"
SUPPORTING = "supporting"

# A parenthesis is about responsibility only if it says so.
_KEYWORDS = re.compile(r"负责|牵头|配合|协办|主办|责任单位|参与单位")
_CASCADE_NAME = re.compile(r"^各(?:设区市|市|县|县\(市、区\)|地)")
_CASCADE_ALL = re.compile(r"以下均需|不再单独列出|以下均由|以下各项")
_LABEL = r"(?:牵头单位|主办单位|责任单位|配合单位|协办单位|参与单位)"
_LABELLED = re.compile(rf"(?P<label>{_LABEL})\s*:\s*(?P<names>.+?)(?=[,;。]?\s*{_LABEL}\s*:|$)")
_MARKED_LEAD = "(牵头)"
_LEAD_LABELS = {"牵头单位", "主办单位", "责任单位"}
_EXPLICIT_LEAD = re.compile(r"^(?P<leads>.+?)牵头(?:负责|实施|推进)?(?:[,;、]\s*(?P<support>.+))?$")
_SUPPORT_SUFFIX = re.compile(r"(?:等)?(?:配合|协助|参与|协同)(?:负责|实施)?$")
_TOGETHER = re.compile(r"^(?P<lead>[^,;、]+?)会同(?P<support>.+?)(?:等)?(?:按职责分工)?负责$")
_DUTY_SUFFIX = re.compile(
    r"(?:等)?(?:按照?(?:各自)?职责分工|按职责|按职能分工|分工)?"
    r"(?:负责|落实|实施)(?:落实|实施)?$"
)
_SEPARATORS = re.compile(r"[、,;]")
# Bodies that cannot be told apart from the text: left out, never guessed.
_VAGUE = re.compile(r"^(?:各|其他)?(?:有关|相关)(?:部门|单位)$|^各成员单位$")
# A name that carries its own level (省…, …市…, 江苏…, central bodies) starts a new prefix;
# one that does not (`交通运输厅`, `市场监管局`) inherits the previous name's.
_HAS_LEVEL = re.compile(r"省|市(?!场)|县|区|江苏|国家|中国|中共|人民银行")
_PREFIX = re.compile(r"^(?:江苏省|省|[\u4e00-\u9fff]{2,4}?市(?!场)|市|县|区)")


@dataclass
class ResponsibilityClause:
    """What one responsibility parenthesis says."""

    text: str
    responsibilities: list[ParsedResponsibility] = field(default_factory=list)
    cascade: bool = False  # the districted cities implement this task
    cascade_all: bool = False  # … and every task of the plan (`以下均需…不再单独列出`)


def find_responsibility_clause(text: str) -> str | None:
    """The parenthesis at the end of a task's text that names who is responsible, if any."""
    stripped = text.rstrip(" 。.;")
    if not stripped.endswith(")"):
        return None
    depth = 0
    for index in range(len(stripped) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(stripped[index], 0)
        if depth == 0:
            inner = stripped[index + 1 : -1]
            return inner if _KEYWORDS.search(inner) else None
    return None


def parse_responsibility_clause(text: str) -> ResponsibilityClause:
    """Leads and supporting agencies of one parenthesis (its inner text), in the order written."""
    clause = ResponsibilityClause(text=text)
    segments = [s.strip() for s in re.split(r"[,;]", text) if s.strip()]
    if any(_CASCADE_ALL.search(segment) for segment in segments):
        clause.cascade = clause.cascade_all = True
        text = ",".join(s for s in segments if not _CASCADE_ALL.search(s))
    named = _named(text)  # (name, may lead) in the order written
    kept = [(name, leads) for name, leads in named if not _CASCADE_NAME.match(name)]
    clause.cascade = clause.cascade or len(kept) < len(named)
    names = undo_prefix_elision([name for name, _ in kept])
    clause.responsibilities = _roles(
        [(n, leads) for n, (_, leads) in zip(names, kept, strict=True)]
    )
    return clause


def _named(body: str) -> list[tuple[str, bool]]:
    """Every name of the parenthesis with whether it is (one of) the lead(s) named."""
    if _MARKED_LEAD in body:  # `(省财政厅、省科技厅(牵头)、省教育厅)`
        names = _split(_DUTY_SUFFIX.sub("", body.replace(_MARKED_LEAD, "#")))
        return [(name.rstrip("#"), name.endswith("#")) for name in names]
    if _LABELLED.search(body):
        return [
            (name, match["label"] in _LEAD_LABELS)
            for match in _LABELLED.finditer(body)
            for name in _split(match["names"].strip(" ,"))
        ]
    if (match := _TOGETHER.match(body)) is not None:
        return [(match["lead"], True)] + [(n, False) for n in _split(match["support"])]
    if (match := _EXPLICIT_LEAD.match(body)) is not None:
        support = _SUPPORT_SUFFIX.sub("", match["support"] or "")
        return [(n, True) for n in _split(match["leads"])] + [(n, False) for n in _split(support)]
    # `(A、B、C等按职责分工负责)`: by convention the first-listed agency leads.
    names = _split(_DUTY_SUFFIX.sub("", body))
    return [(name, index == 0) for index, name in enumerate(names)]


def undo_prefix_elision(names: list[str]) -> list[str]:
    """`[省发展改革委, 交通运输厅, 水利厅]` -> `[省发展改革委, 省交通运输厅, 省水利厅]`."""
    prefix = ""
    result: list[str] = []
    for name in names:
        if _HAS_LEVEL.search(name):
            match = _PREFIX.match(name)
            prefix = match.group(0) if match else ""
        elif prefix:
            name = prefix + name
        result.append(name)
    return result


def _split(text: str) -> list[str]:
    names = []
    for part in _SEPARATORS.split(text):
        name = _DUTY_SUFFIX.sub("", part.strip()).removesuffix("等").strip()
        name = _SUPPORT_SUFFIX.sub("", name).strip()
        if name and not _VAGUE.match(name):
            names.append(name)
    return names


def _roles(named: list[tuple[str, bool]]) -> list[ParsedResponsibility]:
    """One lead (the first named as such), then everyone else as written. Each name once."""
    lead = next((name for name, leads in named if leads), None)
    result = [ParsedResponsibility(name=lead, role=LEAD)] if lead else []
    seen = {lead}
    for name, _ in named:
        if name not in seen:
            seen.add(name)
            result.append(ParsedResponsibility(name=name, role=SUPPORTING))
    return result
