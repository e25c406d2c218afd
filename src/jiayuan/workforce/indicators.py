"""Rules of the workforce indicators (issue 16; definitions in
:mod:`jiayuan.stats.definitions`), from the attendance of training sessions
(:func:`jiayuan.workforce.selectors.attendance`: sessions that started in the period,
attendances marked ``attended``, attributed to the region of each participant — a
community worker's community, a social worker's registration region — the same figures
as the workforce summary page). Participants are community workers and social workers of
the registry; persons are told apart by the person id (``person_key``), so a person
enrolled as both counts once:

- ``workforce.cadres_trained``: distinct persons who attended a community cadre training
  (``TrainingSession.Kind.CADRE_TRAINING``); one person trained twice counts once.
- ``workforce.exam_classes``: exam-preparation classes for the social-work qualification
  (``Kind.EXAM_PREPARATION``) attended by trainees of the region.
- ``workforce.exam_trainees``: the persons who attended each of those classes, summed
  over the classes (参训人数合计: a person in two classes counts in each, once per class).

And the staffing of the urban communities (national indicator: at least 18):

- ``workforce.staffing_per_10k``: community workers in post at the end of the period in
  the region's urban communities (居委会; villages are left out) × 10,000 ÷ the alive
  persons of the registry living in those communities, one decimal half up
  (:func:`jiayuan.workforce.rules.per_10k`); ``None`` without residents. Workers are
  taken as at the period's end (started by then and not left by then); the registry
  keeps no history of residents, so the denominator is today's. For the current period
  it equals the figure of the workforce summary page.
"""

from __future__ import annotations

from django.db.models import Count, Min
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..accounts.permissions import Perm
from ..stats.registry import Column, Rows, grouped, rule
from . import rules, selectors
from .models import TrainingSession

CADRE, EXAM = TrainingSession.Kind.CADRE_TRAINING, TrainingSession.Kind.EXAM_PREPARATION


def _attended(code: str, period, kind: str):
    return selectors.attendance(code, period.start, period.end).filter(session__kind=kind)


def _in_scope(user, qs):
    scope = user.scope_code
    return qs.filter(unit_code__startswith=scope) if scope else qs


def _link(p) -> str:
    if p.worker_id:
        return reverse("workforce:worker_detail", args=[p.worker_id])
    return reverse("workforce:social_worker_detail", args=[p.social_worker_id])


def _role(p) -> str:
    return str(_("社区工作者")) if p.worker_id else str(_("社会工作者"))


PARTICIPANT = ("worker__person", "worker__community", "social_worker__person", "social_worker__region", "session")


def cadre_rows(user, region, period) -> Rows | None:
    """One row per trained person (their first cadre-training attendance of the period)."""
    if not user.can(Perm.VIEW_WORKFORCE):
        return None
    first = _attended(region.code, period, CADRE).values("person_key").annotate(first=Min("id")).values("first")
    qs = (_in_scope(user, selectors.participants().filter(pk__in=first)).select_related(*PARTICIPANT)
          .order_by("unit_code", "worker__person__name", "social_worker__person__name", "id"))
    return Rows(qs, [Column(_("姓名"), "person.name"), Column(_("社区"), "unit.name"), Column(_("身份"), _role)],
                link=_link)


def class_rows(user, region, period) -> Rows | None:
    """The exam-preparation classes attended by trainees of the region."""
    if not user.can(Perm.VIEW_WORKFORCE):
        return None
    ids = _attended(region.code, period, EXAM).values("session_id")
    qs = selectors.sessions_for(user).filter(pk__in=ids).order_by("starts_on", "id")
    return Rows(qs, [Column(_("培训名称"), "title"), Column(_("开始日期"), "starts_on"),
                     Column(_("参训人数"), "attended_count")],
                link=lambda s: reverse("workforce:training_detail", args=[s.pk]))


def trainee_rows(user, region, period) -> Rows | None:
    """One row per person attending an exam-preparation class, per class, of the region."""
    if not user.can(Perm.VIEW_WORKFORCE):
        return None
    first = _attended(region.code, period, EXAM).values("seat").annotate(first=Min("id")).values("first")
    qs = (_in_scope(user, selectors.participants().filter(pk__in=first)).select_related(*PARTICIPANT)
          .order_by("session__starts_on", "session_id", "worker__person__name", "social_worker__person__name", "id"))
    return Rows(qs, [Column(_("姓名"), "person.name"), Column(_("社区"), "unit.name"),
                     Column(_("培训班"), "session.title")],
                link=lambda p: reverse("workforce:training_detail", args=[p.session_id]))


def _by_child(kind: str, aggregate):
    def by_child(region, period, children) -> dict:
        """One query: the attendances grouped by the child of the participant's unit."""
        got = grouped(_attended(region.code, period, kind), "unit_code", children, n=aggregate)
        return {c.code: got.get(c.code, {}).get("n", 0) for c in children}
    return by_child


@rule("workforce.cadres_trained", rows=cadre_rows,
      by_child=_by_child(CADRE, Count("person_key", distinct=True)), deep=True)
def cadres_trained(region, period) -> int:
    return _attended(region.code, period, CADRE).values("person_key").distinct().count()


@rule("workforce.exam_classes", rows=class_rows, by_child=_by_child(EXAM, Count("session_id", distinct=True)), deep=True)
def exam_classes(region, period) -> int:
    return _attended(region.code, period, EXAM).values("session_id").distinct().count()


@rule("workforce.exam_trainees", rows=trainee_rows, by_child=_by_child(EXAM, Count("seat", distinct=True)), deep=True)
def exam_trainees(region, period) -> int:
    return _attended(region.code, period, EXAM).values("seat").distinct().count()


def staffing_rows(user, region, period) -> Rows | None:
    """The community workers in post at the end of the period (the numerator)."""
    if not user.can(Perm.VIEW_WORKFORCE):
        return None
    ids = selectors.workers_in_post(region.code, period.end).values("pk")
    qs = selectors.workers_for(user).filter(pk__in=ids).order_by("community_id", "person__name", "id")
    return Rows(qs, [Column(_("姓名"), "person.name"), Column(_("社区"), "community.name"),
                     Column(_("岗位"), "get_post_display")],
                link=lambda w: reverse("workforce:worker_detail", args=[w.pk]))


def staffing_by_child(region, period, children) -> dict:
    """Two queries: the workers in post and the residents, grouped by the child."""
    workers = grouped(selectors.workers_in_post(region.code, period.end), "community_id", children, n=Count("id"))
    residents = grouped(selectors.urban_residents(region.code), "unit", children, n=Count("id"))
    return {c.code: rules.per_10k(workers.get(c.code, {}).get("n", 0), residents.get(c.code, {}).get("n", 0))
            for c in children}


@rule("workforce.staffing_per_10k", rows=staffing_rows, by_child=staffing_by_child, deep=True)
def staffing_per_10k(region, period):
    return rules.per_10k(selectors.workers_in_post(region.code, period.end).count(),
                         selectors.urban_residents(region.code).count())
