"""Conflict of interest computed, not only declared (issue 14): a panel member whose
account is active staff (OrganizationMember) of the proposing organization is excluded
from scoring its proposal, the score is worked out from the others, and the proposal
page names the excluded reviewer with the reason."""

from decimal import Decimal

import pytest

from jiayuan.errors import Forbidden
from jiayuan.organizations import selectors
from jiayuan.organizations.models import OrganizationMember
from jiayuan.organizations.services import projects as ps
from jiayuan.organizations.services import registry as rs

from .conftest import act, proposal_of
from .test_projects import pass_deadline

pytestmark = pytest.mark.django_db

# weights 20/30/20/15/15 (conftest.CRITERIA)
A = {"needs": 80, "design": 90, "indicators": 70, "budget": 60, "capacity": 100}   # 16+27+14+9+15 = 81
B = {"needs": 70, "design": 80, "indicators": 80, "budget": 80, "capacity": 70}    # 14+24+16+12+10.5 = 76.5
FULL = {"needs": 100, "design": 100, "indicators": 100, "budget": 100, "capacity": 100}  # 100


@pytest.fixture
def three(users, call, orgs):
    """The call's panel of three: township, city, and the ``org`` user — who works for
    ``home``, the proposing organization. The proposal under review."""
    ps.add_panel_member(act(users["county"]), call, users["org"])
    p = proposal_of(users["org"], call, orgs["home"])
    ps.check_eligibility(act(users["county"]), p, True)
    pass_deadline(call)
    ps.start_review(act(users["county"]), call)
    return p


def test_the_proposers_staff_on_the_panel_is_excluded_and_the_score_comes_from_the_other_two(users, call, orgs, three):
    p = three
    seat = selectors.panel_member(users["org"], call)
    assert selectors.panel_exclusions(p) == {seat.pk: "org_member"}
    with pytest.raises(Forbidden) as e:
        ps.score_proposal(act(users["org"]), p, FULL)
    assert e.value.code == "review.conflict"
    ps.score_proposal(act(users["township"]), p, A)
    p = ps.score_proposal(act(users["city"]), p, B)
    assert p.score == Decimal("78.75")   # (81 + 76.5) / 2: two sheets of two who may score
    assert selectors.proposals_to_score(users["org"]) == []


def test_a_membership_linked_after_scoring_drops_that_sheet_from_the_score(users, call, orgs, three):
    p = three
    member = OrganizationMember.objects.get(organization=orgs["home"], user=users["org"])
    rs.end_member(act(users["county"]), member)   # no longer staff: scores like anyone
    assert selectors.panel_exclusions(p) == {}
    ps.score_proposal(act(users["org"]), p, FULL)
    ps.score_proposal(act(users["township"]), p, A)
    p = ps.score_proposal(act(users["city"]), p, B)
    assert p.score == Decimal("85.83")   # (100 + 81 + 76.5) / 3 = 85.8333…
    rs.add_member(act(users["county"]), orgs["home"], users["org"])
    p.refresh_from_db()
    assert p.score == Decimal("78.75")   # linked again: excluded, (81 + 76.5) / 2


def test_the_proposal_page_names_the_excluded_reviewer_and_the_reason(page_client, users, call, orgs, three):
    ps.score_proposal(act(users["township"]), three, A)
    html = page_client("county").get(f"/organizations/proposals/{three.pk}/").content.decode()
    assert 'data-testid="excluded"' in html
    assert "系申报组织在岗人员，自动回避" in html
    html = page_client("org").get(f"/organizations/proposals/{three.pk}/").content.decode()
    assert "已自动回避" in html and 'data-testid="save-score"' not in html
