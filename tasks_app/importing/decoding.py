"""Bytes to text: a BOM, then strict UTF-8, then the Chinese legacy encodings, detected."""

import codecs
import unicodedata

import charset_normalizer
from django.utils.translation import gettext as _

from .errors import PlanImportError

# Government files are UTF-8 or GB18030/GBK (mainland), occasionally Big5 (Taiwan, Hong Kong).
# Restricting detection to these keeps it fast and stops it from "finding" a Cyrillic code page.
LEGACY_ENCODINGS = ("gb18030", "gbk", "big5")

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Share of control characters above which a file is taken for binary data.
_MAX_CONTROL_SHARE = 0.05
_TEXT_CONTROLS = {"\n", "\r", "\t", "\f", "\v"}


def decode_document(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of a plain-text document; PlanImportError if it is not one."""
    if not data.strip():
        raise PlanImportError(_("文件为空。"))
    text, encoding = _decode_bom(data) or _decode_plain(data)
    if not text.strip():
        raise PlanImportError(_("文件为空。"))
    if _looks_binary(text):
        raise PlanImportError(_("文件不是文本文件（疑似二进制文件）。"))
    return text, encoding


def _decode_bom(data: bytes) -> tuple[str, str] | None:
    # UTF-32 LE's BOM starts with UTF-16 LE's, hence the order of _BOMS.
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                raise PlanImportError(_("无法识别文件编码：文件头标明的编码与内容不符。")) from None
    return None


def _decode_plain(data: bytes) -> tuple[str, str]:
    # NUL bytes never occur in UTF-8 or GB/Big5 text; they mark binary files (or BOM-less UTF-16).
    if b"\x00" in data or _control_byte_share(data) > _MAX_CONTROL_SHARE:
        raise PlanImportError(_("文件不是文本文件（疑似二进制文件）。"))
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    match = charset_normalizer.from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)).best()
    if match is None:
        raise PlanImportError(
            _("无法识别文件编码：请将文件另存为 UTF-8 或 GB18030 编码的纯文本后重试。")
        )
    return str(match), match.encoding


def _looks_binary(text: str) -> bool:
    return _control_share(text) > _MAX_CONTROL_SHARE


def _control_byte_share(data: bytes) -> float:
    # Only C0 controls: bytes 0x80-0xFF are ordinary lead/trail bytes in GB18030 and Big5.
    sample = data[:20000]
    controls = sum(
        1 for byte in sample if (byte < 0x20 and byte not in b"\t\n\r\f\v") or byte == 0x7F
    )
    return controls / max(len(sample), 1)


def _control_share(text: str) -> float:
    sample = text[:20000]
    controls = sum(
        1 for ch in sample if ch not in _TEXT_CONTROLS and unicodedata.category(ch) == "Cc"
    )
    return controls / max(len(sample), 1)
