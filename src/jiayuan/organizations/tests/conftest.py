"""Fixtures of the organizations tests: organizations with codes computed by the GB 32100
rule, the ``org`` fixture user working for one, a call with a panel, and a helper that
walks a proposal to a contract."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from jiayuan.audit.services import Actor
from jiayuan.organizations.models import OrganizationMember, SocialOrganization
from jiayuan.organizations.rules import uscc_check_character
from jiayuan.organizations.services import projects as ps


def code(prefix17: str) -> str:
    """A valid code: the 17 characters and their check character."""
    return prefix17 + uscc_check_character(prefix17)


def act(user) -> Actor:
    return Actor(user, "page")


@pytest.fixture
def orgs(users):
    """Two social service institutions of 甘州区 (``home`` where the ``org`` user works,
    ``rival``) and a social group of 民乐县 (``far``)."""
    home = SocialOrganization.objects.create(name="甘州区颐养居家养老服务中心", kind="social_service_institution",
                                             uscc=code("52620702MJY00001"+"A"), region_id="620702")
    rival = SocialOrganization.objects.create(name="甘州区同心社会工作服务中心", kind="social_service_institution",
                                              uscc=code("52620702MJY00002"+"B"), region_id="620702")
    far = SocialOrganization.objects.create(name="民乐县志愿者协会", kind="social_group",
                                            uscc=code("51620722MJY00003"+"C"), region_id="620722")
    OrganizationMember.objects.create(organization=home, user=users["org"], position="负责人")
    return {"home": home, "rival": rival, "far": far}


CRITERIA = [{"code": "needs", "name": "需求分析", "weight": 20}, {"code": "design", "name": "服务设计与活动", "weight": 30},
            {"code": "indicators", "name": "产出与成效指标", "weight": 20}, {"code": "budget", "name": "预算合理性", "weight": 15},
            {"code": "capacity", "name": "机构能力", "weight": 15}]

LINES = [{"category": "staff", "description": "社工 2 名 × 12 月", "amount": "120000"},
         {"category": "supervision", "description": "督导", "amount": "12000"},
         {"category": "activities", "description": "活动", "amount": "38000"},
         {"category": "administration", "description": "行政", "amount": "6000"},
         {"category": "tax", "description": "税费", "amount": "4000"}]


@pytest.fixture
def call(users):
    today = timezone.localdate()
    c = ps.create_call(act(users["county"]), title="2026年甘州区三社联动项目", region="620702", purchaser="甘州区民政局",
                       budget="500000", opens_on=today - timedelta(days=20), deadline=today + timedelta(days=10),
                       criteria=CRITERIA)
    ps.add_panel_member(act(users["county"]), c, users["township"])
    ps.add_panel_member(act(users["county"]), c, users["city"])
    return c


def proposal_of(org_user, call, org, submit=True, lines=LINES):
    return ps.save_proposal(act(org_user), call, org, title="困境老人居家关爱项目", needs="独居老人 120 人缺少照料",
                            activities="探访、助餐、健康讲座", output_indicators="探访 1440 人次",
                            outcome_indicators="满意度 90% 以上", budget_lines=lines, submit=submit)
