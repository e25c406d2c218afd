"""Rules of the workforce indicators (issue 16; definitions in
:mod:`jiayuan.stats.definitions`), from the attendance of training sessions
(:func:`jiayuan.workforce.selectors.attendance`: sessions that started in the period,
attendances marked ``attended``, attributed to the region of each worker's community —
the same figures as the workforce summary page):

- ``workforce.cadres_trained``: distinct persons who attended a community cadre training
  (``TrainingSession.Kind.CADRE_TRAINING``); one person trained twice counts once.
- ``workforce.exam_classes``: exam-preparation classes for the social-work qualification
  (``Kind.EXAM_PREPARATION``) attended by workers of the region.
- ``workforce.exam_trainees``: attendances of those classes summed over the classes
  (参训人数合计: a person in two classes counts in each).
"""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..accounts.permissions import Perm
from ..stats.registry import Column, Rows, grouped, rule
from . import selectors
from .models import TrainingSession

CADRE, EXAM = TrainingSession.Kind.CADRE_TRAINING, TrainingSession.Kind.EXAM_PREPARATION


def _attended(code: str, period, kind: str):
    return selectors.attendance(code, period.start, period.end).filter(session__kind=kind)


def cadre_rows(user, region, period) -> Rows | None:
    """One row per trained worker (their first cadre training of the period)."""
    if not user.can(Perm.VIEW_WORKFORCE):
        return None
    workers = selectors.workers_for(user).filter(
        trainings__in=_attended(region.code, period, CADRE)).distinct().order_by("community_id", "person__name")
    return Rows(workers, [Column(_("姓名"), "person.name"), Column(_("社区"), "community.name"),
                          Column(_("岗位"), "get_post_display")],
                link=lambda w: reverse("workforce:worker_detail", args=[w.pk]))


def class_rows(user, region, period) -> Rows | None:
    """The exam-preparation classes attended by workers of the region."""
    if not user.can(Perm.VIEW_WORKFORCE):
        return None
    ids = _attended(region.code, period, EXAM).values("session_id")
    qs = selectors.sessions_for(user).filter(pk__in=ids).order_by("starts_on", "id")
    return Rows(qs, [Column(_("培训名称"), "title"), Column(_("开始日期"), "starts_on"),
                     Column(_("参训人数"), "attended_count")],
                link=lambda s: reverse("workforce:training_detail", args=[s.pk]))


def trainee_rows(user, region, period) -> Rows | None:
    """One row per attendance of an exam-preparation class by a worker of the region."""
    if not user.can(Perm.VIEW_WORKFORCE):
        return None
    scope = user.scope_code
    qs = (_attended(region.code, period, EXAM).filter(worker__community__code__startswith=scope)
          .select_related("worker__person", "worker__community", "session")
          .order_by("session__starts_on", "session_id", "worker__person__name"))
    return Rows(qs, [Column(_("姓名"), "worker.person.name"), Column(_("社区"), "worker.community.name"),
                     Column(_("培训班"), "session.title")],
                link=lambda p: reverse("workforce:training_detail", args=[p.session_id]))


def _by_child(kind: str, aggregate):
    def by_child(region, period, children) -> dict:
        """One query: the attendances grouped by the child of the worker's community."""
        got = grouped(_attended(region.code, period, kind), "worker__community_id", children, n=aggregate)
        return {c.code: got.get(c.code, {}).get("n", 0) for c in children}
    return by_child


@rule("workforce.cadres_trained", rows=cadre_rows,
      by_child=_by_child(CADRE, Count("worker__person_id", distinct=True)), deep=True)
def cadres_trained(region, period) -> int:
    return _attended(region.code, period, CADRE).values("worker__person_id").distinct().count()


@rule("workforce.exam_classes", rows=class_rows, by_child=_by_child(EXAM, Count("session_id", distinct=True)), deep=True)
def exam_classes(region, period) -> int:
    return _attended(region.code, period, EXAM).values("session_id").distinct().count()


@rule("workforce.exam_trainees", rows=trainee_rows, by_child=_by_child(EXAM, Count("id")), deep=True)
def exam_trainees(region, period) -> int:
    return _attended(region.code, period, EXAM).count()


