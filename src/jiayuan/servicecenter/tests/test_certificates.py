"""Certificates under the seal-use list, and community tasks under the access list."""

from datetime import date

import pytest

from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.errors import Conflict, Forbidden, NotFound, ValidationFailed
from jiayuan.regions.models import Region
from jiayuan.servicecenter import selectors, services
from jiayuan.servicecenter.models import Certificate, CommunityTask, SealScopeItem

pytestmark = pytest.mark.django_db

NATIONAL_20 = ["亲属关系", "居民身份信息", "户口登记项目内容变更申请", "居民养犬", "无犯罪记录", "社区戒毒、社区康复人员情况",
               "人员失踪", "婚姻状况", "出生", "健在", "死亡", "疾病状况", "残疾状况", "婚育状况", "居民就业状况",
               "居民个人档案", "居民财产", "遗产继承权", "市场主体住所", "证件遗失"]


@pytest.fixture
def resident(make_person):
    return make_person(name="张建国", address="甘州区东街交通巷 12 号")


def issue(more_users, person, kind, who="community", **kw):
    return services.issue_certificate(Actor(more_users[who], "page"), person, kind, kw.pop("purpose", "办理入学"), **kw)


def test_the_national_negative_list_has_its_20_kinds():
    names = list(SealScopeItem.objects.filter(list_kind="forbidden", source="national").order_by("sort")
                 .values_list("name", flat=True))
    assert len(names) == 20
    for expected, name in zip(NATIONAL_20, names, strict=True):
        assert name.startswith(expected.split("、")[0])


@pytest.mark.parametrize("kind", ["无犯罪记录证明", "neg.alive", "健在证明", "婚姻状况", "亲属关系证明", "证件遗失"])
def test_a_kind_on_the_negative_list_is_refused_with_its_reason(more_users, resident, kind):
    with pytest.raises(services.CertificateRefused) as exc:
        issue(more_users, resident, kind)
    assert exc.value.code == "certificate.forbidden" and exc.value.status == 422
    assert "民发〔2020〕20号" in exc.value.message
    assert Certificate.objects.count() == 0
    # the refusal itself is on record
    assert AuditEntry.objects.filter(action="certificate.refuse").count() == 1


def test_an_allowed_kind_is_issued_from_the_registry_and_verifies(more_users, resident):
    cert = issue(more_users, resident, "居（租）住证明", purpose="子女入学")
    assert cert.number.startswith("620702001001-ZM") and cert.number.endswith("-0001")
    assert "张建国" in cert.body and "甘州区东街交通巷 12 号" in cert.body and "子女入学" in cert.body
    assert resident.id_number not in cert.body and resident.id_number_masked in cert.body
    assert "交通巷社区" in cert.body
    second = issue(more_users, resident, "pos.residence", purpose="办理居住证")
    assert second.number.endswith("-0002")
    v = services.verify_certificate(cert.number, cert.verify_code)
    assert v["holder"] == "张*国" and v["status"] == "valid" and v["kind"] == "居（租）住证明"
    assert services.verify_certificate("620702001001-ZM20990101-0001", cert.verify_code) is None
    services.revoke_certificate(Actor(more_users["community"], "page"), cert, "信息有误")
    assert services.verify_certificate(cert.number, cert.verify_code)["status"] == "revoked"


def test_double_submit_issues_once(more_users, resident):
    a = issue(more_users, resident, "居住证明", request_key="form-1")
    b = issue(more_users, resident, "居住证明", request_key="form-1")
    assert a.pk == b.pk and Certificate.objects.count() == 1


def test_a_kind_on_neither_list_needs_the_directors_decision(more_users, resident):
    with pytest.raises(Conflict) as exc:
        issue(more_users, resident, "志愿服务证明")
    assert exc.value.code == "certificate.needs_decision" and "社区负责人" in exc.value.message
    community = Region.objects.get(code="620702001001")
    with pytest.raises(Forbidden):  # a community worker cannot decide
        services.decide_certificate_kind(Actor(more_users["community"], "page"), community, "志愿服务证明", True,
                                         legal_basis="《志愿服务条例》")
    with pytest.raises(ValidationFailed):  # allowing needs a legal basis
        services.decide_certificate_kind(Actor(more_users["director"], "page"), community, "志愿服务证明", True)
    with pytest.raises(Conflict) as exc:  # listed kinds are not decided locally
        services.decide_certificate_kind(Actor(more_users["director"], "page"), community, "死亡证明", True,
                                         legal_basis="x")
    assert exc.value.code == "certificate.listed"
    services.decide_certificate_kind(Actor(more_users["director"], "page"), community, "志愿服务证明", True,
                                     legal_basis="《志愿服务条例》第二十条")
    cert = issue(more_users, resident, "志愿服务证明", purpose="评优")
    assert cert.decision.allowed and cert.kind is None
    services.decide_certificate_kind(Actor(more_users["director"], "page"), community, "养老保险缴费证明", False,
                                     reason="应由社保经办机构出具")
    with pytest.raises(services.CertificateRefused) as exc:
        issue(more_users, resident, "养老保险缴费证明")
    assert exc.value.code == "certificate.refused_by_decision" and "社保经办机构" in exc.value.message


def test_local_additions_apply_under_their_region(more_users, resident, make_person):
    services.add_seal_scope_item(Actor(more_users["city"], "page"), {
        "code": "local.gz.pet", "name": "宠物免疫证明", "list_kind": "forbidden", "reason": "由动物诊疗机构出具"},
        Region.objects.get(code="620702"))
    with pytest.raises(services.CertificateRefused):
        issue(more_users, resident, "宠物免疫证明")
    elsewhere = make_person(region="620722102200", name="六坝村民")
    with pytest.raises(Conflict):  # not listed in 民乐县: a decision is needed there
        issue(more_users, elsewhere, "宠物免疫证明", who="outsider")
    with pytest.raises(Forbidden):
        services.add_seal_scope_item(Actor(more_users["community"], "page"), {}, None)


def test_issuing_needs_the_role_and_a_purpose(more_users, resident):
    with pytest.raises(Forbidden):
        issue(more_users, resident, "居住证明", who="grid_member")
    with pytest.raises(ValidationFailed):
        issue(more_users, resident, "居住证明", purpose=" ")


def test_certificates_are_scoped(more_users, resident):
    cert = issue(more_users, resident, "居住证明")
    assert selectors.get_certificate(more_users["township"], cert.number) == cert
    with pytest.raises(NotFound):
        selectors.get_certificate(more_users["peer"], cert.number)


# --- access list ---------------------------------------------------------------------------

def assign(more_users, who="dept", community="620702001001", **kw):
    kw.setdefault("title", "召开居民代表会议")
    kw.setdefault("kind", "meeting")
    kw.setdefault("occurs_on", date(2025, 10, 15))
    return services.assign_community_task(Actor(more_users[who], "api"), Region.objects.get(code=community), **kw)


def test_on_list_accepted_negative_refused_off_list_needs_the_street(more_users, depts):
    on = assign(more_users, access_item="sg.residents_meeting")
    assert on.status == "accepted" and on.department.code == "gz-cgj"
    neg = assign(more_users, title="协助招商引资考察", kind="activity", access_item="ng.investment")
    assert neg.status == "refused" and "负面清单" in neg.decision_note
    off = assign(more_users, title="创建文明楼院评比", kind="inspection")
    assert off.status == "pending"
    with pytest.raises(Forbidden):  # a community worker cannot approve
        services.decide_community_task(Actor(more_users["community"], "page"), off, True)
    with pytest.raises(ValidationFailed):  # rejecting needs a reason
        services.decide_community_task(Actor(more_users["township"], "page"), off, False)
    decided = services.decide_community_task(Actor(more_users["township"], "page"), off, False, "未经批准的评比")
    assert decided.status == "rejected"
    with pytest.raises(Conflict):
        services.decide_community_task(Actor(more_users["township"], "page"), decided, True)
    other = assign(more_users, title="禁毒宣传进社区", kind="activity")
    approved = services.decide_community_task(Actor(more_users["township"], "page"), other, True)
    assert approved.status == "approved"
    from jiayuan.accounts.models import User

    other_street = User.objects.create(username="nanjie", role="township_officer", scope_id="620702002")
    with pytest.raises(NotFound):  # another street's officer cannot see it
        services.decide_community_task(Actor(other_street, "page"), other, True)


def test_monthly_tally_per_community(more_users, depts):
    assign(more_users, access_item="sg.residents_meeting")
    assign(more_users, title="协商议事", kind="meeting", access_item="sg.consultation")
    assign(more_users, title="健康讲座", kind="activity", access_item="as.public_health")
    assign(more_users, title="招商", kind="task", access_item="ng.investment")
    assign(more_users, title="评比", kind="inspection")
    assign(more_users, title="下月会议", kind="meeting", access_item="sg.consultation", occurs_on=date(2025, 11, 3))
    assign(more_users, community="620702001005", title="协商议事", kind="meeting", access_item="sg.consultation")
    rows = selectors.monthly_tally(more_users["township"], date(2025, 10, 1))
    assert [r["community"] for r in rows] == ["620702001001", "620702001005"]
    mine = rows[0]
    assert (mine["meeting"], mine["activity"], mine["binding"], mine["pending"], mine["refused"], mine["total"]) == (
        2, 1, 3, 1, 1, 5)
    assert [r["community"] for r in selectors.monthly_tally(more_users["community"], date(2025, 10, 1))] == [
        "620702001001"]
    assert CommunityTask.objects.count() == 7


def test_a_certificate_issued_from_the_english_pages_is_still_in_chinese(more_users, resident):
    # The record is an official document of a Chinese committee: the UI language of the
    # worker who issued it must not change its text (nor the sex written in it).
    from django.utils import translation

    with translation.override("en"):
        cert = issue(more_users, resident, "居（租）住证明", purpose="子女入学")
    assert cert.body.startswith("兹证明 张建国（")
    assert cert.data["sex"] in ("男", "女")
    assert "此证明用于：子女入学。" in cert.body


def test_a_certificate_whose_template_needs_a_missing_value_is_refused_naming_it(more_users, make_person):
    """The trial's 居（租）住证明 read "现居（租）住于 ，系本社区居民": the person had no address.
    Refused before numbering (422 certificate.missing_value, naming 现住址); nothing issued."""
    homeless = make_person(name="李四", address="")
    with pytest.raises(ValidationFailed) as exc:
        issue(more_users, homeless, "居（租）住证明")
    assert exc.value.code == "certificate.missing_value" and exc.value.status == 422
    assert "现住址" in exc.value.message
    assert Certificate.objects.count() == 0
    assert not AuditEntry.objects.filter(action="certificate.issue").exists()


def test_the_rule_names_every_blank_value_and_unknown_placeholders():
    from jiayuan.servicecenter import rules

    rules.check_certificate_values("兹证明 ${name}，编号 ${number}，价格 $$5", {"name": "张三"})  # number comes later
    with pytest.raises(rules.RuleError) as exc:
        rules.check_certificate_values("${name} 住 ${address}，生于 ${birth_date}", {"name": "张三", "address": " ",
                                                                                  "birth_date": ""})
    assert exc.value.code == "certificate.missing_value" and exc.value.params["placeholders"] == ["address",
                                                                                                  "birth_date"]
    assert exc.value.params["fields"] == "现住址、出生日期"
    with pytest.raises(rules.RuleError) as exc:
        rules.check_certificate_values("${name} ${salary}", {"name": "张三"})
    assert exc.value.code == "certificate.unknown_placeholder" and exc.value.params["placeholder"] == "salary"


def test_a_template_printing_the_masked_id_number_prints_only_the_birth_year(more_users, make_person):
    """620702********…: the hidden digits are the birth date; a decided kind whose template
    prints both ${id_number} and ${birth_date} prints the year only, so the paper does not
    rebuild the number. 1956-04-12 → 1956年."""
    from jiayuan.conftest import make_id_number

    person = make_person(name="赵六", address="甘州区东街交通巷 5 号", id_number=make_id_number(date(1956, 4, 12), 1))
    community = Region.objects.get(code="620702001001")
    services.decide_certificate_kind(Actor(more_users["director"], "page"), community, "志愿服务证明", True,
                                     legal_basis="《志愿服务条例》",
                                     template="兹证明 ${name}（身份证号 ${id_number}，${birth_date} 出生）参加志愿服务。")
    cert = issue(more_users, person, "志愿服务证明")
    assert person.id_number_masked in cert.body and "1956年 出生" in cert.body
    assert "1956年4月12日" not in cert.body and "0412" not in cert.body.replace(person.id_number_masked, "")
    # the shipped 居（租）住证明 prints both too (it printed 1956年4月12日 beside 620702********0038)
    body = issue(more_users, person, "居（租）住证明").body
    assert person.id_number_masked in body and "1956年 出生" in body and "1956年4月12日" not in body
    # a template without the ID number keeps the whole date
    from jiayuan.servicecenter import rules

    assert rules.masked_birth_date("${name}，${birth_date} 出生", 1956, "1956年4月12日") == "1956年4月12日"
