"""What an import did, counted per kind of row, with a summary for the person importing."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

KIND_LABELS = {
    "sections": gettext_lazy("章节"),
    "tasks": gettext_lazy("任务"),
    "responsibilities": gettext_lazy("责任分工"),
    "targets": gettext_lazy("量化指标"),
}
PLAN_STATUS_LABELS = {
    "created": gettext_lazy("新建"),
    "updated": gettext_lazy("更新"),
    "unchanged": gettext_lazy("无变化"),
}


@dataclass
class KindCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    deleted_refs: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


@dataclass
class ImportReport:
    plan_key: str
    plan_title: str
    doc_number: str = ""
    plan_id: int | None = None
    plan_status: str = "unchanged"  # created / updated / unchanged
    sections: KindCounts = field(default_factory=KindCounts)
    tasks: KindCounts = field(default_factory=KindCounts)
    responsibilities: KindCounts = field(default_factory=KindCounts)
    targets: KindCounts = field(default_factory=KindCounts)
    created_agencies: list[str] = field(default_factory=list)
    dry_run: bool = False

    def counts(self) -> dict[str, KindCounts]:
        return {kind: getattr(self, kind) for kind in KIND_LABELS}

    @property
    def changed(self) -> bool:
        return (
            self.plan_status != "unchanged"
            or bool(self.created_agencies)
            or any(c.changed for c in self.counts().values())
        )

    def summary(self) -> str:
        """Several lines for the person who ran the import."""
        separator = pgettext("list separator", "、")
        status = PLAN_STATUS_LABELS[self.plan_status]
        number = _("（%(number)s）") % {"number": self.doc_number} if self.doc_number else ""
        lines = [
            _("《%(title)s》%(number)s：%(status)s")
            % {"title": self.plan_title, "number": number, "status": status}
        ]
        for kind, counts in self.counts().items():
            line = _(
                "%(kind)s：新建 %(created)s，更新 %(updated)s，未变 %(unchanged)s，删除 %(deleted)s"
            )
            values = {"kind": KIND_LABELS[kind], **vars(counts)}
            lines.append("  " + line % values)
            if counts.deleted_refs:
                refs = separator.join(counts.deleted_refs)
                lines.append("    " + _("已删除：%(refs)s") % {"refs": refs})
        if self.created_agencies:
            names = separator.join(self.created_agencies)
            lines.append("  " + _("新建单位（待核实）：%(names)s") % {"names": names})
        if self.dry_run:
            lines.append("  " + _("（试运行：以上变更未写入数据库）"))
        return "\n".join(lines)
