"""A spatial-layout table flattened to one cell per line (seed 001's 四、空间布局).

    前沿新材料                              <- a domain: the title of one of the plan's domain tasks
    苏州工业园区:侧重第三代半导体、纳米材料  <- a place and its focus, for that domain
    吴江区:侧重高性能纤维及复合材料

Each place becomes an implementing responsibility of the domain task, with its focus kept.
Caption and header lines (苏州市未来产业空间布局, 重点领域, 板块主攻方向) match no domain and
are skipped, as is anything before the first domain.
"""

import re

from .sections import DOMAIN
from .types import ParsedResponsibility, ParsedTask

IMPLEMENTING = "implementing"
_ASSIGNMENT = re.compile(
    r"^(?P<place>[^:,。;、]{2,16}):\s*(?:侧重|重点发展|主攻|聚焦)?(?P<focus>.+)$"
)


def apply_spatial_layout(lines: list[str], tasks: list[ParsedTask]) -> None:
    """Add the table's places to the domain tasks they are assigned to."""
    domains = {task.title: task for task in tasks if task.kind == DOMAIN}
    current: ParsedTask | None = None
    for line in lines:
        if (domain := _domain(line, domains)) is not None:
            current = domain
        elif current is not None and (match := _ASSIGNMENT.match(line)):
            _assign(current, place=match["place"].strip(), focus=match["focus"].strip(" 。"))


def _domain(line: str, domains: dict[str, ParsedTask]) -> ParsedTask | None:
    if line in domains:
        return domains[line]
    if len(line) > 20 or re.search(r"[,。;:]", line):
        return None  # prose, or a place's line
    # `前沿新材料产业` against a task titled `前沿新材料`, when only one title fits.
    fits = [task for title, task in domains.items() if title in line or line in title]
    return fits[0] if len(fits) == 1 else None


def _assign(task: ParsedTask, *, place: str, focus: str) -> None:
    for responsibility in task.responsibilities:
        if responsibility.name == place:
            responsibility.focus = "、".join(filter(None, [responsibility.focus, focus]))
            return
    task.responsibilities.append(ParsedResponsibility(name=place, role=IMPLEMENTING, focus=focus))
