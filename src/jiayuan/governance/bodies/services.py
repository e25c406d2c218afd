"""Writes of self-governance bodies and compacts (``manage_bodies``; filing by the
township). One transaction each, audited."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...accounts.permissions import Perm, acting_roles
from ...audit.services import Actor, record
from ...errors import Conflict, Forbidden, ValidationFailed
from ...people.rules import N_, RuleError
from ..models import BodyElection, BodyKind, BodyMember, Compact, CompactVersion, SelfGovernanceBody
from . import rules


def _one(field, code, template, params=None):
    return ValidationFailed.from_rule_errors([RuleError(code, template, params, field=field)])


def _require(actor: Actor) -> None:
    if not actor.user.can(Perm.MANAGE_BODIES):
        raise Forbidden("permission_denied", _("您的角色不能登记自治组织"))


@transaction.atomic
def create_body(actor: Actor, region, kind: BodyKind, *, name: str, established_on: date | None = None,
                term_start: date | None = None, term_end: date | None = None) -> SelfGovernanceBody:
    """Register a body of ``kind`` for a community or village in the actor's scope (one
    live body per kind and community)."""
    _require(actor)
    if region.level != "village" or not region.code.startswith(actor.user.scope_code):
        raise _one("region", "body.region", N_("请选择您管辖范围内的社区（村）"))
    if SelfGovernanceBody.objects.filter(region=region, kind=kind, active=True).exists():
        raise Conflict("body.exists", _("该社区（村）已登记此类组织"))
    body = SelfGovernanceBody.objects.create(kind=kind, region=region,
                                             name=(name or "").strip()[:100] or f"{region.name}{kind.name}",
                                             established_on=established_on, term_start=term_start, term_end=term_end)
    record(actor, "body.create", body, region_code=region.code)
    return body


@transaction.atomic
def create_compact(actor: Actor, region, kind: str, title: str) -> Compact:
    _require(actor)
    if region.level != "village" or not region.code.startswith(actor.user.scope_code):
        raise _one("region", "compact.region", N_("请选择您管辖范围内的社区（村）"))
    if kind not in Compact.Kind.values:
        raise _one("kind", "compact.kind", N_("请选择公约类别"))
    if Compact.objects.filter(region=region, kind=kind).exists():
        raise Conflict("compact.exists", _("该社区（村）已有此类公约，请增加新版本"))
    c = Compact.objects.create(region=region, kind=kind, created_at=timezone.now(),
                               title=(title or "").strip()[:100] or f"{region.name}{Compact.Kind(kind).label}")
    record(actor, "compact.create", c, region_code=region.code)
    return c


@transaction.atomic
def add_version(actor: Actor, compact: Compact, *, text: str, adopted_by: str, adopted_on: date | None) -> CompactVersion:
    """A new version adopted by a meeting (:func:`rules.check_version`); it is the
    current text from then on (shown on the community's public page)."""
    _require(actor)
    compact = Compact.objects.select_for_update().get(pk=compact.pk)
    last = CompactVersion.objects.filter(compact=compact).order_by("-number").first()
    errors = rules.check_version(compact.kind, text=text, adopted_by=adopted_by, adopted_on=adopted_on,
                                 today=timezone.localdate(), previous_adopted_on=last.adopted_on if last else None)
    if errors:
        raise ValidationFailed.from_rule_errors(errors)
    v = CompactVersion.objects.create(compact=compact, number=(last.number + 1) if last else 1, text=text.strip(),
                                      adopted_by=adopted_by, adopted_on=adopted_on, recorded_by=actor.user,
                                      recorded_at=timezone.now())
    record(actor, "compact.version", v, region_code=compact.region_id, extra={"number": v.number})
    return v


@transaction.atomic
def file_version(actor: Actor, version: CompactVersion, filed_on: date | None = None) -> CompactVersion:
    """The township records the filing (备案) of a version (a township officer over the
    community)."""
    user = actor.user
    if not (user.is_superuser or "township_officer" in acting_roles(user.role)):
        raise Forbidden("permission_denied", _("公约由乡镇（街道）备案"))
    filed_on = filed_on or timezone.localdate()
    if filed_on > timezone.localdate() or filed_on < version.adopted_on:
        raise _one("filed_on", "compact.filed_on", N_("备案日期须在通过日期之后、今天之前"))
    version = CompactVersion.objects.select_for_update().get(pk=version.pk)
    if version.filed_on is not None:
        raise Conflict("compact.filed", _("该版本已备案"))
    version.filed_on, version.filed_by = filed_on, user
    version.save(update_fields=["filed_on", "filed_by"])
    record(actor, "compact.file", version, region_code=version.compact.region_id)
    return version


@transaction.atomic
def record_election(actor: Actor, body: SelfGovernanceBody, *, held_on: date | None, method: str,
                    eligible: int | None, cast: int | None, elected: list[tuple[str, str, int]]) -> BodyElection:
    """Record an election (换届选举) of a residents' or villagers' committee in the actor's
    scope (``manage_bodies``), checked by :func:`rules.check_election`. The members of
    the previous term leave office the day before (``active`` false, ``term_end`` set),
    the elected become the members with their votes, and the body's term is the
    election's (five years, :func:`rules.term_end`). Raises ValidationFailed, Forbidden."""
    _require(actor)
    body = SelfGovernanceBody.objects.select_for_update().select_related("kind").get(pk=body.pk)
    if not body.region_id.startswith(actor.user.scope_code):
        raise _one("body", "body.region", N_("请选择您管辖范围内的社区（村）"))
    errors = rules.check_election(body.kind.code, min_members=body.kind.min_members, max_members=body.kind.max_members,
                                  method=method, eligible=eligible, cast=cast, elected=elected, held_on=held_on,
                                  today=timezone.localdate())
    if errors:
        raise ValidationFailed.from_rule_errors(errors)
    if BodyElection.objects.filter(body=body, held_on__gte=held_on).exists():
        raise _one("held_on", "election.order", N_("已有同日或更晚的选举记录"))
    end = rules.term_end(held_on)
    election = BodyElection.objects.create(body=body, held_on=held_on, method=method, eligible=eligible, cast=cast,
                                           term_start=held_on, term_end=end, recorded_by=actor.user,
                                           recorded_at=timezone.now())
    from datetime import timedelta

    BodyMember.objects.filter(body=body, active=True).update(active=False, term_end=held_on - timedelta(days=1))
    BodyMember.objects.bulk_create([BodyMember(body=body, name=name, role=role, votes=votes, election=election,
                                               term_start=held_on, term_end=end) for name, role, votes in elected])
    body.term_start, body.term_end = held_on, end
    body.save(update_fields=["term_start", "term_end"])
    record(actor, "body.election", election, region_code=body.region_id,
           extra={"eligible": eligible, "cast": cast, "elected": len(elected)})
    return election


def load_body_kinds() -> int:
    """Load the shipped kinds of bodies (:data:`rules.SHIPPED_KINDS`) idempotently — for
    commands (``demo-setup``) on a database whose seeded rows were flushed; never called
    on a page. Returns the number of kinds."""
    with transaction.atomic():
        for code, name, lo, hi, basis, order in rules.SHIPPED_KINDS:
            BodyKind.objects.get_or_create(code=code, defaults={"name": name, "min_members": lo, "max_members": hi,
                                                                "legal_basis": basis, "order": order})
    return len(rules.SHIPPED_KINDS)
