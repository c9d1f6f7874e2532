"""Attachments are checked by content: real (tiny) files of each allowed type pass, anything whose
bytes disagree with its name, or whose type is not allowed, is refused with a Chinese message."""

import io
import re
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tasks_app.attachments import attachment_validate, original_name, stored_name
from tasks_app.errors import InvalidInput

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\0" * 48
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1×1, 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def _package(*parts: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for part in parts:
            package.writestr(part, "<?xml version='1.0'?><x/>")
    return buffer.getvalue()


DOCX = _package("[Content_Types].xml", "_rels/.rels", "word/document.xml")
XLSX = _package("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml")
DOC = OLE + "WordDocument".encode("utf-16-le") + b"\0" * 64
XLS = OLE + "Workbook".encode("utf-16-le") + b"\0" * 64


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    # The client's Content-Type is a lie on purpose: it must play no part.
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("进展.pdf", PDF, "application/pdf"),
        ("现场照片.PNG", _png(), "image/png"),
        ("照片.jpg", JPEG, "image/jpeg"),
        ("照片.jpeg", JPEG, "image/jpeg"),
        ("动图.gif", GIF, "image/gif"),
        (
            "汇总.docx",
            DOCX,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("台账.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("旧版.doc", DOC, "application/msword"),
        ("旧版.xls", XLS, "application/vnd.ms-excel"),
    ],
)
def test_allowed_types_are_accepted_by_content(name, content, expected):
    upload = _upload(name, content)

    assert attachment_validate(upload) == expected
    assert upload.tell() == 0  # ready to be stored


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("伪装.pdf", _png(), "附件“伪装.pdf”不是有效的PDF文件。"),
        ("截断.pdf", PDF.replace(b"%%EOF", b""), "附件“截断.pdf”不是有效的PDF文件。"),
        ("程序.pdf", EXE, "附件“程序.pdf”不是有效的PDF文件。"),
        ("网页.docx", HTML, "附件“网页.docx”不是有效的Word文件。"),
        ("表格.docx", XLSX, "附件“表格.docx”不是有效的Word文件。"),
        ("文档.xlsx", DOCX, "附件“文档.xlsx”不是有效的Excel文件。"),
        ("照片.png", JPEG, "附件“照片.png”不是有效的PNG图片文件。"),
        ("压缩包.docx", _package("word/document.xml"), "附件“压缩包.docx”不是有效的Word文件。"),
        (
            "宏.docx",
            _package("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"),
            "附件“宏.docx”不是有效的Word文件。",
        ),
        ("其他.doc", OLE, "附件“其他.doc”不是有效的Word文件。"),
        ("表格.doc", XLS, "附件“表格.doc”不是有效的Word文件。"),
        ("坏.docx", b"PK\x03\x04" + b"\0" * 40, "附件“坏.docx”不是有效的Word文件。"),
    ],
)
def test_content_that_disagrees_with_the_name_is_refused(name, content, message):
    with pytest.raises(InvalidInput) as refused:
        attachment_validate(_upload(name, content))

    assert str(refused.value.message) == message
    assert refused.value.field_errors == {"attachments": [message]}


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.exe", EXE),
        ("通知.html", HTML),
        ("无扩展名", PDF),
        ("脚本.pdf.js", b"alert(1)"),
        ("图片.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 "),
    ],
)
def test_types_not_allowed_are_refused(name, content):
    with pytest.raises(InvalidInput) as refused:
        attachment_validate(_upload(name, content))

    assert str(refused.value.message) == (
        f"不支持的附件类型：“{name}”。仅支持 PDF、图片（PNG、JPEG、GIF）、Word、Excel 文件。"
    )


def test_empty_file_is_refused():
    with pytest.raises(InvalidInput) as refused:
        attachment_validate(_upload("空.pdf", b""))

    assert str(refused.value.message) == "附件“空.pdf”是空文件。"


def test_oversize_file_is_refused_before_reading_it(settings):
    settings.DUBAN_ATTACHMENT_MAX_BYTES = 1024

    with pytest.raises(InvalidInput) as refused:
        attachment_validate(_upload("大.pdf", PDF + b"\n" * 1024))

    assert str(refused.value.message) == "附件“大.pdf”超过1 KB上限。"


def test_file_of_exactly_the_limit_is_accepted(settings):
    settings.DUBAN_ATTACHMENT_MAX_BYTES = len(PDF)

    assert attachment_validate(_upload("刚好.pdf", PDF)) == "application/pdf"


def test_default_limit_is_20_mb():
    oversize = PDF + b" " * (20 * 1024 * 1024)

    with pytest.raises(InvalidInput) as refused:
        attachment_validate(_upload("超大.pdf", oversize))

    assert str(refused.value.message) == "附件“超大.pdf”超过20 MB上限。"


@pytest.mark.parametrize(
    ("content_type", "extension"),
    [("application/pdf", ".pdf"), ("image/jpeg", ".jpg"), ("application/msword", ".doc")],
)
def test_stored_names_are_random_and_carry_the_detected_extension(content_type, extension):
    first, second = stored_name(content_type), stored_name(content_type)

    assert re.fullmatch(r"[0-9a-f]{32}" + re.escape(extension), first)
    assert first != second


@pytest.mark.parametrize(
    ("client_name", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\张三\\报告.pdf", "报告.pdf"),
        ("报\x00告\n.pdf", "报告.pdf"),
        ("", "未命名附件"),
    ],
)
def test_original_name_is_reduced_to_a_safe_display_name(client_name, shown):
    upload = io.BytesIO(PDF)
    upload.name = client_name

    assert original_name(upload) == shown
