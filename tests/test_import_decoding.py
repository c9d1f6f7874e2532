"""Decoding (UTF-8, GB18030/GBK/Big5, BOM; empty and binary files) and cleaning the text."""

import codecs

import pytest

from tasks_app.importing.decoding import decode_document
from tasks_app.importing.errors import PlanImportError
from tasks_app.importing.normalize import clean_document, clean_text
from tasks_app.importing.parser import parse_plan
from tests.importing.seeds import parsed_seed, seed_bytes, seed_text

BIG5_SAMPLE = (
    "一、重點任務\n1.推動基礎研究強基。堅持戰略導向和自由探索並重，在國家實驗室以及基礎研究"
    "優勢突出的高校，開展設立應用基礎研究特區試點。(省科技廳按職責分工負責)\n"
)


def test_utf8_is_decoded_strictly_first():
    text, encoding = decode_document(seed_bytes("003"))

    assert encoding == "utf-8"
    assert text == seed_text("003")


def test_a_utf8_bom_is_dropped():
    text, encoding = decode_document(codecs.BOM_UTF8 + seed_bytes("004"))

    assert encoding == "utf-8-sig"
    assert text == seed_text("004")


@pytest.mark.parametrize("seed", ["000", "001", "003", "004"])
def test_gb18030_is_detected(seed):
    text, encoding = decode_document(seed_text(seed).encode("gb18030"))

    assert encoding in {"gb18030", "gbk"}
    assert text == seed_text(seed)


@pytest.mark.parametrize("seed", ["000", "003", "004"])  # 001 has a no-break space GBK lacks
def test_gbk_is_detected(seed):
    text, encoding = decode_document(seed_text(seed).encode("gbk"))

    assert encoding in {"gb18030", "gbk"}
    assert text == seed_text(seed)


def test_big5_is_detected():
    text, encoding = decode_document(BIG5_SAMPLE.encode("big5"))

    assert encoding == "big5"
    assert text == BIG5_SAMPLE


def test_a_gb18030_document_parses_exactly_like_its_utf8_original():
    from_gb = parse_plan(seed_text("003").encode("gb18030"), source_name="x.txt")
    from_utf8 = parse_plan(seed_bytes("003"), source_name="x.txt")

    assert from_gb.encoding in {"gb18030", "gbk"}
    from_gb.encoding = from_utf8.encoding
    assert from_gb == from_utf8


@pytest.mark.parametrize("data", [b"", b"  \r\n\t \n", codecs.BOM_UTF8, codecs.BOM_UTF8 + b"\n "])
def test_an_empty_file_is_refused(data):
    with pytest.raises(PlanImportError, match=r"^文件为空。$"):
        decode_document(data)


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + bytes(64),  # NUL bytes
        bytes(range(1, 9)) * 40,  # control characters, no NUL
        "规划".encode("utf-16-le"),  # UTF-16 without a BOM is NUL-ridden too
    ],
)
def test_a_binary_file_is_refused(data):
    with pytest.raises(PlanImportError, match=r"^文件不是文本文件（疑似二进制文件）。$"):
        decode_document(data)


def test_bytes_no_encoding_explains_are_refused():
    with pytest.raises(PlanImportError, match=r"^无法识别文件编码"):
        decode_document(b"\xff" * 100)


def test_cleaning_makes_punctuation_digits_and_spaces_half_width():
    lines = clean_text("（一）１﹒目标　任务：到２０２５年，超过４２％。\n\n  2．其他@@事项 \n")

    assert lines == ["(一)1.目标 任务:到2025年,超过42%。", "2.其他事项"]


def test_the_noisy_copy_cleans_to_exactly_the_original():
    assert clean_document(seed_text("002")).lines == clean_document(seed_text("000")).lines


def test_the_noisy_copy_parses_to_exactly_the_original():
    noisy, original = parsed_seed("002"), parsed_seed("000")

    noisy.source_name = original.source_name
    assert noisy == original


def test_website_chrome_around_seed_001_is_dropped_after_reading_its_source():
    document = clean_document(seed_text("001"))

    assert document.lines[0] == "市政府关于加快培育未来产业的工作意见"
    assert document.lines[-2:] == ["苏州市人民政府", "2023年9月1日"]
    assert document.metadata["来源"] == "苏州市发展和改革委员会"
    for chrome in (
        "无障碍",
        "您现在的位置",
        "浏览量",
        "网站地图",
        "ICP备",
        "相关政策解读",
        "Baidu",
    ):
        assert chrome not in document.text


def test_the_law_database_lines_of_seed_004_are_dropped():
    document = clean_document(seed_text("004"))

    assert document.lines[0] == "江苏省政府关于加快培育先进制造业集群的指导意见"
    assert "法宝引证码" not in document.text
    assert "原文链接" not in document.text
    assert "pkulaw" not in document.text


def test_the_metadata_table_of_seed_003_is_read_then_dropped():
    document = clean_document(seed_text("003"))

    assert document.metadata["文号"] == "苏发改高技发〔2024〕229号"
    assert document.metadata["发文日期"] == "2024-02-27"
    assert document.metadata["发布机构"] == "江苏省发展改革委"
    assert not any(line.startswith("-") for line in document.lines)
    assert "索引号" not in document.text.replace(" ", "")
