"""The UI is Chinese by default and switches to English: the admin's language switch end to end,
the API's Accept-Language, and the English catalog (every entry translated, the .mo current).

Chinese that belongs to the data (plan and task titles, agency names) stays Chinese in English
pages; everything else on the page must be English.
"""

from __future__ import annotations

import datetime as dt
import gettext
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, AgencyAlias, User
from tasks_app.models import Responsibility

from .factories import PlanFactory, ResponsibilityFactory, SectionFactory, TaskFactory, UserFactory

CATALOG = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
CJK = re.compile(r"[\u3400-\u9fff]+")
TRUNCATED = re.compile(r"([\u3400-\u9fff]+)…")
CHANGELIST = reverse("admin:tasks_app_responsibility_changelist")


@pytest.fixture
def world(agencies):
    """A plan coordinated by 省发展改革委 with one task: 省科技厅 leads it (in progress, overdue),
    省教育厅 supports it (not yet accepted)."""
    today = timezone.localdate()
    ndrc = Agency.objects.get(name="江苏省发展和改革委员会")
    plan = PlanFactory(coordinating_agency=ndrc, title="江苏省加快培育发展未来产业三年行动方案")
    section = SectionFactory(plan=plan, number="一", title="科技创新攻关行动")
    task = TaskFactory(
        plan=plan, section=section, title="建设概念验证中心", due_on=today - dt.timedelta(days=5)
    )
    lead = ResponsibilityFactory(
        task=task,
        agency=Agency.objects.get(name="江苏省科学技术厅"),
        role=Responsibility.Role.LEAD,
        status=Responsibility.Status.IN_PROGRESS,
        accepted_at=timezone.now(),
    )
    ResponsibilityFactory(
        task=task,
        agency=Agency.objects.get(name="江苏省教育厅"),
        role=Responsibility.Role.SUPPORTING,
        order=1,
    )
    coordinator = UserFactory(
        username="coordinator", agency=ndrc, role=User.Role.COORDINATOR, last_name="王督办"
    )
    return coordinator, lead


class _VisibleText(HTMLParser):
    """The text a reader sees: element text, button and input labels, placeholders, titles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        attributes = dict(attrs)
        for name in ("placeholder", "title", "aria-label"):
            if attributes.get(name):
                self.parts.append(attributes[name])
        if (
            tag == "input"
            and attributes.get("type") in ("submit", "button")
            and attributes.get("value")
        ):
            self.parts.append(attributes["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def _data_names() -> list[str]:
    """Every Chinese text in the database a page may show as data, longest first."""
    from tasks_app.models import Plan, Section, Task

    names = {
        *Agency.objects.values_list("name", flat=True),
        *Agency.objects.exclude(short_name="").values_list("short_name", flat=True),
        *AgencyAlias.objects.values_list("name", flat=True),
        *Plan.objects.values_list("title", flat=True),
        *Task.objects.values_list("title", flat=True),
        *Task.objects.values_list("text", flat=True),
        *(str(section) for section in Section.objects.all()),
        *User.objects.exclude(last_name="").values_list("last_name", flat=True),
        "中文",  # the language switch names each language in that language
    }
    return sorted(names, key=len, reverse=True)


def chinese_chrome(html: str) -> list[str]:
    """The Chinese left on a page once its data is taken out: UI that was not translated."""
    parser = _VisibleText()
    parser.feed(html)
    text = "\n".join(parser.parts)
    names = _data_names()
    for name in names:
        text = text.replace(name, "")
    # What is left of a name that a list truncated ("江苏省加快培育…") is data too.
    text = TRUNCATED.sub(lambda m: "" if any(n.startswith(m[1]) for n in names) else m[0], text)
    return sorted(set(CJK.findall(text)))


def _switch_to_english(client) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": CHANGELIST})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


# --- the admin -------------------------------------------------------------------------------


def test_the_admin_is_chinese_by_default(client, world):
    coordinator, _lead = world
    client.force_login(coordinator)

    html = client.get(CHANGELIST).content.decode()

    assert '<html lang="zh-hans"' in html
    assert "责任单位" in html
    assert "待签收" in html
    assert "Responsible agency" not in html


def test_switching_to_english_translates_the_responsibility_list(client, world):
    coordinator, _lead = world
    client.force_login(coordinator)

    _switch_to_english(client)
    html = client.get(CHANGELIST).content.decode()

    assert '<html lang="en"' in html
    assert "Policy Task Supervision" in html
    assert "Responsible agency" in html
    assert "Awaiting acceptance" in html
    assert "In progress" in html
    assert "建设概念验证中心" in html  # the task's title is data: it stays as written
    assert chinese_chrome(html) == []


def test_switching_to_english_translates_the_coordinator_start_page(client, world):
    coordinator, _lead = world
    client.force_login(coordinator)

    _switch_to_english(client)
    response = client.get(reverse("admin_start"), follow=True)
    html = response.content.decode()

    assert response.redirect_chain[-1][0] == reverse("admin:tasks_app_dashboard")
    assert "Coordinator dashboard" in html
    assert "Agencies with the most overdue items" in html
    assert "Awaiting acceptance" in html
    assert "江苏省加快培育发展未来产业三年行动方案" in html
    assert chinese_chrome(html) == []


def test_switching_to_english_translates_a_responsibility_page(client, world):
    coordinator, lead = world
    client.force_login(coordinator)

    _switch_to_english(client)
    html = client.get(reverse("admin:tasks_app_responsibility_change", args=[lead.pk])).content
    html = html.decode()

    assert "Lead" in html
    assert "In progress" in html
    assert "Deadline" in html
    assert "Change deadline" in html
    assert chinese_chrome(html) == []


def test_switching_back_to_chinese(client, world):
    coordinator, _lead = world
    client.force_login(coordinator)
    _switch_to_english(client)

    client.post(reverse("set_language"), {"language": "zh-hans", "next": CHANGELIST})
    html = client.get(CHANGELIST).content.decode()

    assert "责任单位" in html
    assert "Responsible agency" not in html


# --- the API ---------------------------------------------------------------------------------


def test_the_api_answers_in_english_on_request(client, world):
    coordinator, _lead = world
    client.force_login(coordinator)
    missing = "/api/v1/responsibilities/987654321/"

    chinese = client.get(missing).json()
    english = client.get(missing, headers={"Accept-Language": "en"}).json()

    assert (chinese["code"], chinese["message"]) == ("not_found", "没有找到该记录。")
    assert (english["code"], english["message"]) == ("not_found", "Not found.")


# --- the catalog -----------------------------------------------------------------------------


def _unquote(line: str) -> str:
    body = line[line.index('"') + 1 : line.rindex('"')]
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes[m.group(1)], body)


def po_entries(path: Path) -> list[dict]:
    """The entries of a .po file: {"flags", "msgctxt", "msgid", "msgid_plural", "msgstr": {n: s}}
    (msgstr[0] for a singular entry); obsolete (#~) entries are left out."""
    entries, entry, field = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip() or line.startswith("#~"):
            if entry and entry.get("msgid") is not None:
                entries.append(entry)
            entry, field = None, None
            continue
        if entry is None:
            entry = {"flags": set(), "msgctxt": None, "msgid_plural": None, "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if isinstance(field, int):
                entry["msgstr"][field] += _unquote(line)
            else:
                entry[field] += _unquote(line)
        else:
            keyword = line.split(" ", 1)[0]
            if keyword.startswith("msgstr"):
                field = int(keyword[7:-1]) if "[" in keyword else 0
                entry["msgstr"][field] = _unquote(line)
            else:
                field = keyword
                entry[field] = _unquote(line)
    return [e for e in entries if e["msgid"] != ""]  # the header


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def test_every_catalog_entry_is_translated():
    entries = po_entries(CATALOG / "django.po")

    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    lost = [
        e["msgid"]
        for e in entries
        if sorted(PLACEHOLDER.findall(e["msgid_plural"] or e["msgid"]))
        != sorted(PLACEHOLDER.findall(e["msgstr"][max(e["msgstr"])]))
    ]
    assert len(entries) > 700
    assert (untranslated, fuzzy, lost) == ([], [], [])


def test_the_compiled_catalog_matches_the_po_file():
    with (CATALOG / "django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)._catalog

    expected = {}
    for e in po_entries(CATALOG / "django.po"):
        key = e["msgid"] if e["msgctxt"] is None else f"{e['msgctxt']}\x04{e['msgid']}"
        if e["msgid_plural"] is None:
            expected[key] = e["msgstr"][0]
        else:
            expected.update({(key, n): text for n, text in e["msgstr"].items()})
    compiled_entries = {k: v for k, v in catalog.items() if k != ""}  # "" is the header

    assert compiled_entries == expected
