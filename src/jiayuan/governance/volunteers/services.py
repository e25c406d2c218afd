"""Writes of volunteers (``manage_activities``): teams, real-name registration, service
records, their confirmation, records of service; and the audited read of a volunteer's
records (personal information). One transaction each, audited."""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ... import security
from ...accounts.permissions import Perm
from ...audit.services import Actor, record
from ...errors import Conflict, Forbidden, NotFound, ValidationFailed
from ...people.rules import N_, RuleError
from ...people.selectors import persons_for
from ..activities import rules
from ..models import ServiceCertificate, ServiceRecord, Volunteer, VolunteerTeam
from . import selectors


def _require(actor: Actor) -> None:
    if not actor.user.can(Perm.MANAGE_ACTIVITIES):
        raise Forbidden("permission_denied", _("您的角色不能登记活动和志愿服务"))


def _one(field, code, template, params=None):
    return ValidationFailed.from_rule_errors([RuleError(code, template, params, field=field)])


@transaction.atomic
def create_team(actor: Actor, region, name: str, organization=None) -> VolunteerTeam:
    """A volunteer team based in a region of the actor's scope (a community, a street…)."""
    _require(actor)
    if region is None or not region.code.startswith(actor.user.scope_code):
        raise _one("region", "team.region", N_("请选择您管辖范围内的区域"))
    name = (name or "").strip()[:100]
    if not name:
        raise _one("name", "team.name", N_("请填写队伍名称"))
    if VolunteerTeam.objects.filter(region=region, name=name).exists():
        raise Conflict("team.exists", _("已有同名的志愿服务队"))
    team = VolunteerTeam.objects.create(name=name, region=region, organization=organization, created_at=timezone.now())
    record(actor, "volunteer_team.create", team, region_code=region.code)
    return team


@transaction.atomic
def register_volunteer(actor: Actor, team: VolunteerTeam, id_number: str, *, registered_on: date | None = None,
                       skills: str = "") -> Volunteer:
    """Register by real name (志愿服务条例 art. 17): the person is found in the registry
    by resident ID number, within the actor's scope; one registration per team."""
    _require(actor)
    value = (id_number or "").strip().upper()
    person = persons_for(actor.user).filter(id_number_hash=security.lookup_hash("id_number", value)).first() \
        if value else None
    if person is None:
        raise _one("id_number", "volunteer.person", N_("居民库中没有此身份证号码的居民：志愿者须实名注册，请先登记居民信息"))
    if Volunteer.objects.filter(person=person, team=team).exists():
        raise Conflict("volunteer.exists", _("此居民已在本队注册"))
    registered_on = registered_on or timezone.localdate()
    if registered_on > timezone.localdate():
        raise _one("registered_on", "volunteer.registered_on", N_("注册日期不能晚于今天"))
    v = Volunteer.objects.create(person=person, team=team, registered_on=registered_on, registered_by=actor.user,
                                 skills=(skills or "").strip()[:100])
    record(actor, "volunteer.register", v, region_code=team.region_id)
    return v


@transaction.atomic
def record_service(actor: Actor, volunteer: Volunteer, *, served_on: date | None, content: str, hours,
                   evaluation: str, activity=None) -> ServiceRecord:
    """Record one service truthfully (志愿服务条例 art. 19; :func:`rules.check_service`);
    counted once someone else confirms it (:func:`confirm_service`)."""
    _require(actor)
    if not volunteer.team.region_id.startswith(actor.user.scope_code):
        raise NotFound("volunteer.not_found")
    errors = rules.check_service(served_on=served_on, today=timezone.localdate(), content=content, hours=hours,
                                 evaluation=evaluation, evaluations=ServiceRecord.Evaluation.values)
    if not volunteer.active:
        errors.append(RuleError("service.volunteer", N_("该志愿者已不在册"), field="volunteer"))
    if activity is not None and served_on is not None and activity.held_on != served_on:
        errors.append(RuleError("service.activity_day", N_("服务日期应与活动日期（%(d)s）一致"),
                                {"d": activity.held_on.isoformat()}, field="served_on"))
    if errors:
        raise ValidationFailed.from_rule_errors(errors)
    r = ServiceRecord.objects.create(volunteer=volunteer, activity=activity, served_on=served_on,
                                     content=content.strip()[:200], hours=rules.parse_hours(hours),
                                     evaluation=evaluation, recorded_by=actor.user, recorded_at=timezone.now())
    record(actor, "volunteer.service", r, region_code=volunteer.team.region_id, extra={"hours": str(r.hours)})
    return r


@transaction.atomic
def confirm_service(actor: Actor, service: ServiceRecord) -> ServiceRecord:
    """The organizer confirms a service record: someone other than the recorder (also
    a database check), once."""
    _require(actor)
    service = ServiceRecord.objects.select_for_update().select_related("volunteer__team").get(pk=service.pk)
    if not service.volunteer.team.region_id.startswith(actor.user.scope_code):
        raise NotFound("service_record.not_found")
    if service.confirmed_at is not None:
        raise Conflict("service.confirmed", _("该记录已确认"))
    if service.recorded_by_id == actor.user.pk:
        raise Forbidden("service.four_eyes", _("服务记录须由登记人以外的组织者确认"))
    service.confirmed_by, service.confirmed_at = actor.user, timezone.now()
    service.save(update_fields=["confirmed_by", "confirmed_at"])
    record(actor, "volunteer.confirm", service, region_code=service.volunteer.team.region_id)
    return service


@dataclass
class VolunteerFile:
    volunteer: Volunteer
    records: list
    hours: object
    count: int
    certificates: list


def read_volunteer(actor: Actor, volunteer: Volunteer) -> VolunteerFile:
    """A volunteer's service records, confirmed hours and records of service (read
    through :func:`selectors.get_volunteer`). Personal information: audit
    ``volunteer.view`` on every read."""
    hours, count = selectors.confirmed_hours(volunteer)
    with transaction.atomic():
        record(actor, "volunteer.view", volunteer, region_code=volunteer.team.region_id)
    return VolunteerFile(volunteer, list(selectors.records_of(volunteer)), hours, count,
                         list(selectors.certificates_of(volunteer)))


@transaction.atomic
def issue_certificate(actor: Actor, volunteer: Volunteer) -> ServiceCertificate:
    """Issue a record of service (志愿服务记录证明) on the volunteer's request: the
    confirmed hours and services up to today, kept as issued."""
    _require(actor)
    if not volunteer.team.region_id.startswith(actor.user.scope_code):
        raise NotFound("volunteer.not_found")
    today = timezone.localdate()
    hours, count = selectors.confirmed_hours(volunteer, today)
    if count == 0:
        raise Conflict("certificate.empty", _("尚无已确认的服务记录，不能出具证明"))
    days = (ServiceRecord.objects.filter(volunteer=volunteer, confirmed_at__isnull=False, served_on__lte=today)
            .order_by("served_on").values_list("served_on", flat=True))
    cert = ServiceCertificate.objects.create(volunteer=volunteer, number=f"tmp-{timezone.now().timestamp()}",
                                             issued_on=today, issued_by=actor.user, first_served_on=days.first(),
                                             last_served_on=days.last(), records=count, hours=hours)
    cert.number = rules.certificate_number(volunteer.team.region_id, today.year, cert.pk)
    cert.save(update_fields=["number"])
    record(actor, "volunteer.certificate", cert, region_code=volunteer.team.region_id,
           extra={"hours": str(hours), "records": count})
    return cert


def read_certificate(actor: Actor, cert: ServiceCertificate) -> ServiceCertificate:
    """The certificate to print (read through :func:`selectors.get_certificate`); audit
    ``volunteer.certificate_view``."""
    with transaction.atomic():
        record(actor, "volunteer.certificate_view", cert, region_code=cert.volunteer.team.region_id)
    return cert


def export_services(actor: Actor, region, start: date, end: date) -> tuple[bytes, str, str, int]:
    """The service records of volunteers of teams in ``region`` (a Region in scope),
    served ``start``–``end``, confirmed or waiting, as a workbook (no ID numbers):
    ``(bytes, Chinese file name, ASCII fallback, rows)``. Needs ``export`` and
    ``manage_activities``; audited ``volunteer.export`` (personal information) with the
    filters and the row count."""
    from .. import exports

    _require(actor)
    if not actor.user.can(Perm.EXPORT):
        raise Forbidden("permission_denied", _("您的角色不能导出数据"))
    qs = (selectors.records_in(actor.user).filter(volunteer__team__region__code__startswith=region.code,
                                                  served_on__range=(start, end)).order_by("served_on", "id"))
    data, name, fallback, n = exports.period_workbook("志愿服务记录", "volunteer-services", region, start, end,
                                                      actor.user, exports.SERVICE_HEADERS, exports.service_rows(qs),
                                                      text={3})
    with transaction.atomic():
        record(actor, "volunteer.export", None, region_code=region.code,
               extra={"rows": n, "filters": {"region": region.code, "start": start.isoformat(), "end": end.isoformat()}})
    return data, name, fallback, n
