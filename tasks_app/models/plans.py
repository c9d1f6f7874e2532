"""Plans, their sections and tasks, who is responsible for each task, and numeric targets."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from agencies.models import Agency


class PlanManager(models.Manager):
    def get_by_natural_key(self, key: str) -> "Plan":
        return self.get(key=key)


class Plan(models.Model):
    """A policy document whose numbered actions become tracked tasks."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("省级")
        CITY = "city", _("设区市级")

    class ReportingCycle(models.TextChoices):
        MONTHLY = "monthly", _("每月")
        QUARTERLY = "quarterly", _("每季度")
        HALF_YEARLY = "half_yearly", _("每半年")

    key = models.CharField(
        _("标识"),
        max_length=255,
        unique=True,
        help_text=_("文号；无文号时为“发文单位|标题”。重新导入同一文件时据此更新。"),
    )
    title = models.CharField(_("标题"), max_length=255)
    doc_number = models.CharField(_("文号"), max_length=64, blank=True)
    issuers = models.ManyToManyField(
        Agency, verbose_name=_("发文单位"), through="PlanIssuer", related_name="issued_plans"
    )
    coordinating_agency = models.ForeignKey(
        Agency,
        verbose_name=_("督办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="coordinated_plans",
    )
    issued_on = models.DateField(_("印发日期"), null=True, blank=True)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    period_start = models.PositiveSmallIntegerField(_("起始年度"), null=True, blank=True)
    period_end = models.PositiveSmallIntegerField(
        _("截止年度"),
        null=True,
        blank=True,
        help_text=_("实施期末或目标年度，任务默认于该年底到期。"),
    )
    source_name = models.CharField(_("来源文件"), max_length=255, blank=True)
    source_encoding = models.CharField(_("文件编码"), max_length=32, blank=True)
    source_text = models.TextField(_("正文"), blank=True)
    source_hash = models.CharField(_("正文摘要(SHA-256)"), max_length=64, blank=True)
    reporting_cycle = models.CharField(
        _("报送周期"),
        max_length=16,
        choices=ReportingCycle.choices,
        default=ReportingCycle.QUARTERLY,
    )
    report_due_day = models.PositiveSmallIntegerField(
        _("报送日"),
        default=25,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("每个报送周期最后一个月的第几日前报送进展。"),
    )
    leader_approval_required = models.BooleanField(
        _("需分管领导审核"),
        default=False,
        help_text=_("开启后，经办人提交的办结申请和进展报告须经本单位分管领导审核后再报督办员。"),
    )
    progress_margin = models.PositiveSmallIntegerField(
        _("序时进度容差（百分点）"),
        default=15,
        validators=[MaxValueValidator(100)],
        help_text=_("报送的完成比例落后于序时进度超过该值时亮黄灯。"),
    )

    objects = PlanManager()

    class Meta:
        verbose_name = _("规划方案")
        verbose_name_plural = pgettext_lazy("plural", "规划方案")
        ordering = ["-issued_on", "id"]

    def __str__(self) -> str:
        return self.title

    def natural_key(self) -> tuple[str]:
        return (self.key,)


class PlanIssuerManager(models.Manager):
    def get_by_natural_key(self, plan_key: str, agency_name: str):
        return self.get(plan__key=plan_key, agency__name=agency_name)


class PlanIssuer(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="issuer_links")
    agency = models.ForeignKey(Agency, verbose_name=_("发文单位"), on_delete=models.PROTECT)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    objects = PlanIssuerManager()

    class Meta:
        verbose_name = _("发文单位")
        verbose_name_plural = pgettext_lazy("plural", "发文单位")
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "agency"], name="plan_issuer_unique")
        ]

    def __str__(self) -> str:
        return str(self.agency)

    def natural_key(self) -> tuple[str, str]:
        return (self.plan.key, self.agency.name)

    natural_key.dependencies = ["tasks_app.plan", "agencies.agency"]


class PlanPartManager(models.Manager):
    def get_by_natural_key(self, plan_key: str, ref: str):
        return self.get(plan__key=plan_key, ref=ref)


class Section(models.Model):
    """A heading of the plan (一、… and (一)… under it), kept in document order."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("规划方案"), on_delete=models.CASCADE, related_name="sections"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级章节"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    ref = models.CharField(_("位置"), max_length=64)
    number = models.CharField(_("编号"), max_length=16, blank=True)
    title = models.CharField(_("标题"), max_length=255)
    order = models.PositiveIntegerField(_("顺序"))

    objects = PlanPartManager()

    class Meta:
        verbose_name = _("章节")
        verbose_name_plural = pgettext_lazy("plural", "章节")
        ordering = ["plan", "order"]
        constraints = [models.UniqueConstraint(fields=["plan", "ref"], name="section_unique_ref")]

    def __str__(self) -> str:
        return f"{self.number}{'、' if self.number and not self.parent_id else ''}{self.title}"

    def natural_key(self) -> tuple[str, str]:
        return (self.plan.key, self.ref)

    natural_key.dependencies = ["tasks_app.plan"]


class Task(models.Model):
    """One numbered action (or sub-measure) of a plan."""

    class Kind(models.TextChoices):
        ACTION = "action", _("任务")
        DOMAIN = "domain", _("重点领域/集群")
        MEASURE = "measure", _("具体措施")
        SAFEGUARD = "safeguard", _("保障措施")
        MECHANISM = "mechanism", _("推进机制")

    plan = models.ForeignKey(
        Plan, verbose_name=_("规划方案"), on_delete=models.CASCADE, related_name="tasks"
    )
    section = models.ForeignKey(
        Section,
        verbose_name=_("章节"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级任务"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    ref = models.CharField(_("位置"), max_length=64)
    number = models.CharField(_("编号"), max_length=16, blank=True)
    title = models.CharField(_("标题"), max_length=255)
    text = models.TextField(_("任务内容"))
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices, default=Kind.ACTION)
    order = models.PositiveIntegerField(_("顺序"))
    due_on = models.DateField(_("完成时限"), null=True, blank=True)

    objects = PlanPartManager()

    class Meta:
        verbose_name = _("任务")
        verbose_name_plural = pgettext_lazy("plural", "任务")
        ordering = ["plan", "order"]
        constraints = [models.UniqueConstraint(fields=["plan", "ref"], name="task_unique_ref")]

    def __str__(self) -> str:
        return (
            f"{self.number}. {self.title}"
            if self.number.isdigit()
            else f"{self.number}{self.title}"
        )

    def natural_key(self) -> tuple[str, str]:
        return (self.plan.key, self.ref)

    natural_key.dependencies = ["tasks_app.plan", "tasks_app.section"]


class ResponsibilityManager(models.Manager):
    def get_by_natural_key(self, plan_key: str, task_ref: str, agency_name: str):
        return self.get(task__plan__key=plan_key, task__ref=task_ref, agency__name=agency_name)


class Responsibility(models.Model):
    """An agency's part in a task: it leads, supports, or implements it at a lower level."""

    class Role(models.TextChoices):
        LEAD = "lead", _("牵头")
        SUPPORTING = "supporting", _("配合")
        IMPLEMENTING = "implementing", _("实施")

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("待签收")
        IN_PROGRESS = "in_progress", _("办理中")
        LEADER_REVIEW = "leader_review", _("待领导审核")
        COMPLETION_REQUESTED = "completion_requested", _("待审核")
        COMPLETED = "completed", _("已办结")
        SUSPENDED = "suspended", _("已中止")

    task = models.ForeignKey(
        Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="responsibilities"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="responsibilities"
    )
    role = models.CharField(_("职责"), max_length=16, choices=Role.choices)
    focus = models.CharField(_("侧重方向"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    # Workflow state. Changed only by tasks_app.services.workflow, which records an Event each time.
    status = models.CharField(
        _("办理状态"), max_length=24, choices=Status.choices, default=Status.ASSIGNED
    )
    assigned_at = models.DateTimeField(_("交办时间"), default=timezone.now)
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    completed_late = models.BooleanField(_("超期办结"), default=False)
    due_on = models.DateField(_("完成时限"), null=True, blank=True)
    original_due_on = models.DateField(
        _("原定时限"), null=True, blank=True, help_text=_("延期前的时限，用于考核。")
    )
    progress_percent = models.PositiveSmallIntegerField(
        _("完成比例(%)"), default=0, validators=[MaxValueValidator(100)]
    )
    last_reported_at = models.DateTimeField(_("最近报送"), null=True, blank=True)
    # Precomputed dates keep the colour rules a plain comparison with today (see selectors).
    behind_schedule_on = models.DateField(
        _("落后序时进度日期"),
        null=True,
        blank=True,
        help_text=_("自该日起，已报完成比例落后于序时进度超过容差。"),
    )
    next_report_due_on = models.DateField(_("下次报送截止"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("督办升级时间"), null=True, blank=True)
    assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        blank=True,
        related_name="assigned_responsibilities",
    )
    version = models.PositiveIntegerField(_("版本"), default=1)

    objects = ResponsibilityManager()

    class Meta:
        verbose_name = _("责任分工")
        verbose_name_plural = pgettext_lazy("plural", "责任分工")
        ordering = ["task", "order"]
        indexes = [
            models.Index(fields=["agency", "status", "due_on"], name="resp_agency_status_due"),
            models.Index(fields=["status", "due_on"], name="resp_status_due"),
            # An agency's tasks, and (role included) the tasks it leads, without reading the
            # table: the access rule for agency members (led tasks) and "my plans" read it.
            models.Index(fields=["agency", "task"], include=["role"], name="resp_agency_task"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["task", "agency"], name="responsibility_unique_agency"),
            models.UniqueConstraint(
                fields=["task"], condition=Q(role="lead"), name="responsibility_one_lead"
            ),
        ]

    def __str__(self) -> str:
        return _("%(agency)s（%(role)s）") % {
            "agency": self.agency,
            "role": self.get_role_display(),
        }

    FINAL_STATUSES = (Status.COMPLETED, Status.SUSPENDED)
    OPEN_STATUSES = (
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.LEADER_REVIEW,
        Status.COMPLETION_REQUESTED,
    )

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def natural_key(self) -> tuple[str, str, str]:
        return (self.task.plan.key, self.task.ref, self.agency.name)

    natural_key.dependencies = ["tasks_app.task", "agencies.agency"]


class Target(models.Model):
    """A numeric target of a plan or of one of its tasks (e.g. 建设20个概念验证中心)."""

    class Comparison(models.TextChoices):
        AT_LEAST = "at_least", _("不少于")
        ABOUT = "about", _("左右")
        EXCEEDING = "exceeding", _("超过")
        RANGE = "range", _("区间")

    plan = models.ForeignKey(
        Plan, verbose_name=_("规划方案"), on_delete=models.CASCADE, related_name="targets"
    )
    task = models.ForeignKey(
        Task,
        verbose_name=_("任务"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="targets",
    )
    ref = models.CharField(_("位置"), max_length=80)
    description = models.CharField(_("指标"), max_length=255)
    quantity = models.DecimalField(_("目标值"), max_digits=20, decimal_places=4)
    quantity_max = models.DecimalField(
        _("目标上限"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    unit = models.CharField(_("单位"), max_length=16, blank=True)
    comparison = models.CharField(
        _("比较方式"), max_length=16, choices=Comparison.choices, default=Comparison.AT_LEAST
    )
    year = models.PositiveSmallIntegerField(_("目标年度"), null=True, blank=True)
    items = models.JSONField(_("具体名单"), default=list, blank=True)
    phrase = models.CharField(_("原文"), max_length=255, blank=True)
    order = models.PositiveIntegerField(_("顺序"), default=0)

    objects = PlanPartManager()

    class Meta:
        verbose_name = _("量化指标")
        verbose_name_plural = pgettext_lazy("plural", "量化指标")
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "ref"], name="target_unique_ref"),
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="target_quantity_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(quantity_max__isnull=True) | Q(quantity_max__gte=models.F("quantity")),
                name="target_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.phrase or f"{self.quantity.normalize():f}{self.unit}{self.description}"

    def natural_key(self) -> tuple[str, str]:
        return (self.plan.key, self.ref)

    natural_key.dependencies = ["tasks_app.plan", "tasks_app.task"]
