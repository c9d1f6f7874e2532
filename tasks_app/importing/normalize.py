"""Cleaning a decoded document: one canonical form of the text, without the website around it.

Everything after this module sees NFKC text (half-width punctuation and digits, `1﹒` and `1．`
as `1.`), one paragraph per line, single spaces, no noise markers and no site chrome. Metadata
found in the chrome (文号, 发文日期, 发布机构, 来源) is read before the chrome is dropped.
"""

import re
import unicodedata
from dataclasses import dataclass, field

# Noise that exports insert between words (seed 002 is seed 000 with `@@` scattered through it).
_NOISE = re.compile(r"@{2,}|[\u200b-\u200f\u2060\ufeff]")
_SPACE = re.compile(r"\s+")

# Labels of the metadata tables government sites print above a document, with or without the
# spaces sites put between the characters (`索 引 号`).
_META_LABELS = (
    "索引号",
    "分类",
    "发布机构",
    "发文机关",
    "成文日期",
    "发文日期",
    "发布日期",
    "发布时间",
    "名称",
    "标题",
    "主题词",
    "主题",
    "文号",
    "发文字号",
    "内容概述",
    "时效",
    "来源",
    "浏览量",
    "字体",
)
_META_KEY = re.compile("(" + "|".join(r"\s*".join(label) for label in _META_LABELS) + r")\s*:")
# Lines that belong to the website, never to a policy text.
_CHROME = re.compile(
    r"https?://|www\.|^【[^】]*】|您现在的位置|当前位置|首页\s*>|无障碍|适老版|网站地图|"
    r"联系我们|ICP备|公网安备|网站标识码|^主办单位|^承办单位|版权所有|相关政策解读|"
    r"^(?:Baidu|map|打印|关闭|分享到)$|^(?:党政机关\s*)+$|^\[?(?:打印本页|关闭窗口)\]?$"
)
DATE_LINE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[(【](\d{4})[〕\])】]\s*\d+\s*号")
TITLE_LINE = re.compile(
    r"(?:方案|意见|规划|通知|办法|计划|纲要|决定|措施|细则|要点|指南|若干规定)"
    r"(?:\s*\([^()]*\))?$"
)
TOP_HEADING = re.compile(r"^(?P<num>[一二三四五六七八九十]{1,3})?、(?P<rest>.+)$")


@dataclass
class CleanDocument:
    """The document's own lines (front matter, body, signature) and the metadata around it."""

    lines: list[str]
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def clean_text(text: str) -> list[str]:
    """NFKC lines without noise markers, with single spaces and no empty lines."""
    text = unicodedata.normalize("NFKC", _NOISE.sub("", text))
    lines = (_SPACE.sub(" ", line).strip() for line in text.splitlines())
    return [line for line in lines if line]


def clean_document(text: str) -> CleanDocument:
    """The document without site chrome, with the metadata the chrome carried."""
    metadata: dict[str, str] = {}
    kept: list[str] = []
    for line in clean_text(text):
        if _is_metadata_line(line):
            metadata.update(metadata_pairs(line))
        elif not _CHROME.search(line):
            kept.append(line)
    lines = _drop_leading_chrome(kept)
    return CleanDocument(lines=_drop_trailing_chrome(lines), metadata=metadata)


def metadata_pairs(line: str) -> dict[str, str]:
    """{label: value} of a line such as `- 发布机构: 江苏省发展改革委 发文日期: 2024-02-27`."""
    line = line.removeprefix("-").strip()
    matches = list(_META_KEY.finditer(line))
    pairs: dict[str, str] = {}
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        end = following.start() if following else len(line)
        value = line[match.end() : end].strip()
        if value:
            pairs[_SPACE.sub("", match.group(1))] = value
    return pairs


def _is_metadata_line(line: str) -> bool:
    # Site tables put a label at the very start of the line (`- 文 号: …`, `来源: …`).
    return _META_KEY.match(line.removeprefix("-").strip()) is not None


def starts_document(line: str) -> bool:
    """Whether a line can be the first line of the document itself (not of the website)."""
    return bool(
        TITLE_LINE.search(line)
        or line.endswith(":")
        or DOC_NUMBER.search(line)
        or TOP_HEADING.match(line)
    )


def _drop_leading_chrome(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        if TOP_HEADING.match(line):
            # No title, addressee or 文号 before the text: keep what precedes it (an unusual
            # title, a preamble) rather than guess it is chrome.
            return lines
        if starts_document(line):
            return lines[index:]
    return lines


def _drop_trailing_chrome(lines: list[str]) -> list[str]:
    """Cut whatever follows the closing signature date (links, site footers)."""
    dates = [i for i, line in enumerate(lines) if DATE_LINE.match(line)]
    if not dates:
        return lines
    last = dates[-1]
    # A date followed by headings is the signature of a covering notice, not the end.
    if any(TOP_HEADING.match(line) for line in lines[last + 1 :]):
        return lines
    return lines[: last + 1]
