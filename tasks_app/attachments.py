"""Evidence attachments: size limit, type checked by content, safe stored names.

The type is decided by the bytes (puremagic for the signature, plus a structural check where
the signature is shared: DOCX/XLSX are ZIP packages, DOC/XLS are OLE compound files), never by
the client's file name or Content-Type. The name's extension must then agree with the content,
so that a PNG called "x.pdf" or a program called "x.docx" is refused.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from typing import IO

import puremagic
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import InvalidInput

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_SIGNATURE = b"PK\x03\x04"
_HEAD_BYTES = 8192
_PDF_EOF_WINDOW = 1024  # readers accept %%EOF within the last 1024 bytes


@dataclass(frozen=True)
class Kind:
    label: str  # as in "不是有效的…文件"
    content_type: str
    extensions: tuple[str, ...]  # the first is used for the stored name


PDF = Kind("PDF", "application/pdf", (".pdf",))
PNG = Kind(gettext_lazy("PNG图片"), "image/png", (".png",))
JPEG = Kind(gettext_lazy("JPEG图片"), "image/jpeg", (".jpg", ".jpeg"))
GIF = Kind(gettext_lazy("GIF图片"), "image/gif", (".gif",))
DOC = Kind("Word", "application/msword", (".doc",))
XLS = Kind("Excel", "application/vnd.ms-excel", (".xls",))
DOCX = Kind(
    "Word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
)
XLSX = Kind(
    "Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)
)
KINDS = (PDF, PNG, JPEG, GIF, DOC, XLS, DOCX, XLSX)
_KIND_BY_EXTENSION = {ext: kind for kind in KINDS for ext in kind.extensions}
_KIND_BY_CONTENT_TYPE = {kind.content_type: kind for kind in KINDS}
# Kinds that puremagic's signature alone identifies (PDF also needs its trailer).
_SIGNATURE_KINDS = {kind.content_type: kind for kind in (PDF, PNG, JPEG, GIF)}


def attachment_validate(uploaded_file: IO[bytes]) -> str:
    """The content type of an acceptable attachment, or InvalidInput with a message in Chinese.

    Reads the file (and leaves it positioned at the start); writes nothing."""
    name = original_name(uploaded_file)
    size = attachment_size(uploaded_file)
    if size > settings.DUBAN_ATTACHMENT_MAX_BYTES:
        _refuse(
            _("附件“%(name)s”超过%(limit)s上限。")
            % {"name": name, "limit": _human_size(settings.DUBAN_ATTACHMENT_MAX_BYTES)}
        )
    if size == 0:
        _refuse(_("附件“%(name)s”是空文件。") % {"name": name})
    expected = _KIND_BY_EXTENSION.get(_extension(name))
    if expected is None:
        _refuse(
            _(
                "不支持的附件类型：“%(name)s”。仅支持 PDF、图片（PNG、JPEG、GIF）、Word、Excel 文件。"
            )
            % {"name": name}
        )
    try:
        detected = _detect(uploaded_file, expected=expected)
    finally:
        uploaded_file.seek(0)
    if detected is not expected:
        _refuse(
            _("附件“%(name)s”不是有效的%(kind)s文件。") % {"name": name, "kind": expected.label}
        )
    return detected.content_type


def stored_name(content_type: str) -> str:
    """A random file name with the extension of the (validated) content type. The client's name
    never reaches the file system: it may contain path separators, control characters or names
    that collide."""
    return f"{uuid.uuid4().hex}{_KIND_BY_CONTENT_TYPE[content_type].extensions[0]}"


def original_name(uploaded_file: IO[bytes]) -> str:
    """The client's file name, reduced to something safe to show: last path component, no
    control characters, at most 255 characters."""
    raw = str(getattr(uploaded_file, "name", "") or "")
    base = re.split(r"[\\/]", raw)[-1]
    cleaned = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return cleaned[-255:] or _("未命名附件")


def _refuse(message: str) -> None:
    raise InvalidInput(message, field_errors={"attachments": [message]})


def attachment_size(uploaded_file: IO[bytes]) -> int:
    """The file's size in bytes (from the upload, else by seeking to its end)."""
    size = getattr(uploaded_file, "size", None)
    if size is not None:
        return size
    uploaded_file.seek(0, 2)
    size = uploaded_file.tell()
    uploaded_file.seek(0)
    return size


def _extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def _human_size(limit: int) -> str:
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if limit >= factor and limit % factor == 0:
            return f"{limit // factor} {unit}"
    return _("%(count)s 字节") % {"count": limit}


def _detect(uploaded_file: IO[bytes], *, expected: Kind) -> Kind | None:
    """The kind the content really is (None: none we accept)."""
    uploaded_file.seek(0)
    head = uploaded_file.read(_HEAD_BYTES)
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        return None
    signatures = {bytes(match.byte_match) for match in matches}
    if any(sig.startswith(_ZIP_SIGNATURE) for sig in signatures):
        return _office_open_xml_kind(uploaded_file)
    if any(sig.startswith(_OLE_SIGNATURE) for sig in signatures):
        return _ole_kind(uploaded_file, expected=expected)
    kinds = {_SIGNATURE_KINDS.get(match.mime_type) for match in matches} - {None}
    if len(kinds) != 1:
        return None
    kind = kinds.pop()
    if kind is PDF and not _pdf_has_trailer(uploaded_file):
        return None
    return kind


def _office_open_xml_kind(uploaded_file: IO[bytes]) -> Kind | None:
    """DOCX or XLSX by the package's parts. Macro-enabled packages (vbaProject.bin) are refused."""
    uploaded_file.seek(0)
    try:
        with zipfile.ZipFile(uploaded_file) as package:
            names = package.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names or any(n.endswith("vbaProject.bin") for n in names):
        return None
    has_word = any(n.startswith("word/") for n in names)
    has_excel = any(n.startswith("xl/") for n in names)
    if has_word == has_excel:
        return None
    return DOCX if has_word else XLSX


def _ole_kind(uploaded_file: IO[bytes], *, expected: Kind) -> Kind | None:
    """DOC or XLS: an OLE compound file holding a WordDocument or a Workbook/Book stream.

    The stream names sit in the directory sectors (UTF-16LE), which may be anywhere in the file;
    the size limit bounds the read."""
    uploaded_file.seek(0)
    data = uploaded_file.read()
    if not data.startswith(_OLE_SIGNATURE):
        return None
    streams = {
        DOC: ("WordDocument",),
        XLS: ("Workbook", "Book"),
    }
    for kind in (expected, *streams):
        names = streams.get(kind, ())
        if any(name.encode("utf-16-le") in data for name in names):
            return kind
    return None


def _pdf_has_trailer(uploaded_file: IO[bytes]) -> bool:
    uploaded_file.seek(0, 2)
    end = uploaded_file.tell()
    uploaded_file.seek(max(0, end - _PDF_EOF_WINDOW))
    return b"%%EOF" in uploaded_file.read()
