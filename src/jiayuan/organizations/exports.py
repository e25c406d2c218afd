"""Workbooks of purchased-service projects and of their payments (xlsx, Chinese headers
and file names, with an ASCII fallback for old clients).

Built from querysets the caller got from the scoped selectors; the services that hand
them out (:func:`jiayuan.organizations.services.projects.export_projects`,
:func:`~jiayuan.organizations.services.projects.export_payments`) check the role and
write the audit entry. Money cells are numbers with two decimals shown (the exact
Decimal kept), dates are dates, codes and 文号 are text.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from ..imports.xlsx import StreamingXlsx
from . import rules

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

PROJECT_HEADERS = ("项目名称", "合同编号", "立项文号", "承接组织", "统一社会信用代码", "购买方区划", "项目征集", "合同金额（元）",
                   "已拨付（元）", "未拨付（元）", "签订日期", "服务期起", "服务期止", "状态", "末期评估得分", "末期评估等次",
                   "结项日期")
PROJECT_MONEY = {7, 8, 9}
PROJECT_TEXT = {1, 2, 4}

PAYMENT_HEADERS = ("合同编号", "项目名称", "承接组织", "期次", "合同条款", "比例（%）", "计划金额（元）", "拨付金额（元）",
                   "拨付日期", "拨付依据文号", "核定方式", "末期评估得分", "等次", "尾款比例（%）", "对应节点", "节点确认日期", "经办人")
PAYMENT_MONEY = {6, 7}
PAYMENT_TEXT = {0, 9}

STATUS_NAMES = {"active": "实施中", "closed": "已结项", "terminated": "已终止"}
RULE_NAMES = {"planned": "按合同比例", "final_scaled": "按末期评估等次核定"}


def region_name(region) -> str:
    return region.short_name if region is not None else "全部"


def file_names(what: str, ascii_what: str, region, year: int | None, day: datetime.date) -> tuple[str, str]:
    """(Chinese file name, ASCII fallback): ``甘州区-服务项目-2026年-2026-12-07.xlsx``,
    ``organizations-projects-620702-2026-2026-12-07.xlsx``."""
    code = region.code if region is not None else "all"
    y, ya = (f"-{year}年", f"-{year}") if year else ("", "")
    return (f"{region_name(region)}-{what}{y}-{day:%Y-%m-%d}.xlsx",
            f"organizations-{ascii_what}-{code}{ya}-{day:%Y-%m-%d}.xlsx")


def project_rows(projects):
    """One row per project; ``projects`` annotated with ``paid_sum`` and carrying
    ``final_evaluation`` (or None)."""
    for p in projects:
        paid = p.money["paid"]
        ev = p.final_evaluation
        yield (p.title, p.contract_number, p.decision_ref, p.organization.name, p.organization.uscc, p.region.name,
               p.call.title, p.amount, paid, p.amount - paid, p.signed_on, p.starts_on, p.ends_on,
               STATUS_NAMES.get(p.status, p.status), ev.score if ev else None,
               rules.BAND_NAMES.get(ev.band, ev.band) if ev else None, p.closed_on)


def _dec(v):
    """A number kept in a payment's basis (JSON: text) as a Decimal, None when absent."""
    return Decimal(str(v)) if v not in (None, "") else None


def payment_rows(payments):
    for pay in payments:
        inst, b = pay.instalment, pay.basis or {}
        project = inst.project
        who = pay.released_by
        yield (project.contract_number, project.title, project.organization.name, inst.seq, inst.clause, inst.percent,
               inst.planned, pay.amount, pay.released_on, pay.decision_ref, RULE_NAMES.get(b.get("rule"), b.get("rule")),
               _dec(b.get("final_score")), rules.BAND_NAMES.get(b.get("band"), b.get("band")) if b.get("band") else None,
               _dec(b.get("factor")), inst.milestone.title, inst.milestone.met_on,
               (who.full_name or who.username) if who else None)


def workbook(sheet: str, title: str, headers, rows, *, money=(), text=()) -> tuple[bytes, int]:
    """(bytes of a one-sheet workbook, rows written)."""
    w = StreamingXlsx(sheet, headers, money_columns=money, text_columns=text, title=title,
                      widths=[16] * len(headers))
    data = b"".join(w.stream(rows))
    return data, w.rows_written
