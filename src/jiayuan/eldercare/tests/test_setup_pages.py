"""Pages that set home care up: signing a provider's contract with a price per catalogue
item, giving and taking back a staff member's duty, making an elder's monthly care plan
from the active entitlement (never above its monthly amount) — thin views over the
services, scoped like the other eldercare pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from jiayuan.accounts.models import User
from jiayuan.eldercare.models import CareDuty, CarePlan, ProviderContract, WorkOrder
from jiayuan.organizations.models import OrganizationMember, SocialOrganization

from .test_orders import world  # noqa: F401

pytestmark = pytest.mark.django_db


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_signing_a_contract(world, users):  # noqa: F811
    county = client(users["county"])
    page = county.get("/eldercare/contracts/").content.decode()
    assert "GZ-2026-JJ-01" in page and 'data-testid="sign"' in page and "居室保洁" in page
    other = SocialOrganization.objects.create(name="甘州区福寿养老服务有限公司", kind="social_service_institution",
                                              uscc="91620702MA0000002X", region_id="620702")
    clean, meal = world["clean"], world["meal"]
    form = {"provider": other.pk, "number": "GZ-2026-JJ-02", "start": "2026-01-01", "end": "2026-12-31",
            f"price_{clean.pk}": "32.00", f"price_{meal.pk}": ""}
    r = county.post("/eldercare/contracts/", form)
    assert r.status_code == 302, r.content.decode()[-2000:]
    c = ProviderContract.objects.get(number="GZ-2026-JJ-02")
    assert (c.provider_id, c.county_id, c.signed_by_id) == (other.pk, "620702", users["county"].pk)
    assert [(ci.item_id, ci.price) for ci in c.items.all()] == [(clean.pk, Decimal("32.00"))]  # 助餐 left blank
    # the same number again: refused with the reason, nothing written
    r = county.post("/eldercare/contracts/", form)
    assert r.status_code == 409 and "已存在" in r.content.decode()
    r = county.post("/eldercare/contracts/", {**form, "number": "GZ-2026-JJ-03", f"price_{clean.pk}": "0"})
    assert r.status_code == 422 and "合同单价应为大于 0 的数" in r.content.decode()
    r = county.post("/eldercare/contracts/", {**form, "number": "GZ-2026-JJ-04", "end": "2025-12-31"})
    assert r.status_code == 422 and "截止日期不能早于起始日期" in r.content.decode()
    r = county.post("/eldercare/contracts/", {**form, "number": "GZ-2026-JJ-05", f"price_{clean.pk}": ""})
    assert r.status_code == 422 and "请至少约定一个服务项目的价格" in r.content.decode()
    assert ProviderContract.objects.count() == 2
    # a community worker reads the contracts of its county but signs none; a care worker reads none
    community = client(users["community"])
    page = community.get("/eldercare/contracts/").content.decode()
    assert "GZ-2026-JJ-02" in page and 'data-testid="sign"' not in page
    assert community.post("/eldercare/contracts/", {**form, "number": "X"}).status_code == 403
    assert client(world["staff"]["huli1"]).get("/eldercare/contracts/").status_code == 403
    # the dispatcher reads its own provider's contract only
    page = client(world["staff"]["diaodu"]).get("/eldercare/contracts/").content.decode()
    assert "GZ-2026-JJ-01" in page and "GZ-2026-JJ-02" not in page
    assert "GZ-2026-JJ-02" not in client(users["outsider"]).get("/eldercare/contracts/").content.decode()


def test_setting_duties(world, users):  # noqa: F811
    org = world["org"]
    new = User.objects.create_user(username="huli3", password="x", role="org_staff", scope_id="620702",
                                   full_name="赵护理")
    OrganizationMember.objects.create(organization=org, user=new)
    county = client(users["county"])
    page = county.get("/eldercare/duties/").content.decode()
    assert "赵护理" in page and "调度员" in page and "护理员" in page
    r = county.post("/eldercare/duties/", {"member": f"{org.pk}:{new.pk}", "duty": "care_worker"})
    assert r.status_code == 302
    duty = CareDuty.objects.get(user=new)
    assert (duty.provider_id, duty.duty, duty.active) == (org.pk, "care_worker", True)
    r = county.post("/eldercare/duties/", {"duty_id": duty.pk, "active": "0"})
    assert r.status_code == 302
    duty.refresh_from_db()
    assert duty.active is False
    # someone who is not a member of a provider under contract is not offered
    stranger = User.objects.create_user(username="wairen", password="x", role="org_staff", scope_id="620702")
    r = county.post("/eldercare/duties/", {"member": f"{org.pk}:{stranger.pk}", "duty": "dispatcher"})
    assert r.status_code == 422 and not CareDuty.objects.filter(user=stranger).exists()
    community = client(users["community"])
    assert community.get("/eldercare/duties/").status_code == 200
    assert community.post("/eldercare/duties/", {"member": f"{org.pk}:{new.pk}", "duty": "dispatcher"}
                          ).status_code == 403
    assert client(world["staff"]["diaodu"]).get("/eldercare/duties/").status_code == 403
    assert "赵护理" not in client(users["outsider"]).get("/eldercare/duties/").content.decode()


def test_making_a_plan_never_above_the_entitlement(world, users):  # noqa: F811
    elder, clean, meal = world["elder"], world["clean"], world["meal"]
    nxt = (world["today"].replace(day=1) + timedelta(days=32)).replace(day=1)
    county = client(users["county"])
    listing = county.get(f"/eldercare/plans/?month={nxt:%Y-%m}").content.decode()
    assert 'data-testid="waiting"' in listing and "王桂兰" in listing
    url = f"/eldercare/plans/new/?person={elder.pk}&month={nxt:%Y-%m}&contract={world['contract'].pk}"
    page = county.get(url).content.decode()
    assert "400.00" in page and "居室保洁" in page and "上门送餐" in page
    base = {"address": "交通巷12号", "home_lat": "38.932100", "home_lon": "100.455600"}
    # 助洁 2 hours at 30.00 on 7 days = 7 × 60.00 = 420.00 > 400.00
    r = county.post(url, {**base, f"qty_{clean.pk}": "2", f"days_{clean.pk}": "1,2,3,4,5,6,7"})
    assert r.status_code == 422 and "计划金额 420.00 元超过每月服务金额 400.00 元" in r.content.decode()
    r = county.post(url, {**base, f"qty_{clean.pk}": "2", f"days_{clean.pk}": "1,二"})
    assert r.status_code == 422 and "服务日期应为本月几号" in r.content.decode()
    assert not CarePlan.objects.filter(month=nxt).exists()
    # 助洁 2 × 30.00 on the 5th and 12th = 120.00; 助餐 1 × 12.00 on the 1st to 3rd = 36.00: 156.00
    r = county.post(url, {**base, f"qty_{clean.pk}": "2", f"days_{clean.pk}": "5, 12",
                          f"qty_{meal.pk}": "1", f"days_{meal.pk}": "1、2、3"})
    assert r.status_code == 302, r.content.decode()[-3000:]
    plan = CarePlan.objects.get(person=elder, month=nxt)
    assert plan.planned_amount == Decimal("156.00")
    assert sorted((o.item_id, o.scheduled_on.day) for o in WorkOrder.objects.filter(plan=plan)) == sorted(
        [(clean.pk, 5), (clean.pk, 12), (meal.pk, 1), (meal.pk, 2), (meal.pk, 3)])
    detail = county.get(r["Location"]).content.decode()
    assert "156.00" in detail and plan.confirm_code in detail
    # the dispatcher reads the plan but not the elder's code; outside the scope it is not there
    d = client(world["staff"]["diaodu"]).get(r["Location"])
    assert d.status_code == 200 and plan.confirm_code not in d.content.decode()
    assert client(users["outsider"]).get(r["Location"]).status_code == 404
    assert client(users["outsider"]).get(url).status_code in (403, 404)
    assert client(users["community"]).get(url).status_code == 403  # plans are the county's
    r = county.post(url, {**base, f"qty_{meal.pk}": "1", f"days_{meal.pk}": "9"})
    assert r.status_code == 409 and "本月已有服务计划" in r.content.decode()
