"""What the numbered blocks of a plan are: sections, tasks and sub-measures, goals, a layout table.

A top-level section's title says what it holds: 行动/任务/发展重点/重点领域/实施路径/保障措施/
推进机制 hold tasks; 总体要求/发展目标 hold the plan's goals (plan-level targets); 发展基础/
指导思想/基本原则 hold neither; 空间布局 is a table assigning domains to districts.

Inside a task section, a `(一)` heading is a subsection when numbered items `1.` follow it (the
three tiers of seed 000's 51010 clusters), otherwise it is a task; a task whose heading line has
its own text may be followed by unnumbered paragraphs that open with a short title sentence
(`建设高水平新型企业创新载体。…`): those are its sub-measures.
"""

import re
from dataclasses import dataclass, field

from .outline import Block, first_sentence
from .types import ParsedSection, ParsedTask

ACTION, DOMAIN, MEASURE, SAFEGUARD, MECHANISM = (
    "action",
    "domain",
    "measure",
    "safeguard",
    "mechanism",
)
_GOAL = re.compile(r"总体要求|发展目标|主要目标|总体目标")
_LAYOUT = re.compile(r"空间布局|区域布局|产业布局")
_BACKGROUND = re.compile(r"发展基础|发展现状|现状|形势|指导思想|基本原则|总体思路|重要意义|背景")
_TASK_KINDS = (
    (re.compile(r"保障"), SAFEGUARD),
    (re.compile(r"机制"), MECHANISM),
    (re.compile(r"重点领域|发展重点|重点产业|重点方向|产业集群"), DOMAIN),
    (re.compile(r"行动|任务|实施路径|举措|重点工作|措施|工程|路径"), ACTION),
)
# A sub-measure opens with a short title sentence and no comma before its first full stop.
_MEASURE_START = re.compile(r"^[^。,;:!?]{2,30}。")
_TITLE_LENGTH = 120


@dataclass
class Structure:
    sections: list[ParsedSection] = field(default_factory=list)
    tasks: list[ParsedTask] = field(default_factory=list)
    goal_paragraphs: list[str] = field(default_factory=list)  # in document order
    layout_lines: list[str] = field(default_factory=list)
    _used: dict[str, set[str]] = field(default_factory=lambda: {"section": set(), "task": set()})

    def claim(self, ref: str, *, kind: str) -> str:
        """`ref`, or `ref~2`, `ref~3`… when a careless document repeats a number."""
        used = self._used[kind]
        unique, count = ref, 1
        while unique in used:
            count += 1
            unique = f"{ref}~{count}"
        used.add(unique)
        return unique


def interpret(blocks: list[Block]) -> Structure:
    """Sections, tasks, goal paragraphs and layout lines of a document's top-level blocks."""
    structure = Structure()
    for block in blocks:
        ref = structure.claim(block.number, kind="section") if block.number else ""
        if block.number or block.head:
            structure.sections.append(
                ParsedSection(ref=ref, number=block.number, title=block.title)
            )
        role = section_role(block)
        if role == "goal":
            structure.goal_paragraphs.extend(_paragraphs(block))
        elif role == "layout":
            structure.layout_lines.extend(_paragraphs(block))
        elif role != "background":
            _add_tasks(structure, block, ref=ref, kind=role)
    return structure


def section_role(block: Block) -> str:
    """The section's role: goal, layout, background, or the kind of task it holds."""
    title = block.title
    if _GOAL.search(title):
        return "goal"
    if _LAYOUT.search(title):
        return "layout"
    if _BACKGROUND.search(title):
        return "background"
    for pattern, kind in _TASK_KINDS:
        if pattern.search(title):
            return kind
    return ACTION if block.children else "background"


def _add_tasks(structure: Structure, block: Block, *, ref: str, kind: str) -> None:
    section_ref = ref or None
    for child in block.children:
        child_ref = _ref(ref, child.number)
        if child.level == "sub" and child.children:
            sub_ref = structure.claim(child_ref, kind="section")
            structure.sections.append(
                ParsedSection(
                    ref=sub_ref, number=child.number, title=child.title, parent_ref=section_ref
                )
            )
            for item in child.children:
                item_ref = structure.claim(_ref(sub_ref, item.number), kind="task")
                structure.tasks.append(_task(item, ref=item_ref, kind=kind, section_ref=sub_ref))
        else:
            task_ref = structure.claim(child_ref, kind="task")
            structure.tasks.extend(
                _task_and_measures(child, ref=task_ref, kind=kind, section_ref=section_ref)
            )


def _task_and_measures(
    block: Block, *, ref: str, kind: str, section_ref: str | None
) -> list[ParsedTask]:
    """A task, and its sub-measures when its own heading line carries a body."""
    if not (block.head_has_body and any(_MEASURE_START.match(p) for p in block.paragraphs)):
        return [_task(block, ref=ref, kind=kind, section_ref=section_ref)]
    task = _task(
        Block(block.level, block.number, block.head), ref=ref, kind=kind, section_ref=section_ref
    )
    tasks = [task]
    for paragraph in block.paragraphs:
        if _MEASURE_START.match(paragraph):
            tasks.append(
                ParsedTask(
                    ref=f"{ref}.{len(tasks)}",
                    number="",
                    title=_title(first_sentence(paragraph)),
                    text=paragraph,
                    kind=MEASURE,
                    section_ref=section_ref,
                    parent_ref=ref,
                )
            )
        else:  # a paragraph continuing the previous measure (or the task itself)
            tasks[-1].text += "\n" + paragraph
    return tasks


def _task(block: Block, *, ref: str, kind: str, section_ref: str | None) -> ParsedTask:
    if block.paragraphs and "。" not in block.head:
        # `1.前沿新材料` / `(一)优势产业“强基行动”` alone on a line: the heading is the title
        # and the paragraphs after it are the text.
        title, text = block.head, "\n".join(block.paragraphs)
    else:
        title, text = block.title, "\n".join([block.head, *block.paragraphs])
    return ParsedTask(
        ref=ref,
        number=block.number,
        title=_title(title),
        text=text,
        kind=kind,
        section_ref=section_ref,
    )


def _paragraphs(block: Block) -> list[str]:
    """Every line of a block in document order: its own paragraphs, then its children's."""
    lines = list(block.paragraphs)
    for child in block.children:
        lines.append(child.head)
        lines.extend(_paragraphs(child))
    return lines


def _ref(*parts: str) -> str:
    return ".".join(part for part in parts if part)


def _title(text: str) -> str:
    text = text.strip().rstrip("。")
    return text if len(text) <= _TITLE_LENGTH else text[: _TITLE_LENGTH - 1] + "…"
