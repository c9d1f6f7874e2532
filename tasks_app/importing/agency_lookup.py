"""Every agency name a parsed plan uses, resolved before anything is written."""

import re

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from agencies.models import Agency
from agencies.resolver import AgencyResolver, districted_cities

from .errors import PlanImportError
from .types import ParsedPlan

_PROVINCIAL = re.compile(r"^(?:江苏省|省|中共江苏省)")
_CITY = re.compile(r"^[\u4e00-\u9fff]{2,4}市")
_DISTRICT = re.compile(r"^[\u4e00-\u9fff]{2,6}[区县]")


def plan_agency_names(parsed: ParsedPlan, *, coordinator_name: str | None) -> list[str]:
    """Issuers, coordinator and every responsible body, each once, in the order they appear."""
    names = [*parsed.issuer_names]
    if coordinator_name:
        names.append(coordinator_name)
    names.extend(r.name for task in parsed.tasks for r in task.responsibilities)
    return list(dict.fromkeys(names))


def agencies_resolve(
    parsed: ParsedPlan, *, coordinator_name: str | None, create: bool
) -> tuple[dict[str, Agency], list[str]]:
    """{name as written: agency}, and the names created (unverified) when `create` is set.

    Raises PlanImportError naming every unknown body with the closest known ones, unless
    `create`: then each becomes a new agency with verified=False for an administrator to
    review or merge.
    """
    resolver = AgencyResolver.load()
    names = plan_agency_names(parsed, coordinator_name=coordinator_name)
    resolved = {name: resolver.resolve(name) for name in names}
    unknown = [name for name, agency in resolved.items() if agency is None]
    if unknown and not create:
        suggestions = {name: resolver.suggest(name) for name in unknown}
        raise PlanImportError(_unknown_message(suggestions), unknown_agencies=suggestions)
    for name in unknown:
        agency = Agency.objects.create(
            name=name[:120],
            kind=_guess_kind(name, plan_level=parsed.level),
            level=_guess_level(name, plan_level=parsed.level),
            verified=False,
        )
        resolver.add(agency)
        resolved[name] = agency
    return resolved, unknown


def cities_for_cascade(parsed: ParsedPlan) -> list[Agency]:
    """The 13 districted cities when some task cascades to them (各设区市), else none."""
    if not any(task.cascade_to_cities for task in parsed.tasks):
        return []
    try:
        return districted_cities()
    except Agency.DoesNotExist as error:
        raise PlanImportError(_("无法落实“各设区市”：%(error)s") % {"error": error}) from None


def _unknown_message(suggestions: dict[str, list[str]]) -> str:
    parts = []
    for name, close in suggestions.items():
        if close:
            closest = pgettext("list separator", "、").join(close)
            parts.append(_("%(name)s（最接近：%(closest)s）") % {"name": name, "closest": closest})
        else:
            parts.append(_("%(name)s（无相近单位）") % {"name": name})
    return _(
        "未能识别的单位：%(names)s。"
        "请在管理后台补充该单位或其别名后重新导入，或选择自动创建（标记为“未核实”）。"
    ) % {"names": pgettext("list separator", "；").join(parts)}


def _guess_level(name: str, *, plan_level: str) -> str:
    if _PROVINCIAL.match(name):
        return Agency.Level.PROVINCE
    if _CITY.match(name):
        return Agency.Level.CITY
    if _DISTRICT.match(name):
        return Agency.Level.DISTRICT
    return Agency.Level.CITY if plan_level == "city" else Agency.Level.PROVINCE


def _guess_kind(name: str, *, plan_level: str) -> str:
    if name.endswith(("集团", "公司")):
        return Agency.Kind.ENTERPRISE
    if name.endswith(("研究院", "研究所", "实验室")):
        return Agency.Kind.INSTITUTE
    if name.endswith(("成员单位", "领导小组", "联席会议")):
        return Agency.Kind.GROUP
    if name.endswith(("人民政府", "管委会", "管理委员会")):
        level = _guess_level(name, plan_level=plan_level)
        governments = {
            Agency.Level.PROVINCE: Agency.Kind.GOVERNMENT,
            Agency.Level.CITY: Agency.Kind.CITY_GOVERNMENT,
        }
        return governments.get(level, Agency.Kind.DISTRICT_GOVERNMENT)
    return Agency.Kind.DEPARTMENT
