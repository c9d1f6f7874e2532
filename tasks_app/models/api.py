"""Credentials for other systems: per-user API tokens and private calendar-feed tokens.

Only a SHA-256 digest of each secret is stored; the secret itself is shown once, when the token
is made (tasks_app.api.tokens). Revoking keeps the row (who had access, until when) and ends its
use at once.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AccessToken(models.Model):
    """A revocable secret that stands for one user: in an API request, or in a calendar URL."""

    class Kind(models.TextChoices):
        API = "api", _("API 令牌")
        CALENDAR = "calendar", _("日历订阅")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="access_tokens",
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100, blank=True)
    key_digest = models.CharField(_("密钥摘要(SHA-256)"), max_length=64, unique=True)
    prefix = models.CharField(_("密钥前缀"), max_length=12)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("访问令牌")
        verbose_name_plural = pgettext_lazy("plural", "访问令牌")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "kind"], name="access_token_user_kind")]
        constraints = [
            # A user has at most one live calendar URL: making a new one revokes the old.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(kind="calendar", revoked_at__isnull=True),
                name="access_token_one_live_calendar",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.prefix}…"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
