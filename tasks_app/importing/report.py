"""What an import did, counted per kind of row, with a summary in Chinese."""

from dataclasses import dataclass, field

KIND_LABELS = {
    "sections": "章节",
    "tasks": "任务",
    "responsibilities": "责任分工",
    "targets": "量化指标",
}
PLAN_STATUS_LABELS = {"created": "新建", "updated": "更新", "unchanged": "无变化"}


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
        status = PLAN_STATUS_LABELS[self.plan_status]
        number = f"（{self.doc_number}）" if self.doc_number else ""
        lines = [f"《{self.plan_title}》{number}：{status}"]
        for kind, counts in self.counts().items():
            lines.append(
                f"  {KIND_LABELS[kind]}：新建 {counts.created}，更新 {counts.updated}，"
                f"未变 {counts.unchanged}，删除 {counts.deleted}"
            )
            if counts.deleted_refs:
                lines.append(f"    已删除：{'、'.join(counts.deleted_refs)}")
        if self.created_agencies:
            lines.append(f"  新建单位（待核实）：{'、'.join(self.created_agencies)}")
        if self.dry_run:
            lines.append("  （试运行：以上变更未写入数据库）")
        return "\n".join(lines)
