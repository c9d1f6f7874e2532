"""Exports for circulars (通报) and spreadsheets: any filtered responsibility list, and the
agency × task responsibility matrix of a plan, and a generic table for every other admin list.
Excel (.xlsx) and CSV.

Why openpyxl and the csv module rather than a bigger library (django-import-export, tablib,
pandas): the exports are two fixed tables written once, never read back; openpyxl (already a
dependency) writes .xlsx with cell fills in write-only mode, streaming rows without holding the
workbook in memory, and the standard csv module covers CSV. A bigger library would add an import
framework, resources and admin mixins we do not want — the rows must come from the admin's own
scoped, filtered queryset, not from a second definition of "what this user may see".

The callers pass querysets that are already scoped (tasks_app.access) and annotated with the
colour (selectors.with_colour): nothing here decides visibility or computes a colour. Every
function reads its rows with a constant number of queries, however many rows there are.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from agencies.models import Agency

from .models import Plan, Responsibility, Task
from .selectors import Colour

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
CONTENT_TYPES = {"xlsx": XLSX_CONTENT_TYPE, "csv": CSV_CONTENT_TYPE}
FILLS = {
    Colour.RED: "F4C7C3",
    Colour.AMBER: "FCE8B2",
    Colour.GREEN: "B7E1CD",
    Colour.GREY: "E0E0E0",
}
CHUNK = 2000
OPEN_STATUSES = frozenset(Responsibility.OPEN_STATUSES)
# What the responsibility export reads (not, say, the task's full text).
RESPONSIBILITY_COLUMNS = (
    *("role", "status", "due_on", "original_due_on", "progress_percent", "completed_late"),
    *("last_reported_at", "next_report_due_on", "accepted_at", "completed_at"),
    *("task", "task__number", "task__title", "task__plan", "task__plan__title"),
    *("task__section", "task__section__number", "task__section__title"),
    *("task__section__parent_id", "agency", "agency__name", "agency__short_name"),
)


# --- The responsibility list -------------------------------------------------------------------


def responsibility_headers() -> list[str]:
    return [
        _("任务编号"),
        _("任务"),
        _("规划方案"),
        _("章节"),
        _("责任单位"),
        _("职责"),
        _("办理状态"),
        _("红黄绿灯"),
        _("完成时限"),
        _("原定时限"),
        _("剩余/逾期天数"),
        _("完成比例(%)"),
        _("最近报送"),
        _("下次报送截止"),
        _("签收时间"),
        _("办结时间"),
        _("超期办结"),
    ]


def responsibility_rows(
    responsibilities: QuerySet[Responsibility], today: dt.date
) -> Iterator[tuple[str | None, list]]:
    """(colour, cells) per row of an already scoped, filtered, colour-annotated queryset."""
    rows = responsibilities.select_related("task__plan", "task__section", "agency").only(
        *RESPONSIBILITY_COLUMNS
    )
    # Labels translated once per file, not once per cell (get_FOO_display hashes and translates).
    roles, statuses = _labels(Responsibility.Role), _labels(Responsibility.Status)
    lights = {colour: str(label) for colour, label in Colour.LABELS.items()}
    late = _("是")
    for r in rows.iterator(chunk_size=CHUNK):
        days = (r.due_on - today).days if r.due_on and r.status in OPEN_STATUSES else None
        task = r.task
        yield (
            r.colour,
            [
                task.number,
                task.title,
                task.plan.title,
                str(task.section) if task.section_id else "",
                str(r.agency),
                roles.get(r.role, r.role),
                statuses.get(r.status, r.status),
                lights.get(r.colour, ""),
                r.due_on,
                r.original_due_on,
                days,
                r.progress_percent,
                _local_date(r.last_reported_at),
                r.next_report_due_on,
                _local_date(r.accepted_at),
                _local_date(r.completed_at),
                late if r.completed_late else "",
            ],
        )


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def responsibilities_xlsx(responsibilities: QuerySet[Responsibility], today: dt.date) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("责任分工"))
    sheet.append(_header_cells(sheet, responsibility_headers()))
    colour_column = responsibility_headers().index(_("红黄绿灯"))
    for colour, cells in responsibility_rows(responsibilities, today):
        row = [_plain(sheet, value) for value in cells]
        row[colour_column] = _filled(sheet, cells[colour_column], colour)
        sheet.append(row)
    return _save(workbook)


def responsibilities_file(
    responsibilities: QuerySet[Responsibility], today: dt.date, fmt: str
) -> tuple[bytes, str]:
    """The responsibility list as `fmt` (xlsx, csv) and its file name: the admin's and the API's."""
    if fmt == "xlsx":
        content = responsibilities_xlsx(responsibilities, today)
    else:
        content = responsibilities_csv(responsibilities, today)
    return content, _("责任分工_%(date)s") % {"date": f"{today:%Y%m%d}"}


def responsibilities_csv(responsibilities: QuerySet[Responsibility], today: dt.date) -> bytes:
    rows = (cells for _colour, cells in responsibility_rows(responsibilities, today))
    return _csv(itertools.chain([responsibility_headers()], rows))  # rows one at a time


# --- The agency × task matrix of a plan ----------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    role: str
    role_label: str
    status_label: str
    colour: str


@dataclass
class Matrix:
    """Rows are agencies, columns the plan's tasks in document order."""

    plan: Plan
    tasks: list[Task]
    agencies: list[Agency] = field(default_factory=list)
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)

    def row(self, agency: Agency) -> list[Cell | None]:
        return [self.cells.get((agency.pk, task.pk)) for task in self.tasks]


def plan_matrix(
    plan: Plan, tasks: QuerySet[Task], responsibilities: QuerySet[Responsibility]
) -> Matrix:
    """The matrix from the plan's (scoped) tasks and (scoped, colour-annotated) responsibilities.
    Agencies are ordered by their order in the agency list; an agency appears once it holds at
    least one cell."""
    matrix = Matrix(plan=plan, tasks=list(tasks.filter(plan=plan).order_by("order", "id")))
    task_ids = {t.pk for t in matrix.tasks}
    agencies: dict[int, Agency] = {}
    rows = responsibilities.filter(task__plan=plan).select_related("agency")
    for r in rows.order_by().iterator(chunk_size=CHUNK):
        if r.task_id not in task_ids:
            continue
        agencies.setdefault(r.agency_id, r.agency)
        matrix.cells[(r.agency_id, r.task_id)] = Cell(
            role=r.role,
            role_label=r.get_role_display(),
            status_label=r.get_status_display(),
            colour=r.colour,
        )
    matrix.agencies = sorted(agencies.values(), key=lambda a: (a.order, a.pk))
    return matrix


def _task_column(task: Task) -> str:
    return task.number or task.title[:8]


def matrix_headers(matrix: Matrix) -> list[str]:
    return [
        _("责任单位"),
        *(_task_column(t) for t in matrix.tasks),
        _("牵头"),
        _("配合"),
        _("实施"),
    ]


def _counts(cells: list[Cell | None]) -> list[int]:
    roles = [c.role for c in cells if c is not None]
    return [roles.count(role) for role in Responsibility.Role.values]


# The lights by their short names, for the CSV matrix (Colour.LABELS explain them).
LIGHT_NAMES = {
    Colour.RED: gettext_lazy("红灯"),
    Colour.AMBER: gettext_lazy("黄灯"),
    Colour.GREEN: gettext_lazy("绿灯"),
    Colour.GREY: gettext_lazy("灰色"),
}


def matrix_csv_cell(cell: Cell | None) -> str:
    """CSV has no colours: the role, then status and light in brackets, e.g. 牵头（办理中·红灯）."""
    if cell is None:
        return ""
    return _("%(role)s（%(status)s·%(light)s）") % {
        "role": cell.role_label,
        "status": cell.status_label,
        "light": LIGHT_NAMES[cell.colour],
    }


def matrix_xlsx(matrix: Matrix) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("责任矩阵"))
    sheet.append([_cell(sheet, matrix.plan.title, bold=True)])
    sheet.append(_header_cells(sheet, matrix_headers(matrix)))
    sheet.append([_cell(sheet, _("任务")), *(_cell(sheet, t.title) for t in matrix.tasks)])
    for agency in matrix.agencies:
        cells = matrix.row(agency)
        row = [_cell(sheet, str(agency))]
        for cell in cells:
            written = _cell(sheet, cell.role_label if cell else None, centre=True)
            _fill(written, cell.colour if cell else None)
            row.append(written)
        row.extend(_cell(sheet, n) for n in _counts(cells))
        sheet.append(row)
    sheet.append([])
    sheet.append([_cell(sheet, _("图例"))] + [_legend(sheet, colour) for colour in FILLS])
    return _save(workbook)


def matrix_csv(matrix: Matrix) -> bytes:
    rows: list[list] = [[matrix.plan.title], matrix_headers(matrix)]
    rows.append([_("任务"), *(t.title for t in matrix.tasks)])
    for agency in matrix.agencies:
        cells = matrix.row(agency)
        rows.append([str(agency), *(matrix_csv_cell(c) for c in cells), *_counts(cells)])
    return _csv(rows)


# --- Writing ---------------------------------------------------------------------------------------


def content_disposition(name: str, fallback: str) -> str:
    """RFC 6266 / 5987: the UTF-8 name for clients that read it, an ASCII one for the rest."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


def download(content: bytes, fmt: str, filename: str) -> HttpResponse:
    """An export as a download named `filename`.xlsx or .csv (admin and API alike)."""
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition(f"{filename}.{fmt}", f"export.{fmt}")
    return response


def _local_date(value: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(value) if value else None


def _plain(sheet, value):
    """A cell without styling, written as the bare value (openpyxl makes the cell, with a date
    format for dates: several times faster than a WriteOnlyCell each). Text that openpyxl would
    store as a formula ("=…") gets a cell typed as text."""
    if isinstance(value, str) and value.startswith("="):
        return _cell(sheet, value)
    return value


def _filled(sheet, value, colour: str | None) -> WriteOnlyCell:
    cell = _cell(sheet, value)
    _fill(cell, colour)
    return cell


def _cell(sheet, value, *, bold: bool = False, centre: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        # Text is text: openpyxl would store "=…" as a formula, and what agencies type (report
        # narratives, reasons) must never run in a coordinator's Excel.
        cell.data_type = "s"
    if isinstance(value, dt.datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"
    if bold:
        cell.font = Font(bold=True)
    if centre:
        cell.alignment = Alignment(horizontal="center")
    return cell


def _header_cells(sheet, headers: Iterable[str]) -> list[WriteOnlyCell]:
    return [_cell(sheet, header, bold=True) for header in headers]


def _fill(cell: WriteOnlyCell, colour: str | None) -> None:
    if colour in FILLS:
        cell.fill = PatternFill("solid", start_color=FILLS[colour], end_color=FILLS[colour])


def _legend(sheet, colour: str) -> WriteOnlyCell:
    cell = _cell(sheet, str(Colour.LABELS[colour]))
    _fill(cell, colour)
    return cell


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# A CSV cell beginning with one of these is a formula to Excel (CSV injection, OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(value: str) -> str:
    """Text that Excel would read as a formula, quoted to stay text (a leading apostrophe)."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _csv(rows: Iterable[Iterable]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens the Chinese text correctly. Text that
    Excel would run as a formula is quoted (_csv_text); numbers are left as they are."""
    # Encoded as it is written: one UTF-8 buffer, not a text copy and an encoded copy of it.
    buffer = io.BytesIO()
    text = io.TextIOWrapper(buffer, encoding="utf-8", newline="")
    text.write("\ufeff")
    writer = csv.writer(text)
    for row in rows:
        writer.writerow(
            [
                ""
                if v is None
                else date_text(v)
                if isinstance(v, dt.date)
                else _csv_text(v)
                if isinstance(v, str)
                else v
                for v in row
            ]
        )
    text.flush()
    return buffer.getvalue()


# --- Any admin list -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a generic table: its header and how to read a cell from a row. A column
    whose `colour` is set fills its cell with the row's colour (an attribute already computed by
    the database, never here)."""

    header: str
    read: Callable[[object], object]
    colour: Callable[[object], str | None] | None = None


def table_xlsx(title: str, columns: Sequence[Column], rows: Iterable) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(title))
    sheet.append(_header_cells(sheet, [c.header for c in columns]))
    for row in rows:
        cells = []
        for column in columns:
            value = local_moment(column.read(row))
            if column.colour is None:
                cells.append(_plain(sheet, value))
            else:
                cells.append(_filled(sheet, value, column.colour(row)))
        sheet.append(cells)
    return _save(workbook)


def table_csv(columns: Sequence[Column], rows: Iterable) -> bytes:
    cells = ([c.read(row) for c in columns] for row in rows)
    return _csv(itertools.chain([[c.header for c in columns]], cells))  # rows one at a time


def _sheet_title(title: str) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(title)).strip()
    return cleaned[:31] or "Sheet1"


def date_text(value: dt.date) -> str:
    """A day as 2025-06-10, a moment as 2025-06-10 10:00 in local time: how the CSV writes them."""
    if isinstance(value, dt.datetime):
        return f"{local_moment(value):%Y-%m-%d %H:%M}"
    return value.isoformat()


def local_moment(value):
    """A moment as the files write it: the service's local time, without a zone (Excel has none);
    any other value as it is. The one place the exports convert time."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value
