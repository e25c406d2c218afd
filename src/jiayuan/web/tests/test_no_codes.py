"""Labels, not codes (issue 10): the regressions the every-page crawl (test_page_crawl)
found, each pinned on its own."""

import ast
import re
from pathlib import Path

from django.test import Client

from jiayuan.audit.services import Actor, record
from jiayuan.conftest import GRID
from jiayuan.web.labels import ACTION_LABELS

SRC = Path(__file__).resolve().parents[2]

# Actions recorded from an f-string, written out: imports.services.record_export
# (f"{what}.export"), assistance.services.enrollments (f"assistance.enrollment.{kind}"),
# cases.services.note_overdue (f"case.{kind}", CaseEvent.Kind WARN / ESCALATE).
TEMPLATED_ACTIONS = {"person.export", "household.export", "assistance.enrollment.suspend",
                     "assistance.enrollment.resume", "assistance.enrollment.terminate", "case.warn", "case.escalate"}


def text_of(response) -> str:
    """The page's text: tags (and so attribute values, like an option's value) removed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def _recorded_actions() -> set[str]:
    """Every literal action given to a record…() call of the code, including both arms
    of a conditional (``"x.create" if created else "x.update"``)."""
    found = set()
    for path in SRC.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None) or ""
            if not name.startswith("record"):
                continue
            args = list(node.args[1:2]) + [k.value for k in node.keywords if k.arg == "action"]
            for arg in args:
                found.update(_action_literals(arg))
    return found


def _action_literals(node):
    """The dotted string constants of an action argument: the constant itself, both arms
    of a conditional, and in the entries of ``record_many(actor, [{"action": …, "object_type":
    …}])`` only the values under "action" (an object type is not an action). f-strings are
    TEMPLATED_ACTIONS."""
    if isinstance(node, ast.JoinedStr):
        return
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values):
            if isinstance(key, ast.Constant) and key.value == "action":
                yield from _action_literals(value)
        return
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str) and re.fullmatch(r"[a-z_0-9]+(\.[a-z_0-9]+)+", node.value):
            yield node.value
        return
    for child in ast.iter_child_nodes(node):
        yield from _action_literals(child)


def test_every_recorded_action_has_a_label_conditional_and_templated_ones_too():
    actions = _recorded_actions()
    assert {"event_category.create", "event_category.update", "case.transition"} <= actions
    missing = sorted(a for a in actions | TEMPLATED_ACTIONS if a not in ACTION_LABELS)
    assert missing == []


def test_audit_log_shows_names_of_states_programs_parameters_and_object_kinds(users, make_person):
    from jiayuan.cases.services import sync_case_types
    from jiayuan.people.services import create_household

    sync_case_types()
    actor = Actor(users["admin"], "command")
    head = make_person(region=GRID, name="张建国")
    hh = create_household(actor, {"number": "0012", "region": GRID}, head)
    record(actor, "assistance.enrollment.create", object_type="assistance.enrollment", object_id="5",
           object_repr=f"elderly_allowance:{head.pk}", region_code=GRID,
           changes={"program": [None, "elderly_allowance"], "person": [None, head.pk], "household": [None, hh.pk]})
    record(actor, "case.transition", object_type="cases.case", object_id="41", object_repr="620702001001-20261207-0008",
           region_code=GRID, changes={"state": ["submitted", "awaiting_materials"],
                                      "parts": [None, ["subsistence_allowance", "temporary_assistance"]]})
    record(actor, "assistance.parameter.create", object_type="assistance.programparameter", object_id="8",
           object_repr="subsistence_allowance 6207 2026-07", region_code="6207",
           changes={"values": [None, {"standard_urban": "790.00"}], "effective_from": [None, "2026-07-01"]})
    record(actor, "event_category.update", object_type="grid.eventcategory", object_id="sanitation.garbage",
           object_repr="垃圾堆放")
    record(actor, "person.export", object_type="people.person", region_code=GRID)
    client = Client()
    client.force_login(users["admin"])
    html = text_of(client.get("/audit/"))
    # names from assistance/case_types.py (submitted 待受理, awaiting_materials 待补正材料),
    # the programs of migration assistance/0002 and PARAMETER_SCHEMAS (standard_urban 城市低保标准)
    for words in ("状态：待受理 → 待补正材料", "申请救助项目：— → 最低生活保障、临时救助", "城市低保标准：790.00",
                  "生效日期：— → 2026-07-01", "最低生活保障 6207 2026-07", "事件类别 垃圾堆放", "更新事件类别",
                  "导出居民名单", "居民：— → 张建国", "户：— → 0012", "救助项目：— → 高龄津贴"):
        assert words in html, words
    for code in ("awaiting_materials", "subsistence_allowance", "standard_urban", "effective_from", "grid.eventcategory",
                 "#sanitation.garbage", "#41", "person.export", f"居民：— → {head.pk} ", f"户：— → {hh.pk} "):
        assert code not in html, code


def test_english_pages_name_ethnic_groups_and_relations_in_english(users, make_person):
    from jiayuan.people.services import create_household

    head = make_person(region=GRID, name="马福", ethnic_group="03")
    wife = make_person(region=GRID, name="李秀英", sex_for_id=2, birth=__import__("datetime").date(1982, 3, 1))
    girl = make_person(region=GRID, name="马丽", sex_for_id=2, birth=__import__("datetime").date(2012, 6, 1))
    hh = create_household(Actor(users["admin"], "command"), {"number": "0031", "region": GRID}, head,
                          [(wife, "12"), (girl, "30")])
    client = Client()
    client.force_login(users["community"])
    client.cookies["django_language"] = "en"
    page = client.get(f"/households/{hh.pk}/").content.decode()
    assert "Household head" in page and "Wife" in page   # 户主 and 妻 (GB/T 4761 02, 12) in the catalog
    assert ">妻<" not in page and "户主" not in page
    # 30 女 is the daughter, not the sex 女 (Female) that shares its Chinese
    assert "Daughter" in page
    person = client.get(f"/persons/{head.pk}/edit/").content.decode()
    assert ">Hui<" in person and ">回族<" not in person


def test_township_officer_finds_the_service_desk_in_the_menu(users):
    # service_request's create_roles admit the township officer (街道便民服务中心): the menu leads there
    client = Client()
    client.force_login(users["township"])
    home = client.get("/").content.decode()
    assert 'href="/service/intake/"' in home
    assert client.get("/service/intake/").status_code == 200


def test_shipped_category_and_service_item_names_are_marked_for_translation():
    import json

    from jiayuan.grid.labels import EVENT_CATEGORY_NAMES
    from jiayuan.servicecenter.labels import SERVICE_ITEM_NAMES

    def names(nodes):
        for n in nodes:
            yield n["name"]
            yield from names(n.get("children", []))

    cats = json.loads((SRC / "grid" / "data" / "event_categories.json").read_text(encoding="utf-8"))["categories"]
    items = json.loads((SRC / "servicecenter" / "data" / "service_items.json").read_text(encoding="utf-8"))["items"]
    assert set(names(cats)) <= set(EVENT_CATEGORY_NAMES)
    assert {i["name"] for i in items} <= set(SERVICE_ITEM_NAMES)


def test_english_report_and_desk_pages_name_categories_and_service_items_in_english(more_users):
    from jiayuan.grid.services import load_event_categories
    from jiayuan.servicecenter.services import load_catalogs

    load_event_categories(Actor(None, "command"))
    load_catalogs(Actor(None, "command"))
    client = Client()
    client.force_login(more_users["community"])
    client.cookies["django_language"] = "en"
    report = text_of(client.get("/grid/report/"))
    assert "Piled-up rubbish" in report and "垃圾堆放" not in report
    desk = text_of(client.get("/service/intake/"))
    assert "Application for legal aid" in desk and "法律援助申请" not in desk
