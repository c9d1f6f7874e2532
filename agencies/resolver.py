"""Resolving the names documents use for agencies (全称、简称、别名) to one agency."""

import difflib
import re
import unicodedata

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .models import Agency, AgencyAlias

_SPACE = re.compile(r"\s+")

DISTRICTED_CITY_NAMES = (
    "南京市人民政府",
    "无锡市人民政府",
    "徐州市人民政府",
    "常州市人民政府",
    "苏州市人民政府",
    "南通市人民政府",
    "连云港市人民政府",
    "淮安市人民政府",
    "盐城市人民政府",
    "扬州市人民政府",
    "镇江市人民政府",
    "泰州市人民政府",
    "宿迁市人民政府",
)


def normalize_name(name: str) -> str:
    """The form names are compared in: NFKC (full-width brackets become ASCII), no whitespace."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", name))


class AgencyResolver:
    """Maps every known name of every agency to the agency, loaded in two queries."""

    def __init__(self, agencies: list[Agency], aliases: list[AgencyAlias]) -> None:
        by_id = {agency.pk: agency for agency in agencies}
        self._names: dict[str, Agency] = {}
        for agency in agencies:
            self._names[normalize_name(agency.name)] = agency
        for agency in agencies:
            if agency.short_name:
                self._names.setdefault(normalize_name(agency.short_name), agency)
        for alias in aliases:
            self._names[normalize_name(alias.name)] = by_id[alias.agency_id]

    @classmethod
    def load(cls) -> "AgencyResolver":
        return cls(list(Agency.objects.all()), list(AgencyAlias.objects.all()))

    def resolve(self, name: str) -> Agency | None:
        """The agency called `name`, or None when no agency goes by that name."""
        return self._names.get(normalize_name(name))

    def add(self, agency: Agency) -> None:
        """Make a newly created agency resolvable without reloading."""
        self._names[normalize_name(agency.name)] = agency
        if agency.short_name:
            self._names.setdefault(normalize_name(agency.short_name), agency)

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """The closest known names, for a helpful error message."""
        matches = difflib.get_close_matches(normalize_name(name), self._names, n=n * 3, cutoff=0.4)
        suggestions: list[str] = []
        for match in matches:
            label = str(self._names[match])
            if label not in suggestions:
                suggestions.append(label)
        return suggestions[:n]


def districted_cities() -> list[Agency]:
    """The 13 districted cities' governments (各设区市), in the official order."""
    cities = {a.name: a for a in Agency.objects.filter(name__in=DISTRICTED_CITY_NAMES)}
    missing = [name for name in DISTRICTED_CITY_NAMES if name not in cities]
    if missing:
        names = pgettext("list separator", "、").join(missing)
        raise Agency.DoesNotExist(_("缺少设区市单位：%(names)s") % {"names": names})
    return [cities[name] for name in DISTRICTED_CITY_NAMES]
