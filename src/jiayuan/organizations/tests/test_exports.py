"""Exports of projects and payments: real xlsx files (opened again with openpyxl), Chinese
file names, scoped (a community outside the call's county exports no row; an
organization's staff may not export), audited with the filters and the row count.

Worked by hand: the contracted project of ``test_projects.contracted`` is 180,000.00 in
30/40/30 % → 54,000.00 / 72,000.00 / 54,000.00; with the first instalment released the
project row says paid 54,000.00, unpaid 126,000.00, and the payments workbook has one
row of 54,000.00 with its clause and 文号."""

import io
from decimal import Decimal
from urllib.parse import unquote

import openpyxl
import pytest
from django.utils import timezone

from jiayuan.audit.models import AuditEntry
from jiayuan.organizations.services import projects as ps

from .conftest import act
from .test_projects import contracted

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_project(users, call, orgs):
    project = contracted(users, call, orgs)
    m1 = project.milestones.get(seq=1)
    ps.submit_report(act(users["org"]), project, period="一", content="完成", milestone=m1)
    ps.accept_milestone(act(users["county"]), m1)
    ps.release_instalment(act(users["county"]), project.instalments.get(seq=1), decision_ref="甘区民发〔2026〕20号")
    return project


def rows_of(resp):
    wb = openpyxl.load_workbook(io.BytesIO(resp.content))
    ws = wb.active
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_projects_export_is_a_real_workbook_with_the_money(api_client, paid_project):
    year = timezone.localdate().year
    resp = api_client("county").get(f"/api/v1/service-projects/export?year={year}")
    assert resp.status_code == 200, resp.content
    assert resp["X-Export-Rows"] == "1"
    disposition = unquote(resp["Content-Disposition"])
    assert f"甘州区-服务项目-{year}年-" in disposition and disposition.endswith('.xlsx')
    rows = rows_of(resp)
    header = rows[1]
    assert header[:4] == ["项目名称", "合同编号", "立项文号", "承接组织"]
    row = dict(zip(header, rows[2]))
    assert row["合同编号"] == "GZ-2026-001" and row["立项文号"] == "甘区民发〔2026〕12号"
    assert Decimal(str(row["合同金额（元）"])) == Decimal("180000")
    assert Decimal(str(row["已拨付（元）"])) == Decimal("54000")
    assert Decimal(str(row["未拨付（元）"])) == Decimal("126000")
    assert row["状态"] == "实施中"
    entry = AuditEntry.objects.get(action="project.export")
    assert entry.extra["rows"] == 1 and entry.extra["filters"]["year"] == year and entry.region_code == "620702"
    # another year: no row (but a file, audited)
    assert api_client("county").get(f"/api/v1/service-projects/export?year={year - 1}")["X-Export-Rows"] == "0"


def test_payments_export_traces_every_yuan_to_clause_and_decision(api_client, paid_project):
    resp = api_client("county").get("/api/v1/instalment-payments/export")
    assert resp.status_code == 200 and resp["X-Export-Rows"] == "1"
    rows = rows_of(resp)
    row = dict(zip(rows[1], rows[2]))
    assert row["合同编号"] == "GZ-2026-001" and row["期次"] == 1
    assert Decimal(str(row["拨付金额（元）"])) == Decimal("54000") and Decimal(str(row["比例（%）"])) == 30
    assert row["拨付依据文号"] == "甘区民发〔2026〕20号" and row["核定方式"] == "按合同比例"
    assert "合同金额的 30%" in row["合同条款"] and row["对应节点"] == "启动与需求评估"
    entry = AuditEntry.objects.get(action="project.payments_export")
    assert entry.extra["rows"] == 1 and Decimal(entry.extra["total"]) == Decimal("54000.00")


def test_exports_are_scoped_and_need_the_export_right(api_client, page_client, paid_project):
    # a community of the county: the county's call is not in its subtree → an empty file
    resp = api_client("community").get("/api/v1/service-projects/export")
    assert resp.status_code == 200 and resp["X-Export-Rows"] == "0"
    # the organization's staff have no export right
    assert api_client("org").get("/api/v1/service-projects/export").status_code == 403
    assert api_client("org").get("/api/v1/instalment-payments/export").status_code == 403
    assert page_client("org").get("/organizations/projects/export/").status_code == 403
    # a region outside the scope: 404
    assert api_client("county").get("/api/v1/service-projects/export?region=620722").status_code == 404
    # the page export gives the same file
    resp = page_client("county").get("/organizations/projects/payments/export/")
    assert resp.status_code == 200 and resp["X-Export-Rows"] == "1"
    assert page_client("county").get("/organizations/projects/export/?year=abc").status_code == 404


def test_the_registry_export_is_audited_too(page_client, orgs):
    resp = page_client("county").get("/organizations/export/")
    assert resp.status_code == 200
    assert "社会组织名录_" in unquote(resp["Content-Disposition"])
    rows = rows_of(resp)
    assert sorted(r[0] for r in rows[1:]) == ["甘州区同心社会工作服务中心", "甘州区颐养居家养老服务中心"]  # not 民乐县's
    assert AuditEntry.objects.get(action="organization.export").extra["rows"] == 2
    assert page_client("org").get("/organizations/export/").status_code == 403
