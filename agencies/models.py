"""Agencies (the bodies that plans name), their many names, their reminder desks, and users."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AgencyManager(models.Manager):
    def get_by_natural_key(self, name: str) -> "Agency":
        return self.get(name=name)


class Agency(models.Model):
    """A body that can be responsible for a task: a department, a government, a group, …"""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("省级人民政府")
        DEPARTMENT = "department", _("部门")
        CITY_GOVERNMENT = "city_government", _("设区市人民政府")
        DISTRICT_GOVERNMENT = "district_government", _("县（市、区）人民政府")
        GROUP = "group", _("协调机制或工作机构")
        CENTRAL_BRANCH = "central_branch", _("中央驻苏单位")
        ENTERPRISE = "enterprise", _("企业")
        INSTITUTE = "institute", _("科研机构")

    class Level(models.TextChoices):
        PROVINCE = "province", _("省级")
        CITY = "city", _("设区市级")
        DISTRICT = "district", _("县（市、区）级")

    name = models.CharField(_("规范名称"), max_length=120, unique=True)
    short_name = models.CharField(_("简称"), max_length=60, blank=True)
    kind = models.CharField(_("类型"), max_length=32, choices=Kind.choices)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    verified = models.BooleanField(
        _("已核实"),
        default=True,
        help_text=_("导入时自动创建的单位为“未核实”，需管理员核实或合并到已有单位。"),
    )
    order = models.PositiveIntegerField(_("排序"), default=0)

    objects = AgencyManager()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = pgettext_lazy("plural", "单位")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.short_name or self.name

    def natural_key(self) -> tuple[str]:
        return (self.name,)


class AgencyAliasManager(models.Manager):
    def get_by_natural_key(self, name: str) -> "AgencyAlias":
        return self.get(name=name)


class AgencyAlias(models.Model):
    """Another name an agency goes by. Every name resolves to exactly one agency."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="aliases"
    )
    name = models.CharField(_("别名"), max_length=120, unique=True)

    objects = AgencyAliasManager()

    class Meta:
        verbose_name = _("单位别名")
        verbose_name_plural = pgettext_lazy("plural", "单位别名")
        ordering = ["agency", "id"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.name,)

    natural_key.dependencies = ["agencies.agency"]


class ReminderContact(models.Model):
    """An address that receives an agency's reminders (the agency's 督办 desk)."""

    agency = models.ForeignKey(
        Agency,
        verbose_name=_("单位"),
        on_delete=models.CASCADE,
        related_name="reminder_contacts",
    )
    name = models.CharField(_("联系人"), max_length=60, blank=True)
    email = models.EmailField(_("电子邮箱"))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("催办联系人")
        verbose_name_plural = pgettext_lazy("plural", "催办联系人")
        constraints = [
            models.UniqueConstraint(
                "agency", Lower("email"), name="reminder_contact_unique_email_per_agency"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


class User(AbstractUser):
    """A person using the service, belonging to one agency, with one role in it."""

    class Role(models.TextChoices):
        STAFF = "staff", _("经办人")
        LEADER = "leader", _("分管领导")
        COORDINATOR = "coordinator", _("督办员")

    agency = models.ForeignKey(
        Agency,
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.STAFF)

    objects = UserManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")
        verbose_name_plural = pgettext_lazy("plural", "用户")
        swappable = "AUTH_USER_MODEL"
