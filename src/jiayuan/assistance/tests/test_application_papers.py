"""The printed papers of an assistance application (issue 10): the 受理回执 and the
一次性告知书 of missing materials, reached from the application page; and the desk's
materials checklist, which follows the kinds of help ticked (htmx) from the one source
``selectors.material_needs`` / ``required_materials``.

The fixture application (worked out by hand from HELP_KINDS in case_types.py):
张建国's household JTX-001 (交通巷 1 号, 交通巷社区, urban) asks on Fri 2025-09-26 10:00 for
最低生活保障 + 临时救助, taken by the community worker ``community``, contact phone
13893612345. Materials required, the union in order:

    书面申请, 居民身份证, 户口簿                 (both)
    家庭收入和财产状况声明, 家庭经济状况核对授权书   (最低生活保障)
    困难情况证明（医疗票据、事故或灾害证明等）      (临时救助)

Brought: 书面申请, 居民身份证, 家庭收入和财产状况声明. Missing, each once:
户口簿 (最低生活保障、临时救助), 家庭经济状况核对授权书 (最低生活保障),
困难情况证明（…） (临时救助). The application waits in 待补正材料, declared limit 10
working days from Fri 26 Sep 2025: Sun 28 Sep (make-up working day) 1, 29–30 Sep 2–3,
1–8 Oct National Day holiday, 9–10 Oct 4–5, Sat 11 Oct (make-up) 6, 13–16 Oct 7–10 →
bring them by 2025-10-16. The process (30 working days) starts at acceptance.
"""

import re

import pytest
from django.test import Client

from jiayuan.assistance.selectors.applications import material_needs, required_materials
from jiayuan.cases.models import Case

from .helpers import FULL_DIBAO, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

HARDSHIP_PROOF = "困难情况证明（医疗票据、事故或灾害证明等）"
BROUGHT = ["书面申请", "居民身份证", "家庭收入和财产状况声明"]


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def in_testid(html: str, name: str) -> str:
    """The text inside the element with data-testid=name (tags dropped, spaces joined)."""
    m = re.search(rf'<(\w+)[^>]*data-testid="{name}"[^>]*>(.*?)</\1>', html, re.S)
    assert m, name
    return " ".join(re.sub(r"<[^>]+>", " ", m.group(2)).split())


@pytest.fixture
def two_kinds(take, params):
    app, _ = take(["subsistence_allowance", "temporary_assistance"], materials=BROUGHT, hardship="fire",
                  contact_phone="13893612345", when=at(2025, 9, 26, 10, 0))
    return app


# --- the receipt -------------------------------------------------------------------------------

def test_receipt_of_an_application_with_materials_missing(page_client, family, two_kinds):
    number = two_kinds.case.number
    client = page_client("community")
    detail = client.get(f"/assistance/applications/{number}/").content.decode()
    assert f'href="/assistance/applications/{number}/receipt/" data-testid="print-receipt"' in detail
    assert f'href="/assistance/applications/{number}/notice/" data-testid="print-notice"' in detail

    r = client.get(f"/assistance/applications/{number}/receipt/")
    assert r.status_code == 200
    html = r.content.decode()
    head = family["head"]
    assert in_testid(html, "receipt-number") == number
    assert in_testid(html, "receipt-kinds") == "最低生活保障、临时救助"
    assert in_testid(html, "receipt-applicant") == f"张建国（ {head.id_number_masked} ）"
    assert head.id_number_masked.startswith("620702********")
    assert in_testid(html, "receipt-household") == "户号 JTX-001 · 交通巷 1 号"
    assert in_testid(html, "receipt-taken") == "2025年9月26日 10:00"
    assert in_testid(html, "receipt-community") == "交通巷社区居民委员会"
    assert in_testid(html, "receipt-clerk") == "community"
    assert in_testid(html, "receipt-state") == "待补正材料"
    assert in_testid(html, "receipt-materials") == "书面申请、居民身份证、家庭收入和财产状况声明"
    assert in_testid(html, "receipt-missing").startswith(f"户口簿、家庭经济状况核对授权书、{HARDSHIP_PROOF}")
    limits = in_testid(html, "receipt-limits")
    assert "请于 2025年10月16日 前补正材料（10 个工作日）" in limits
    assert "材料齐全予以受理之日起 30 个工作日内办结；特殊情况可延长至 45 个工作日" in limits
    t = text_of(r)
    assert "138****2345" in t and "13893612345" not in html
    assert "凭受理编号和手机号后四位，可在 http://testserver/service/status/ 查询办理进度。" in t
    assert "data-print" in html and "受理回执" in t
    # the masked ID number, and nothing beside it that rebuilds it: no whole number, no
    # birth date (the 8 hidden digits) in any form, no age
    assert head.id_number not in html
    for birth in ("19800517", "1980-05-17", "1980年5月17日", "1980/05/17"):
        assert birth not in html
    assert "出生" not in t and "年龄" not in t and "岁" not in t


def test_the_public_status_lookup_works_for_the_application(two_kinds):
    r = Client().get("/service/status/", {"number": two_kinds.case.number, "phone_tail": "2345"})
    assert r.status_code == 200
    t = text_of(r)
    assert "待补正材料" in t and "张建国" not in t
    assert Client().get("/service/status/", {"number": two_kinds.case.number, "phone_tail": "1234"}
                        ).status_code == 404


def test_receipt_of_an_accepted_application(page_client, take, params):
    app, _ = take(["subsistence_allowance"], when=at(2025, 9, 26, 10, 0))
    number = app.case.number
    client = page_client("community")
    html = client.get(f"/assistance/applications/{number}/receipt/").content.decode()
    assert in_testid(html, "receipt-state") == "审核中"
    assert in_testid(html, "receipt-materials") == "、".join(FULL_DIBAO)
    assert 'data-testid="receipt-missing"' not in html and 'data-testid="to-notice"' not in html
    # 30th working day after Fri 26 Sep 2025 (test_applications.py: 2025-11-13)
    assert in_testid(html, "receipt-limits") == ("2025年9月26日 受理，2025年11月13日 前办结（受理之日起 30 个工作日）"
                                              "；特殊情况可延长至 45 个工作日")
    # the family has no phone in the registry: the lookup by phone is not offered
    assert in_testid(html, "receipt-lookup") == "凭受理编号可向交通巷社区居民委员会查询办理进度。"
    # nothing missing: no notice, and none to print
    detail = client.get(f"/assistance/applications/{number}/").content.decode()
    assert 'data-testid="print-receipt"' in detail and 'data-testid="print-notice"' not in detail
    assert client.get(f"/assistance/applications/{number}/notice/").status_code == 404


# --- the one-time notice -----------------------------------------------------------------------

def test_notice_lists_every_missing_material_once_with_its_use_and_deadline(page_client, two_kinds):
    number = two_kinds.case.number
    r = page_client("community").get(f"/assistance/applications/{number}/notice/")
    assert r.status_code == 200
    html = r.content.decode()
    rows = [" ".join(re.sub(r"<[^>]+>", " ", row).split())
            for row in re.findall(r'<tr data-testid="notice-row">(.*?)</tr>', html, re.S)]
    assert rows == [
        "1 户口簿 最低生活保障、临时救助 2025年10月16日",
        "2 家庭经济状况核对授权书 最低生活保障 2025年10月16日",
        f"3 {HARDSHIP_PROOF} 临时救助 2025年10月16日",
    ]
    assert in_testid(html, "notice-applicant").startswith("张建国（")
    assert in_testid(html, "notice-kinds") == "最低生活保障、临时救助"
    t = text_of(r)
    assert "一次性告知书" in t and "以上为需补正的全部材料，不再另行要求其他材料。" in t
    assert "经办人：community" in t and "交通巷社区居民委员会" in t
    assert two_kinds.applicant.id_number not in html


def test_notice_on_the_emergency_path_gives_the_completion_limit(page_client, take, params):
    # 临时救助 先行救助 with only 书面申请: missing 居民身份证, 户口簿 and the hardship proof;
    # they follow within 5 working days of the grant (default, the parameters do not say)
    app, _ = take(["temporary_assistance"], materials=["书面申请"], hardship="fire", emergency=True,
                  when=at(2025, 9, 26, 10, 0))
    assert Case.objects.get(pk=app.case_id).state == "emergency"
    client = page_client("community")
    html = client.get(f"/assistance/applications/{app.case.number}/notice/").content.decode()
    rows = [" ".join(re.sub(r"<[^>]+>", " ", row).split())
            for row in re.findall(r'<tr data-testid="notice-row">(.*?)</tr>', html, re.S)]
    assert rows == ["1 居民身份证 临时救助 先行救助后 5 个工作日内", "2 户口簿 临时救助 先行救助后 5 个工作日内",
                    f"3 {HARDSHIP_PROOF} 临时救助 先行救助后 5 个工作日内"]
    receipt = client.get(f"/assistance/applications/{app.case.number}/receipt/").content.decode()
    assert "先行救助后 5 个工作日内补齐材料" in in_testid(receipt, "receipt-limits")


# --- who may print -----------------------------------------------------------------------------

@pytest.mark.parametrize("who, status", [
    ("community", 200), ("director", 200), ("township", 200), ("county", 200), ("city", 200), ("admin", 200),
    ("grid_member", 404),   # works cases, but does not read assistance applications
    ("dept", 404),          # a department's staff
    ("peer", 404), ("outsider", 404),   # community workers of another community, another county
    ("auditor", 403), ("org", 403),      # no case pages at all
])
def test_papers_answer_by_scope_and_need_to_know(page_client, more_users, two_kinds, who, status):
    number = two_kinds.case.number
    if who in more_users:
        client = Client()
        client.force_login(more_users[who])
    else:
        client = page_client(who)
    assert client.get(f"/assistance/applications/{number}/receipt/").status_code == status
    assert client.get(f"/assistance/applications/{number}/notice/").status_code == status


def test_papers_of_another_case_type_or_unknown_number_are_404(page_client, report_event):
    event = report_event()
    client = page_client("community")
    assert client.get(f"/service/receipts/{event.number}/").status_code == 404   # as for the service desk's
    assert client.get(f"/assistance/applications/{event.number}/receipt/").status_code == 404
    assert client.get(f"/assistance/applications/{event.number}/notice/").status_code == 404
    assert client.get("/assistance/applications/nonsense/receipt/").status_code == 404


# --- the materials checklist follows the kinds ticked --------------------------------------------

def _boxes(html: str) -> list[str]:
    return re.findall(r'name="material" id="material-\d+" value="([^"]*)"', html)


def test_material_needs_is_the_union_with_who_needs_what():
    needs = material_needs(["subsistence_allowance", "temporary_assistance", "subsistence_allowance", "nope"])
    assert needs == [
        ("书面申请", ["最低生活保障", "临时救助"]), ("居民身份证", ["最低生活保障", "临时救助"]),
        ("户口簿", ["最低生活保障", "临时救助"]), ("家庭收入和财产状况声明", ["最低生活保障"]),
        ("家庭经济状况核对授权书", ["最低生活保障"]), (HARDSHIP_PROOF, ["临时救助"]),
    ]
    assert required_materials(["subsistence_allowance", "temporary_assistance"]) == [m for m, _ in needs]
    assert material_needs([]) == []


def test_checklist_is_the_union_of_the_kinds_ticked_and_follows_the_selection(page_client, users, params):
    client = page_client("community")
    # the form before any kind is ticked: no boxes, a hint; the kinds ask for the list on change
    new = client.get("/assistance/applications/new/").content.decode()
    assert _boxes(new) == [] and 'data-testid="materials-empty"' in new
    assert 'hx-get="/assistance/applications/new/materials/" hx-trigger="change"' in new
    assert 'hx-target="#materials" hx-include="[name=kind], [name=material]"' in new

    url = "/assistance/applications/new/materials/"
    both = client.get(url, {"kind": ["subsistence_allowance", "temporary_assistance"], "material": ["户口簿"]})
    assert both.status_code == 200
    html = both.content.decode()
    assert _boxes(html) == ["书面申请", "居民身份证", "户口簿", "家庭收入和财产状况声明", "家庭经济状况核对授权书",
                            HARDSHIP_PROOF]
    used_by = [" ".join(s.split()) for s in re.findall(r'data-testid="material-used-by">（(.*?)）<', html)]
    assert used_by == ["最低生活保障、临时救助"] * 3 + ["最低生活保障"] * 2 + ["临时救助"]
    assert 'value="户口簿" checked' in html and 'value="书面申请" checked' not in html
    assert "第二代残疾人证" not in html        # a kind not ticked brings nothing

    # 低保 unticked: its own materials go, the shared ones stay (still ticked)
    one = client.get(url, {"kind": ["temporary_assistance"], "material": ["户口簿"]}).content.decode()
    assert _boxes(one) == ["书面申请", "居民身份证", "户口簿", HARDSHIP_PROOF]
    assert 'value="户口簿" checked' in one
    # 残疾人康复救助 added: 第二代残疾人证 and 康复需求评估 join, once each
    more = client.get(url, {"kind": ["temporary_assistance", "disability_rehabilitation"]}).content.decode()
    assert _boxes(more) == ["书面申请", "居民身份证", "户口簿", HARDSHIP_PROOF, "第二代残疾人证", "康复需求评估"]
    none = client.get(url).content.decode()
    assert _boxes(none) == [] and 'data-testid="materials-empty"' in none


def test_the_form_sent_back_keeps_the_checklist_of_its_kinds(page_client, family, params):
    client = page_client("community")
    r = client.post("/assistance/applications/new/", {"request_key": "k1", "kind": ["temporary_assistance"],
                                                      "material": ["户口簿"]})
    assert r.status_code == 422
    html = r.content.decode()
    assert _boxes(html) == ["书面申请", "居民身份证", "户口簿", HARDSHIP_PROOF]
    assert 'value="户口簿" checked' in html


def test_checklist_only_for_who_takes_applications(page_client, users):
    url = "/assistance/applications/new/materials/?kind=temporary_assistance"
    assert page_client("grid_member").get(url).status_code == 403
    assert page_client("auditor").get(url).status_code == 403
    assert page_client("county").get(url).status_code == 200    # take_applications (docs/permissions.md)
    assert page_client("community").get(url).status_code == 200
