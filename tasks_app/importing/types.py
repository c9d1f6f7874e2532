"""What the parser produces: plain data, no database. The writer turns it into rows."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass
class ParsedTarget:
    description: str
    quantity: Decimal
    unit: str
    comparison: str  # tasks_app.models.Target.Comparison value
    year: int | None = None
    quantity_max: Decimal | None = None
    items: list[str] = field(default_factory=list)
    phrase: str = ""


@dataclass
class ParsedResponsibility:
    name: str  # the agency's name as written, after prefix elision is undone
    role: str  # tasks_app.models.Responsibility.Role value
    focus: str = ""


@dataclass
class ParsedSection:
    ref: str
    number: str
    title: str
    parent_ref: str | None = None


@dataclass
class ParsedTask:
    ref: str
    number: str
    title: str
    text: str
    kind: str  # tasks_app.models.Task.Kind value
    section_ref: str | None = None
    parent_ref: str | None = None
    responsibilities: list[ParsedResponsibility] = field(default_factory=list)
    targets: list[ParsedTarget] = field(default_factory=list)
    # 各设区市相应职能部门落实: every districted city implements the task as well.
    cascade_to_cities: bool = False


@dataclass
class ParsedPlan:
    title: str
    text: str  # cleaned body, the basis of source_hash
    encoding: str
    level: str  # tasks_app.models.Plan.Level value
    doc_number: str = ""
    issued_on: date | None = None
    issuer_names: list[str] = field(default_factory=list)
    coordinator_name: str | None = None
    period_start: int | None = None
    period_end: int | None = None
    sections: list[ParsedSection] = field(default_factory=list)
    tasks: list[ParsedTask] = field(default_factory=list)
    targets: list[ParsedTarget] = field(default_factory=list)  # plan-level goals
    source_name: str = ""  # the file it came from, for the record
