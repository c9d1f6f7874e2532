"""Agencies with their other names and their place in the hierarchy."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from agencies.models import Agency, User

from .common import AgencyRefSerializer


class AgencySerializer(serializers.ModelSerializer):
    aliases = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="name", label=_("别名")
    )
    parent = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Agency
        fields = ["id", "name", "short_name", "kind", "level", "parent", "verified", "aliases"]
        read_only_fields = fields


class MeSerializer(serializers.Serializer):
    """The calling user: who they are and in which capacity the service treats them."""

    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=User.Role.choices)
    agency = AgencyRefSerializer(allow_null=True)
    is_administrator = serializers.BooleanField()
    is_coordinator = serializers.BooleanField()
