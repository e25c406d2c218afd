"""``/api/v1/report-…``: 一表通 as data — report tasks with their completion and aggregate
(for the issuer and the levels above), a unit's form with the provenance of every cell
(for the unit and the task's readers), and recording a unit's value. Scope and
permissions as on the pages (:mod:`.selectors`); out of scope is 404."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from ninja import Router, Schema

from jiayuan.accounts.permissions import Perm
from jiayuan.api.auth import actor
from jiayuan.api.types import Id
from jiayuan.errors import Forbidden

from . import rules, selectors, services

router = Router(tags=["一表通"])


class YbtCompletionOut(Schema):
    submitted: int
    overdue: int
    in_progress: int
    not_started: int
    total: int


class YbtTaskOut(Schema):
    id: int
    form: str
    form_version: int
    title: str
    region: str
    period: str
    deadline: datetime.date
    completion: YbtCompletionOut


class YbtUnitStateOut(Schema):
    submission: int
    unit: str
    unit_name: str
    state: str
    submitted_at: datetime.datetime | None


class YbtTaskDetailOut(YbtTaskOut):
    units: list[YbtUnitStateOut]
    elements: list[str]
    totals: list[str | None]


class YbtCellOut(Schema):
    element: str
    name: str
    unit: str
    value: str | None
    provenance: str
    platform_value: str | None
    recorded_by: str | None
    recorded_at: datetime.datetime | None


class YbtSubmissionOut(Schema):
    id: int
    task: int
    unit: str
    period: str
    submitted_at: datetime.datetime | None
    can_fill: bool
    cells: list[YbtCellOut]


class YbtValueIn(Schema):
    element: str
    value: str


def _task(t, counts) -> dict:
    return {"id": t.pk, "form": t.form.code, "form_version": t.form.version, "title": t.form.title,
            "region": t.region_id, "period": t.period, "deadline": t.deadline, "completion": counts}


@router.get("/report-tasks", response=list[YbtTaskOut], summary="我下发（及下级下发）的填报任务和完成情况（最近 100 个）")
def list_tasks(request):
    if not request.auth.can(Perm.ISSUE_REPORT_TASKS):
        raise Forbidden("report.forbidden", _("您的角色不能查看填报任务"))
    return [_task(t, selectors.completion(t).counts) for t in selectors.tasks_for(request.auth)[:100]]


@router.get("/report-tasks/{int:task_id}", response=YbtTaskDetailOut,
            summary="填报任务：各单位状态（submitted/overdue/in_progress/not_started）与已报送单位的汇总")
def get_task(request, task_id: Id):
    t = selectors.get_task(request.auth, task_id)
    done = selectors.completion(t)
    agg = selectors.aggregate(t)
    out = _task(t, done.counts)
    out["units"] = [{"submission": s.pk, "unit": s.unit_id, "unit_name": s.unit.name, "state": state,
                     "submitted_at": s.submitted_at} for s, state in done.rows]
    out["elements"] = [i.element.code for i in agg.items]
    out["totals"] = [rules.format_value(v) or None for v in agg.totals]
    return out


def _submission(request, s) -> dict:
    view = selectors.unit_form(request.auth, s)
    return {"id": s.pk, "task": s.task_id, "unit": s.unit_id, "period": s.task.period, "submitted_at": s.submitted_at,
            "can_fill": view.can_fill,
            "cells": [{"element": i.element.code, "name": i.element.name, "unit": i.element.unit,
                       "value": rules.format_value(c.value) or None, "provenance": c.provenance,
                       "platform_value": rules.format_value(c.platform_value) or None,
                       "recorded_by": c.recorded_by or None, "recorded_at": c.recorded_at} for i, c in view.rows]}


@router.get("/report-submissions/{int:submission_id}", response=YbtSubmissionOut,
            summary="一个单位的报表：每格的数值与来源（records/confirmed/corrected/entered/missing）")
def get_submission(request, submission_id: Id):
    return _submission(request, selectors.get_submission(request.auth, submission_id))


@router.post("/report-submissions/{int:submission_id}/values", response=YbtSubmissionOut,
             summary="确认、更正或填报一格（与平台数据相同为确认，不同为更正，平台无数据为填报）")
def record_value(request, submission_id: Id, body: YbtValueIn):
    s = selectors.get_submission(request.auth, submission_id)
    services.record_value(actor(request), s, body.element, body.value)
    return _submission(request, selectors.get_submission(request.auth, submission_id))
