"""Throttling per user (per address for anonymous calls such as the calendar feed).

Rates come from settings (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], from the environment) and are
read at request time, so that tests and deployments can change them without re-importing.
"""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class PerUserThrottle(UserRateThrottle):
    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class PerAddressThrottle(AnonRateThrottle):
    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
