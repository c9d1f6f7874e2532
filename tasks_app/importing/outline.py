"""The shape of a cleaned document: front matter, numbered blocks, closing signature.

Nothing here knows what a block means (task, goal, table); parser.py decides that. Numbering
understood: `一、` (also `、` with the numeral lost in scraping: it is inferred from the
previous one), `(一)`, `1.` / `1、` / `(1)`.
"""

import re
from dataclasses import dataclass, field

from .normalize import DATE_LINE, TOP_HEADING

_SUB_HEADING = re.compile(r"^\((?P<num>[一二三四五六七八九十]{1,3})\)\s*(?P<rest>.*)$")
_ITEM = re.compile(r"^(?:(?P<num>\d{1,2})(?:\.(?!\d)|、)|\((?P<pnum>\d{1,2})\))\s*(?P<rest>.+)$")
_DIGITS = "一二三四五六七八九"
# A signature line names bodies only: `江苏省发展改革委 江苏省工业和信息化厅`.
_SIGNATORY = re.compile(
    r"^[\u4e00-\u9fff()]{3,40}(?:人民政府|政府|办公厅|办公室|委员会|厅|委|局|办|院|会|行|集团|"
    r"公司|中心|部|署)$"
)


@dataclass
class Block:
    """A numbered heading, the paragraphs after it and the blocks numbered under it."""

    level: str  # "top" (一、), "sub" ((一)), "item" (1.)
    number: str  # the numeral as written (inferred for a lost top-level numeral)
    head: str  # the heading line without its number
    paragraphs: list[str] = field(default_factory=list)
    children: list["Block"] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The heading up to its first full stop (`产业跨界深度融合计划。加快…` -> the first part)."""
        return first_sentence(self.head)

    @property
    def head_has_body(self) -> bool:
        """Whether the heading line carries text beyond its title (`(一)标题。正文…`)."""
        return bool(self.head.partition("。")[2].strip())


@dataclass
class Signature:
    issuers: list[str]  # may be empty: a bare date closing the text
    date_line: str
    lines: int  # how many lines it takes, the date included


@dataclass
class Outline:
    front: list[str]  # before the first top-level heading: title, 文号, notice, preamble
    blocks: list[Block]
    front_signature: Signature | None = None  # of a covering notice (印发通知)
    closing_signature: Signature | None = None  # after the body


def first_sentence(text: str) -> str:
    return text.partition("。")[0].strip()


def chinese_numeral(value: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十 (headings rarely go past 二十)."""
    tens, ones = divmod(value, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens - 1] + "十")
    return head + (_DIGITS[ones - 1] if ones else "")


def chinese_value(numeral: str) -> int:
    """一 -> 1, 十二 -> 12, 二十三 -> 23."""
    if "十" not in numeral:
        return _DIGITS.index(numeral) + 1
    tens, _, ones = numeral.partition("十")
    return (_DIGITS.index(tens) + 1 if tens else 1) * 10 + (_DIGITS.index(ones) + 1 if ones else 0)


def build_outline(lines: list[str]) -> Outline:
    """Split cleaned lines into front matter, numbered blocks and signatures."""
    start = next((i for i, line in enumerate(lines) if TOP_HEADING.match(line)), None)
    if start is None:
        start = next((i for i, line in enumerate(lines) if _ITEM.match(line)), len(lines))
    front, body = lines[:start], lines[start:]
    closing = _closing_signature(body)
    if closing:
        body = body[: len(body) - closing.lines]
    return Outline(
        front=front,
        blocks=_blocks(body),
        front_signature=_signature_before(front, _last_date_index(front)),
        closing_signature=closing,
    )


def _blocks(body: list[str]) -> list[Block]:
    blocks: list[Block] = []
    top: Block | None = None
    sub: Block | None = None
    innermost: Block | None = None
    for line in body:
        if match := TOP_HEADING.match(line):
            top = Block("top", match["num"] or _next_numeral(blocks), match["rest"].strip())
            blocks.append(top)
            sub = innermost = top
            continue
        if top is None:  # numbered items without top-level headings
            top = Block("top", "", "")
            blocks.append(top)
            sub = innermost = top
        if match := _SUB_HEADING.match(line):
            sub = innermost = Block("sub", f"({match['num']})", match["rest"].strip())
            top.children.append(sub)
        elif match := _ITEM.match(line):
            innermost = Block("item", match["num"] or match["pnum"], match["rest"].strip())
            sub.children.append(innermost)
        else:
            innermost.paragraphs.append(line)
    return blocks


def _next_numeral(blocks: list[Block]) -> str:
    """The numeral a scraped `、重点领域` lost: one more than the previous heading's."""
    numbered = [b for b in blocks if b.number]
    return chinese_numeral(chinese_value(numbered[-1].number) + 1 if numbered else 1)


def _last_date_index(lines: list[str]) -> int | None:
    dates = [i for i, line in enumerate(lines) if DATE_LINE.match(line)]
    return dates[-1] if dates else None


def _signature_before(lines: list[str], date_index: int | None) -> Signature | None:
    """The signatories on the lines just above a date line."""
    if date_index is None:
        return None
    first = date_index
    while first > 0 and _is_signature_line(lines[first - 1]):
        first -= 1
    issuers = [name for line in lines[first:date_index] for name in line.split(" ")]
    return Signature(issuers=issuers, date_line=lines[date_index], lines=date_index - first + 1)


def _closing_signature(body: list[str]) -> Signature | None:
    if not body or not DATE_LINE.match(body[-1]):
        return None
    return _signature_before(body, len(body) - 1)


def _is_signature_line(line: str) -> bool:
    return all(_SIGNATORY.match(part) for part in line.split(" "))
