"""Writes of activities (``manage_activities``): one transaction each, audited."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...accounts.permissions import Perm
from ...audit.services import Actor, record
from ...errors import Forbidden, ValidationFailed
from ...people.rules import N_, RuleError
from ..models import Activity, ActivityKind
from . import rules


def _require(actor: Actor) -> None:
    if not actor.user.can(Perm.MANAGE_ACTIVITIES):
        raise Forbidden("permission_denied", _("您的角色不能登记活动和志愿服务"))


@transaction.atomic
def create_activity(actor: Actor, region, kind, *, title: str, held_on, organizer_name: str,
                    organizer_kind: str = "community", facility=None, place: str = "", speakers: str = "",
                    participant_count: int | None = 0, participants=()) -> Activity:
    """Record an activity held in a community or village of the actor's scope
    (:func:`rules.check_activity`); ``facility`` a service facility of that community
    where it was held there; ``participants`` registry persons in scope (named)."""
    _require(actor)
    if region is None or region.level != "village" or not region.code.startswith(actor.user.scope_code):
        raise ValidationFailed.from_rule_errors([RuleError("activity.region", N_("请选择您管辖范围内的社区（村）"),
                                                           field="region")])
    participants = list(participants)
    errors = rules.check_activity(title=title, held_on=held_on, today=timezone.localdate(),
                                  organizer_name=organizer_name, participant_count=participant_count,
                                  named=len(participants))
    if facility is not None and facility.region_id != region.code:
        errors.append(RuleError("activity.facility", N_("活动场所须是本社区（村）的设施"), field="facility"))
    if organizer_kind not in Activity.Organizer.values:
        errors.append(RuleError("activity.organizer_kind", N_("请选择主办方类别"), field="organizer_kind"))
    if errors:
        raise ValidationFailed.from_rule_errors(errors)
    a = Activity.objects.create(kind=kind, region=region, title=title.strip()[:100], held_on=held_on, facility=facility,
                                place=(place or "").strip()[:100], organizer_kind=organizer_kind,
                                organizer_name=organizer_name.strip()[:100], speakers=(speakers or "").strip()[:200],
                                participant_count=participant_count, recorded_by=actor.user,
                                recorded_at=timezone.now())
    if participants:
        a.participants.set(participants)
    record(actor, "activity.create", a, region_code=region.code, extra={"named": len(participants)})
    return a


def load_activity_kinds() -> int:
    """Load the shipped kinds of activities (:data:`rules.SHIPPED_KINDS`) idempotently —
    for commands (``demo-setup``) on a database whose seeded rows were flushed; never
    called on a page."""
    with transaction.atomic():
        for i, (code, name) in enumerate(rules.SHIPPED_KINDS):
            ActivityKind.objects.get_or_create(code=code, defaults={"name": name, "order": i})
    return len(rules.SHIPPED_KINDS)
