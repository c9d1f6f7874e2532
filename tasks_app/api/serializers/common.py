"""Small shapes shared by the others: agency and person references, the error shape."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.models import Agency, User


class AgencyRefSerializer(serializers.Serializer):
    """An agency named inside another record."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    short_name = serializers.CharField(read_only=True)

    def to_representation(self, agency: Agency) -> dict:
        # Hot path (every responsibility of every task page): skip per-field machinery.
        return {"id": agency.pk, "name": agency.name, "short_name": agency.short_name}


def person_name(user: User | None) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.username


@extend_schema_field({"type": "string", "nullable": True, "readOnly": True})
class PersonField(serializers.Field):
    """A user as a display name (or null)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, user: User | None) -> str | None:
        return person_name(user)


class ErrorSerializer(serializers.Serializer):
    """Every error response: a machine code, a message for people, problems by input field."""

    code = serializers.CharField(
        help_text=_("机器可读的错误代码，如 transition_not_allowed、stale。")
    )
    message = serializers.CharField(
        help_text=_("给人看的说明（按 Accept-Language，默认简体中文）。")
    )
    field_errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("各输入字段的问题；嵌套字段用点号路径，如 target_values.0.value。"),
    )


class EditSerializer(serializers.Serializer):
    """The input of a PATCH: only the fields it declares may be sent (all optional: only those
    sent change); any other is refused by name, not silently ignored."""

    def validate(self, attrs: dict) -> dict:
        extra = set(getattr(self, "initial_data", {}) or {}) - set(self.fields)
        if extra:
            raise serializers.ValidationError(
                {name: [_("该字段不能修改。")] for name in sorted(extra)}
            )
        return attrs
