"""Input cleaning shared by the organizations services (private to the package)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from ...audit.services import Actor
from ...errors import Forbidden, NotFound, ValidationFailed
from ...people import rules as people_rules
from ...regions.models import Region


def err(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed({field: [{"code": code, "message": message}]})


def require(actor: Actor, perm) -> None:
    """Forbidden unless the acting user's role grants ``perm``."""
    if actor.user is None or not actor.user.can(perm):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))


def text(value, field: str, label: str, limit: int, *, required: bool = False, multiline: bool = False) -> str:
    try:
        t = people_rules.clean_free_text(value if value is not None else "", multiline=multiline)
    except TypeError:
        raise err(field, f"{field}.format", _("%(label)s应填写文字") % {"label": label}) from None
    if required and not t:
        raise err(field, f"{field}.required", _("请填写%(label)s") % {"label": label})
    if len(t) > limit:
        raise err(field, f"{field}.too_long", _("%(label)s过长：最多 %(limit)s 个字") % {"label": label, "limit": limit})
    return t


def whole(value) -> int:
    """``value`` as an int when it is a whole number (``12``, ``"12"``, ``12.0``);
    ValueError otherwise — ``12.5`` (a JSON number) is refused, not cut to 12."""
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError(value)
    return int(value)


def not_future(day: date | None, field: str, label: str) -> date | None:
    """``day`` unless it is after today (``<field>.future``): a thing that happened."""
    if day is not None and day > timezone.localdate():
        raise err(field, f"{field}.future", _("%(label)s不能晚于今天") % {"label": label})
    return day


def as_date(value, field: str, label: str, *, required: bool = False) -> date | None:
    if value in (None, ""):
        if required:
            raise err(field, f"{field}.required", _("请填写%(label)s") % {"label": label})
        return None
    if isinstance(value, date):
        return value
    try:
        d = parse_date(str(value).strip())
    except ValueError:
        d = None
    if d is None:
        raise err(field, f"{field}.format", _("%(label)s格式错误：应为 YYYY-MM-DD，例如 2024-03-01") % {"label": label})
    return d


def money(value, field: str, label: str, *, required: bool = False, positive: bool = False) -> Decimal | None:
    """Yuan with at most two decimals (``12000``, ``12000.5``), not negative."""
    if value in (None, ""):
        if required:
            raise err(field, f"{field}.required", _("请填写%(label)s") % {"label": label})
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        d = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        d = None
    if d is None or not d.is_finite() or d < 0 or d >= Decimal("1e12") or d != d.quantize(Decimal("0.01")) or (
            positive and d == 0):
        raise err(field, f"{field}.format",
                  _("%(label)s应为不小于 0 的金额（元），最多两位小数") % {"label": label})
    return d.quantize(Decimal("0.01"))


def number(value, field: str, label: str, lo: Decimal, hi: Decimal, *, required: bool = True,
           places: int = 2) -> Decimal | None:
    """``value`` as a Decimal within ``lo``–``hi`` with at most ``places`` decimals
    (0: a whole number — ``2.7`` people is refused, not cut to 2); ``<field>.range`` /
    ``<field>.precision`` field errors."""
    if value in (None, ""):
        if required:
            raise err(field, f"{field}.required", _("请填写%(label)s") % {"label": label})
        return None
    try:
        d = Decimal(str(value).strip()) if not isinstance(value, bool) else None
    except (InvalidOperation, ValueError):
        d = None
    if d is None or not d.is_finite() or not lo <= d <= hi:
        raise err(field, f"{field}.range", _("%(label)s应在 %(lo)s 到 %(hi)s 之间") % {"label": label, "lo": lo, "hi": hi})
    if d != d.quantize(Decimal(1).scaleb(-places)):
        raise err(field, f"{field}.precision", _("%(label)s应为整数") % {"label": label} if places == 0 else
                  _("%(label)s最多 %(n)s 位小数") % {"label": label, "n": places})
    return d


def region_in_scope(actor: Actor, code, field: str = "region") -> Region:
    """The region ``code`` inside the acting user's subtree; 422 when missing, NotFound
    (404) when unknown or outside the scope."""
    code = str(code or "").strip()
    if not code:
        raise err(field, f"{field}.required", _("请选择区划"))
    user = actor.user
    if not code.isdigit() or (user is not None and not code.startswith(user.scope_code)):
        raise NotFound("region.not_found")
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise NotFound("region.not_found")
    return region
