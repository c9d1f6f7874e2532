"""The digest email: every item that needs one person today, graded red / yellow / blue, in
the service's language (LANGUAGE_CODE, whoever's request triggers the sending), as HTML with a
plain-text alternative, each item linking to its admin page.

Rendering works on plain rows (two indexed queries per batch, no model instances), and resolves
labels and URLs once per batch (wording.Labels): a worker renders hundreds of emails a second.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from types import SimpleNamespace

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import QuerySet
from django.template.loader import get_template
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from agencies.models import Agency
from tasks_app.models import (
    Grade,
    ReminderDigest,
    ReminderEntry,
    ReminderKind,
    Responsibility,
    Task,
)
from tasks_app.models.reminders import GRADE_RANK

from .wording import GRADE_STYLE, KIND_LABELS, Labels

ENTRY_FIELDS = ("sweep_id", "recipient", "recipient_name", "day", "kind", "period", "grade")
ENTRY_FIELDS += ("note", "responsibility_id")
ITEM_FIELDS = ("pk", "status", "role", "due_on", "task_id", "task__number", "task__title")
ITEM_FIELDS += ("task__order", "task__plan_id", "task__plan__title", "agency__name")
ITEM_FIELDS += ("agency__short_name",)


@dataclass(frozen=True)
class Row:
    """One ledger entry with what its email needs, as plain values."""

    entry: dict
    item: dict

    @property
    def kind(self) -> str:
        return self.entry["kind"]


def rows_for(entries: QuerySet[ReminderEntry]) -> list[Row]:
    """The entries and their items, in two indexed queries (the items by a subquery on the
    entries, not a list of thousands of ids)."""
    values = list(entries.order_by("pk").values(*ENTRY_FIELDS))
    items = Responsibility.objects.filter(pk__in=entries.order_by().values("responsibility_id"))
    by_id = {item["pk"]: item for item in items.order_by().values(*ITEM_FIELDS)}
    return [Row(value, by_id[value["responsibility_id"]]) for value in values]


def entry_reason(entry: dict, labels: Labels) -> str:
    """Why this entry is in the email, in one sentence."""
    anchor, _slash, step = entry["period"].partition("/")
    return labels.reasons[entry["kind"]].format(anchor=anchor, days=step.lstrip("+-"))


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@dataclass
class Preview:
    """What one recipient would receive (dry run)."""

    recipient: str
    recipient_name: str
    lines: list[str]  # "红色督办 · 逾期催办 · 1. 任务（单位）", one per entry
    rendered: Rendered


def task_label(item: dict) -> str:
    """The task as the admin shows it (Task.__str__, applied to plain values)."""
    return Task.__str__(SimpleNamespace(number=item["task__number"], title=item["task__title"]))


def agency_label(item: dict) -> str:
    """The agency as the admin shows it (Agency.__str__, applied to plain values)."""
    names = SimpleNamespace(name=item["agency__name"], short_name=item["agency__short_name"])
    return Agency.__str__(names)


def _item_view(row: Row, labels: Labels) -> dict:
    """An item as the templates show it: few, precomputed strings (each template variable costs
    more than the Python that computes it)."""
    item = row.item
    role = labels.role.get(item["role"], item["role"])
    status = labels.status.get(item["status"], item["status"])
    meta = labels.texts["meta"] % {
        "plan": item["task__plan__title"],
        "agency": agency_label(item),
        "role": role,
        "status": status,
    }
    if item["due_on"]:
        meta += " " + labels.texts["meta_due"] % {"due": item["due_on"].isoformat()}
    return {
        "grade": row.entry["grade"],
        "title": task_label(item),
        "meta": meta,
        "url": labels.url(item),
        "reasons": [],
        "order": (item["task__plan_id"], item["task__order"], item["pk"]),
    }


def _items(rows: Iterable[Row], labels: Labels) -> list[dict]:
    """One view per responsibility, with every reason it is in the email, worst grade first."""
    items: dict[int, dict] = {}
    for row in rows:
        item = items.get(row.item["pk"])
        if item is None:
            item = items[row.item["pk"]] = _item_view(row, labels)
        if GRADE_RANK[row.entry["grade"]] < GRADE_RANK[item["grade"]]:
            item["grade"] = row.entry["grade"]
        for reason in (entry_reason(row.entry, labels), _note(row.entry["note"], labels)):
            if reason and reason not in item["reasons"]:
                item["reasons"].append(reason)
    return sorted(items.values(), key=lambda i: (GRADE_RANK[i["grade"]], i["order"]))


def _note(note: str, labels: Labels) -> str:
    return labels.texts["note"] % {"note": note} if note else ""


# One item of the email. Items are formatted here rather than in the templates, one line of
# HTML and two of text each: a worker renders hundreds of digests a second, template variables
# cost ten times these f-strings, and every line costs the mail server time as well.
ITEM_HTML = (
    '<tr><td style="padding:8px 10px;border-left:4px solid {colour};'
    'border-bottom:1px solid #e5e7eb;"><a href="{url}" style="color:#1a4f8b;font-weight:bold;">'
    '{title}</a><br><span style="color:#555;font-size:13px;">{meta}</span>'
    '<ul style="margin:4px 0 0;padding-left:18px;">{reasons}</ul></td></tr>\n'
)


def _item_html(item: dict, colour: str) -> str:
    reasons = "".join(f"<li>{escape(reason)}</li>" for reason in item["reasons"])
    return ITEM_HTML.format(
        colour=colour,
        url=escape(item["url"]),
        title=escape(item["title"]),
        meta=escape(item["meta"]),
        reasons=reasons,
    )


def _item_text(item: dict, texts: dict[str, str]) -> str:
    reasons = texts["separator"].join(item["reasons"])
    title = texts["item_heading"] % {"title": item["title"], "meta": item["meta"]}
    todo = texts["item_action"] % {"reasons": reasons, "url": item["url"]}
    return f"■ {title}\n  {todo}\n"


def _sections(items: Sequence[dict], labels: Labels) -> list[dict]:
    """Red, yellow, blue: each with its items as HTML rows (escaped here) and as plain text."""
    grouped: dict[str, list[dict]] = defaultdict(list)
    for item in items:
        grouped[item["grade"]].append(item)
    sections = []
    for grade in (Grade.RED, Grade.YELLOW, Grade.BLUE):
        chosen = grouped[grade]
        if not chosen:
            continue
        style = labels.grades[grade]
        rows = "".join(_item_html(item, style["colour"]) for item in chosen)
        counted = labels.counted(len(chosen))
        values = {"title": style["title"], "hint": style["hint"], "n": len(chosen)}
        sections.append(
            {
                "colour": style["colour"],
                "heading": counted["section_html"] % values,
                "heading_text": counted["section_text"] % values,
                "rows": SafeString(rows),  # every value in it was escaped by _item_html
                "text": "".join(_item_text(item, labels.texts) for item in chosen),
            }
        )
    return sections


def digest_render(
    *, recipient_name: str, day: dt.date, rows: Sequence[Row], labels: Labels | None = None
) -> Rendered | None:
    """The email for these rows, in the service's language; None when none of their items
    still needs anything (completed or suspended since the sweep)."""
    live = [row for row in rows if row.item["status"] not in Responsibility.FINAL_STATUSES]
    labels = labels or Labels()
    items = _items(live, labels)
    if not items:
        return None
    texts, counted = labels.texts, labels.counted(len(items))
    date_text, subject_day = labels.dates(day)
    manual = any(row.kind == ReminderKind.MANUAL for row in live)
    prefix = texts["manual_subject"] if manual else labels.grades[items[0]["grade"]]["title"]
    numbers = {"date_text": date_text, "n": len(items)}
    context = {
        "texts": texts,
        "greeting": texts["greeting"] % {"name": recipient_name}
        if recipient_name
        else texts["hello"],
        "intro_html": texts["manual_html"]
        if manual
        else SafeString(counted["intro_html"] % {**numbers, "date_text": escape(date_text)}),
        "intro_text": texts["manual_text"] if manual else counted["intro_text"] % numbers,
        "sections": _sections(items, labels),
        "site_url": settings.SITE_URL,
    }
    return Rendered(
        subject=counted["subject"] % {"prefix": prefix, "count": len(items), "day": subject_day},
        text=get_template("reminders/digest.txt").render(context),
        html=get_template("reminders/digest.html").render(context),
    )


def email_message(*, digest: ReminderDigest, rendered: Rendered) -> EmailMultiAlternatives:
    """The MIME message: stable Message-ID from the digest's key, so a retry is recognisably the
    same email."""
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[digest.recipient],
        headers={
            "Message-ID": digest.message_id,
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
        },
    )
    message.attach_alternative(rendered.html, "text/html")
    return message


def rows_by_digest(digests: Sequence[ReminderDigest]) -> dict[int, list[Row]]:
    """The rows of several digests (by sweep and recipient), grouped by digest id."""
    keys = {(digest.sweep_id, digest.recipient): digest.pk for digest in digests}
    entries = ReminderEntry.objects.filter(
        sweep_id__in={sweep for sweep, _ in keys}, recipient__in={r for _, r in keys}
    )
    grouped: dict[int, list[Row]] = defaultdict(list)
    for row in rows_for(entries):
        digest_id = keys.get((row.entry["sweep_id"], row.entry["recipient"]))
        if digest_id is not None:
            grouped[digest_id].append(row)
    return grouped


def entry_line(row: Row) -> str:
    """One entry in one line, for previews and the admin."""
    grade = GRADE_STYLE[row.entry["grade"]]["title"]
    kind = KIND_LABELS[row.kind]
    item = _("%(task)s（%(agency)s）") % {
        "task": task_label(row.item),
        "agency": agency_label(row.item),
    }
    return f"{grade} · {kind} · {item}{row.entry['period']}"


def previews_render(
    *, sweep_id: int | None, only: QuerySet | None = None, limit: int = 200
) -> list[Preview]:
    """The emails a (dry-run) sweep made, for at most `limit` recipients; restricted to the
    responsibilities in `only` when given (what the viewing user may see)."""
    if sweep_id is None:
        return []
    entries = ReminderEntry.objects.filter(sweep_id=sweep_id)
    if only is not None:
        entries = entries.filter(responsibility__in=only)
    by_recipient: dict[str, list[Row]] = defaultdict(list)
    for row in rows_for(entries):
        by_recipient[row.entry["recipient"]].append(row)
    previews, labels = [], Labels()
    for recipient, rows in sorted(by_recipient.items())[:limit]:
        name = rows[0].entry["recipient_name"]
        rendered = digest_render(
            recipient_name=name, day=rows[0].entry["day"], rows=rows, labels=labels
        )
        if rendered is not None:
            previews.append(Preview(recipient, name, [entry_line(row) for row in rows], rendered))
    return previews
