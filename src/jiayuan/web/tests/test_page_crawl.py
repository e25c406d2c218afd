"""The every-page crawl (issue 10, "No internal codes on the screen").

Signed in as every role, in Chinese and in English, the test client starts at the home
page and follows the links it finds (``<a href>``, same origin, GET only, breadth-first,
at most ``PAGE_BUDGET`` pages per role and language, at most ``PER_PATTERN`` instances of
one URL pattern), so that a page added later is reached without touching this file.
Skipped: logout, the language switch (both POST), the JSON API and Open311, static and
media files; a response that is not HTML (a download) counts as reached but is not read.

On each HTML page, the visible text (text nodes outside ``<script>``/``<style>``, plus
the ``title``, ``placeholder``, ``aria-label`` and ``alt`` attributes, an optgroup's
``label`` and a button input's ``value``; option texts are text nodes) must not show:

(a) a code: a snake_case token ``[a-z]+(_[a-z0-9]+)+`` or a dotted code
    ``[a-z_]+\\.[a-z_]+`` (``person.export``, ``case.transition``) — URLs, e-mail
    addresses and file names (``.xlsx`` …) are not codes;
(b) a raw id where a name belongs: ``#123``; ``id=``/``pk=`` followed by digits; a link
    whose whole text is the integer id that its own URL carries (``<a href="/households/17/">17</a>``);
    a table cell of only digits under a column headed by a person, household or case
    (户/户号/居民/姓名/申请人/案件, Household/Resident/Name/Applicant/Case) that is not a
    stored household number;
(c) in English only: a CJK ideograph that is not stored data. The stored data are every
    text of the database that users or imports entered (names, addresses, region and
    department names, notes, case texts and payloads, file names, audit object texts …),
    collected from every text and JSON column of every model except the declared
    catalogs (``DECLARED`` below: tag kinds, programs, event categories, service items,
    certificate kinds …, whose names the English UI translates with ``data_label``);
    they are removed from the text before the check, longest first.
(d) two elements with one ``id`` (a ``<label for>`` or ``aria-describedby`` then points at
    the first only: two forms on one page with the same field names);

Then, per role, every URL pattern without parameters that the role may open (GET gives
an HTML 200) must have been reached by following links; over all roles, every pattern
with parameters must have been reached at least once. Patterns that cannot be reached
by a GET link (POST-only actions, downloads …) are in ``UNREACHED_OK`` with the reason.

Findings that were too big to fix in this round are in ``KNOWN`` (pattern, check,
token) with the reason; anything else fails the test.
"""

import re
import time
from collections import deque
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from jiayuan.audit.services import Actor
from jiayuan.conftest import GRID, OWNER_COMMUNITY, PASSWORD, make_id_number
from jiayuan.tests.helpers import CITY_MGMT

pytestmark = pytest.mark.usefixtures("media_root")  # uploads under a temporary MEDIA_ROOT

PAGE_BUDGET = 400
PER_PATTERN = 3

# role key of the fixture users → what the report calls it
ROLES = {
    "admin": "superuser", "city": "city admin", "county": "county officer", "township": "township officer",
    "director": "community director", "community": "community worker", "grid_member": "grid member",
    "dept": "department staff", "org": "org staff", "auditor": "auditor",
}
LANGS = ("zh-hans", "en")

SKIP_PREFIXES = ("/api/", "/open311/", "/i18n/", "/static/", "/media/", "/logout/")

# Patterns no GET link reaches, with the reason (route strings as Django reports them).
_POST = "POST only (a form's action; its GET shows nothing of its own)"
UNREACHED_OK = {
    "logout/": "POST only (the sign-out button)",
    "login/": "the sign-in page, seen before signing in",
    "cases/persons/": "htmx fragment (the person picker's live search), not a page",
    "service/intake/item/": "htmx fragment (the service item's checklist), not a page",
    "assistance/applications/new/materials/": "htmx fragment (the application's materials checklist), not a page",
    "stats/dashboards/data/<slug:panel>/": "JSON of a dashboard panel, fetched by stats/dashboard.js (data-src), not a page",
    "service/status/": "public page for residents (progress by case number): its address is printed on the receipt, as text",
    "service/verify/": "public page (certificate verification): its address is printed on the certificate, as text",
    "cases/photos/<int:pk>/thumb/": "an image (thumbnail of a case photo), loaded by <img>, not a page",
    "cases/<str:number>/act/<str:action>/": _POST,
    "cases/<str:number>/urge/": _POST,
    "service/certificates/<str:number>/revoke/": _POST,
    "assistance/enrollments/<int:pk>/action/": _POST,
    "assistance/batches/<int:batch_id>/export/": _POST + "; the payment file download",
    "assistance/batches/<int:batch_id>/results/": _POST,
    "assistance/batches/<int:batch_id>/<slug:action>/": _POST,
    "assistance/applications/<str:number>/act/<slug:action>/": _POST,
    "assistance/applications/<str:number>/objections/": _POST,
    "assistance/applications/<str:number>/objections/<int:pk>/resolve/": _POST,
    "disability/<int:pk>/reveal/": _POST + " (reveal the full number, audited)",
    "children/<int:pk>/regrade/": _POST,
    "children/<int:pk>/confirm/": _POST,
    "children/<int:pk>/team/": _POST,
    "children/<int:pk>/team/<str:slot>/remove/": _POST,
    "children/<int:pk>/referral/": _POST + " (opens a child_referral case)",
    "children/<int:pk>/close/": _POST,
    "children/<int:pk>/reopen/": _POST,
    "children/<int:pk>/photo/<int:photo_pk>/": "an image (a visit photo), loaded by <img>, not a page",
    "disability/<int:pk>/care-need/": _POST,
    "governance/tips/<int:pk>/act/": _POST,
    "governance/volunteers/records/<int:pk>/confirm/": _POST + " (confirm a volunteer's hours)",
    "governance/activities/<int:pk>/participants/": _POST + " (name participants with the person picker)",
    "governance/activities/<int:pk>/photos/": _POST + " (upload an activity's photos)",
    "governance/bodies/<int:pk>/members/": _POST + " (add a member of a body)",
    "governance/volunteers/export/": "a download (xlsx) of a GET form's region and period on the volunteers page",
    "governance/mediation/<str:number>/<slug:step>/": _POST + " (assign, session, agreement, followup, police)",
    "disability/<int:pk>/revoke/": _POST,
    "persons/<int:pk>/reveal/": _POST + " (reveal the full ID number, audited)",
    "persons/<int:pk>/tags/": _POST,
    "persons/<int:pk>/tags/<int:tag_id>/end/": _POST,
    "persons/<int:pk>/life-status/": _POST,
    "households/<int:pk>/members/": _POST,
    "households/<int:pk>/members/<int:person_id>/remove/": _POST,
    "households/<int:pk>/head/": _POST,
    "imports/<int:pk>/confirm/": _POST,
    "imports/<int:pk>/retry/": _POST + " (retry an import a dead worker interrupted)",
    "account/tokens/<int:pk>/revoke/": _POST,
    "account/tokens/revoke-all/": _POST,
    "account/security/remove/": _POST,
    "manage/accounts/<int:pk>/<str:action>/": _POST + " (disable, enable, reset the password, unlock)",
    "facilities/<int:pk>/rooms/": _POST + " (add a room)",
    "facilities/<int:pk>/also-serves/": _POST + " (the units a shared facility also serves)",
    "facilities/<int:pk>/rooms/<int:room_id>/remove/": _POST,
    "facilities/funds/standard/": _POST + " (the county's standard, a form on the funds page)",
    "facilities/funds/<int:pk>/entries/": _POST + " (an allocation or a spending)",
    "workforce/<int:pk>/grade-step/": _POST,
    "workforce/<int:pk>/leave/": _POST,
    "workforce/social-workers/<int:pk>/hours/": _POST,
    "workforce/training/<int:pk>/enroll/": _POST,
    "workforce/training/<int:pk>/attendance/": _POST,
    "eldercare/assessments/score/": _POST + " (htmx: the assessment form's live score)",
    "eldercare/facilities/<int:pk>/assign/": _POST,
    "eldercare/facilities/<int:pk>/subsidy/": _POST,
    "eldercare/facilities/<int:pk>/attendance/": _POST,
    "eldercare/orders/<int:pk>/dispatch/": _POST,
    "eldercare/orders/<int:pk>/callback/": _POST,
    "eldercare/orders/<int:pk>/complaint/": _POST,
    "eldercare/orders/<int:pk>/void/": _POST,
    "eldercare/orders/<int:pk>/photos/<int:photo_pk>/": "an image's source (<img src>), not a link",
    "eldercare/complaints/<int:pk>/decide/": _POST,
    "eldercare/my/<int:pk>/<str:step>/": _POST + " (check-in, check-out, confirmation on the phone)",
    "eldercare/settlements/<int:pk>/<str:step>/": _POST + " (approve, reopen, regenerate)",
    "organizations/<int:pk>/<slug:action>/": _POST + " (an organization's inspection, rating, status, activity, staff link)",
    "organizations/calls/<int:pk>/<slug:action>/": _POST + " (start a call's review, post its notice)",
}

# Findings left for later, each with its reason: (route, check) → reason for all tokens
# of that check on that route, or (route, check, token) → reason for one token.
KNOWN: dict[tuple, str] = {
    ("service/certificates/<str:number>/print/", "chinese"):
        "the printed certificate is the Chinese official paper, its body the city's certificate template",
    ("imports/new/", "chinese"): "the roster workbook's column headers are Chinese by the file format (所属网格, 手机号 …)",
    ("imports/<int:pk>/", "chinese"): "the error workbook's column header (错误原因) is Chinese by the file format",
    ("assistance/batches/", "raw id"): "批次号 is the batch's number in messages, payment files and the API (its id by design)",
}

# Models whose names are declared catalogs (translated in the English UI): their texts
# are not data and must show in English.
DECLARED = {
    "people.tagkind", "assistance.program", "grid.eventcategory", "servicecenter.serviceitem",
    "servicecenter.sealscopeitem", "servicecenter.accesslistitem", "cases.casetype",
}

SNAKE = re.compile(r"(?<![\w./@:-])[a-z]+(?:_[a-z0-9]+)+(?![\w/@-])")
DOTTED = re.compile(r"(?<![\w./@:-])[a-z_]{2,}\.[a-z_]{2,}(?![\w/@-])")
# not codes: a certificate template's placeholders (${name}, what the user types), a rule
# version (subsistence_allowance.gap/v1, the hover title beside the rule's name on
# enrollment and batch pages, kept for reproducibility), URLs, e-mail addresses, file names
NOT_CODE = re.compile(r"\$\{\w+\}|[a-z_]+\.[a-z_]+/v\d+|https?://\S+|\S+@\S+|\S+\.(?:xlsx|xls|csv|pdf|png|jpe?g|zip|txt|json)\b", re.I)
HASH_ID = re.compile(r"#\d+")
ID_EQ = re.compile(r"\b(?:id|pk)\s*[=:]\s*\d+", re.I)
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# A document number (文号: 民发〔2020〕20号, 国办发明电〔2025〕7号) is a proper name, quoted as
# issued in every language, like a statute's number.
DOCUMENT_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}〔\d{4}〕\d+号")
# column headers under which a bare number would be an internal id standing for a name
ID_HEADERS = {"户", "户号", "户主", "居民", "姓名", "申请人", "案件", "案件编号", "批次", "household", "household no.",
              "head of household", "resident", "name", "applicant", "case", "case no.", "batch"}
VISIBLE_ATTRS = ("title", "placeholder", "aria-label", "alt")


class Page(HTMLParser):
    """Visible text chunks, links (href, text) and table cells (header, text) of one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.cells: list[tuple[str, str]] = []
        self._skip = 0
        self._link: list | None = None
        self._headers: list[str] = []
        self._cell: list | None = None
        self._col = 0
        self._in_thead = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style", "template"):
            self._skip += 1
        for name in VISIBLE_ATTRS:
            if a.get(name):
                self.chunks.append(a[name])
        if tag == "optgroup" and a.get("label"):   # a group's heading in a select
            self.chunks.append(a["label"])
        if tag == "input" and a.get("type") in ("submit", "button", "reset") and a.get("value"):
            self.chunks.append(a["value"])
        if tag == "a" and a.get("href") is not None:
            self._link = [a["href"], []]
        elif tag == "table":
            self._headers = []
        elif tag == "thead":
            self._in_thead = True
        elif tag == "tr":
            self._col = 0
            if not self._in_thead and self._headers and self._cell is None:
                pass
        elif tag in ("td", "th"):
            self._cell = [tag, []]

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._skip = max(0, self._skip - 1)
        elif tag == "a" and self._link is not None:
            self.links.append((self._link[0], " ".join("".join(self._link[1]).split())))
            self._link = None
        elif tag == "thead":
            self._in_thead = False
        elif tag in ("td", "th") and self._cell is not None:
            text = " ".join("".join(self._cell[1]).split())
            if self._cell[0] == "th" and self._in_thead:
                self._headers.append(text)
            else:
                header = self._headers[self._col] if self._col < len(self._headers) else ""
                self.cells.append((header, text))
            self._col += 1
            self._cell = None

    def handle_data(self, data):
        if self._skip:
            return
        self.chunks.append(data)
        if self._link is not None:
            self._link[1].append(data)
        if self._cell is not None:
            self._cell[1].append(data)

    def text(self) -> str:
        return " ".join(" ".join(self.chunks).split())


def _patterns(resolver=None, prefix="") -> list[tuple[str, bool]]:
    """(route, has parameters) of every page pattern of the URLconf (the API, Open311
    and the language switch excluded)."""
    out = []
    for p in (resolver or get_resolver()).url_patterns:
        route = prefix + str(p.pattern)
        if any(("/" + route).startswith(s) for s in SKIP_PREFIXES):
            continue
        if isinstance(p, URLResolver):
            out += _patterns(p, route)
        elif isinstance(p, URLPattern):
            out.append((route, "<" in route or "(?P" in route))
    return out


def _route(path: str) -> str | None:
    try:
        return resolve(path).route
    except Resolver404:
        return None


def stored_texts() -> list[str]:
    """Every CJK-bearing text stored in the database outside the declared catalogs
    (see the module docstring), longest first."""
    import json

    found: set[str] = set()

    def walk(v):
        if isinstance(v, str):
            if CJK.search(v):
                found.add(v.strip())
        elif isinstance(v, dict):
            for k, x in v.items():
                walk(k)
                walk(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)

    for model in apps.get_models():
        if not model.__module__.startswith("jiayuan.") or model._meta.label_lower in DECLARED:
            continue
        fields = [f.attname for f in model._meta.concrete_fields
                  if isinstance(f, (models.CharField, models.TextField, models.JSONField))]
        if not fields:
            continue
        for row in model.objects.values_list(*fields):
            for v in row:
                if isinstance(v, str) and v.startswith(("{", "[")):
                    try:
                        v = json.loads(v)
                    except ValueError:
                        pass
                walk(v)
    from jiayuan.regions.models import Region

    # a declared name echoed in stored data (an audit entry's object text, a case's
    # payload) stays a declared name: it must show translated, so it is not data
    declared: set[str] = set()
    for label in DECLARED:
        model = apps.get_model(label)
        fields = [f.attname for f in model._meta.concrete_fields if isinstance(f, (models.CharField, models.TextField))]
        for row in model.objects.values_list(*fields):
            declared |= {v.strip() for v in row if isinstance(v, str) and CJK.search(v)}
    found -= declared
    found |= {r.short_name for r in Region.objects.all()}   # shown without the committee suffix
    # parts of stored texts shown on their own (a name inside an address, one line of a note)
    for s in list(found):
        for part in re.split(r"[\s，。；、：,;:·/]+", s):
            if len(part) >= 2 and CJK.search(part):
                found.add(part)
    return sorted(found, key=len, reverse=True)


ELEMENT_ID = re.compile(r"""<[a-zA-Z][^<>]*?\sid=["']([^"']+)["']""")


def check_page(route: str, html: str, lang: str, data: list[str], household_numbers: set[str],
               usernames: set[str]) -> list[tuple]:
    """Findings (check, token, context) of one page."""
    page = Page()
    page.feed(html)
    text = page.text()
    out = []
    plain = NOT_CODE.sub(" ", text)
    for m in SNAKE.finditer(plain):
        if m.group(0) in usernames:   # a user name is data
            continue
        out.append(("code", m.group(0), plain[max(0, m.start() - 40):m.end() + 40]))
    for m in DOTTED.finditer(plain):
        out.append(("code", m.group(0), plain[max(0, m.start() - 40):m.end() + 40]))
    for rx in (HASH_ID, ID_EQ):
        for m in rx.finditer(text):
            out.append(("raw id", m.group(0), text[max(0, m.start() - 40):m.end() + 40]))
    for href, label in page.links:
        if label.isdigit():
            try:
                kwargs = resolve(urlsplit(href).path).kwargs
            except Resolver404:
                continue
            if any(str(v) == label for v in kwargs.values() if isinstance(v, int)):
                out.append(("raw id", label, f"link to {href}"))
    for header, cell in page.cells:
        if cell.isdigit() and header.strip().lower() in ID_HEADERS and cell not in household_numbers:
            out.append(("raw id", cell, f"cell under {header!r}"))
    seen_ids: set[str] = set()
    for m in ELEMENT_ID.finditer(html):
        if m.group(1) in seen_ids:
            out.append(("duplicate id", m.group(1), "two elements carry this id (a label or aria link finds the first)"))
        seen_ids.add(m.group(1))
    if lang == "en":
        rest = DOCUMENT_NUMBER.sub(" ", text)
        for s in data:
            if s in rest:
                rest = rest.replace(s, " ")
        for m in CJK.finditer(rest):
            if m.group(0) in ("中文", "简体中文"):   # the language switch names each language in itself
                continue
            out.append(("chinese", m.group(0), rest[max(0, m.start() - 40):m.end() + 40]))
    return out


def crawl(client: Client, lang: str, data, household_numbers, usernames):
    """Breadth-first from the home page: (pages read, {route: [paths]}, findings, non-HTML paths)."""
    client.cookies["django_language"] = lang
    queue = deque(["/"])
    seen = {"/"}
    per_route: dict[str, list[str]] = {}
    findings = []
    downloads = []
    n = 0
    while queue and n < PAGE_BUDGET:
        path = queue.popleft()
        route = _route(urlsplit(path).path)
        if route is None:
            continue
        if len(per_route.get(route, [])) >= PER_PATTERN:
            continue
        resp = client.get(path)
        n += 1
        per_route.setdefault(route, []).append(path)
        if resp.status_code in (301, 302, 303, 307, 308):  # a redirect is a link to where it points
            target = urlsplit(urljoin("http://testserver" + path, resp["Location"]))
            nxt = target.path + (f"?{target.query}" if target.query else "")
            if target.netloc in ("", "testserver") and nxt not in seen and not target.path.startswith(SKIP_PREFIXES):
                seen.add(nxt)
                queue.append(nxt)
            continue
        if resp.status_code != 200:
            continue
        if not resp.get("Content-Type", "").startswith("text/html"):
            downloads.append(path)
            continue
        html = resp.content.decode()
        for check, token, context in check_page(route, html, lang, data, household_numbers, usernames):
            findings.append((route, path, check, token, context))
        page = Page()
        page.feed(html)
        for href, _label in page.links:
            url = urljoin("http://testserver" + path, href)
            parts = urlsplit(url)
            if parts.netloc != "testserver" or parts.scheme not in ("http", "https"):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target in seen or parts.path.startswith(SKIP_PREFIXES):
                continue
            seen.add(target)
            queue.append(target)
    return n, per_route, findings, downloads


@pytest.fixture
def city(more_users, depts, photo, act, report_event, settings, tmp_path):
    """A small city day: residents and households of the owner community (tagged 低保,
    特困, 残疾人, elderly), the demo's assistance data (parameters, enrollments, last
    month's paid batch and this month's, two applications, disability certificates), grid
    events at several states, a service request, certificates, a community task, an
    import with errors, and the audit entries all of that wrote."""
    from jiayuan.accounts.models import User
    from jiayuan.grid.services import load_event_categories
    from jiayuan.imports import services as import_services
    from jiayuan.people.services import add_tag, create_household, create_person
    from jiayuan.regions.models import Region
    from jiayuan.servicecenter.services import assign_community_task, issue_certificate, load_catalogs
    from jiayuan.cases.services import create_case, sync_case_types
    from jiayuan.web.management.commands.demo_setup import Command

    settings.VAR_DIR = tmp_path
    admin = Actor(more_users["admin"], "command")
    load_event_categories(admin)
    load_catalogs(admin)
    sync_case_types()
    for name, role, scope in (("ganzhou", "county_officer", "620702"), ("shequ", "community_worker", OWNER_COMMUNITY)):
        u = User(username=name, role=role, scope_id=scope, full_name=f"{name}（演示）")
        u.set_password(PASSWORD)
        u.save()

    def person(name, birth, sex, **kw):
        return create_person(admin, {"name": name, "id_number": make_id_number(birth, sex), "region": GRID,
                                     "phone": "13893612345", "address": "交通巷社区12号楼", **kw})

    families = [
        ("0012", [("张建国", date(1956, 4, 12), 1, None), ("李秀英", date(1958, 9, 1), 2, "10"),
                  ("张伟", date(1985, 3, 3), 1, "20")], "subsistence_allowance"),
        ("0013", [("王芳", date(1940, 1, 5), 2, None)], "extreme_poverty"),
        ("0014", [("赵刚", date(1970, 6, 6), 1, None), ("赵小明", date(2010, 2, 2), 1, "20")], "disabled"),
        ("0015", [("刘桂兰", date(1942, 8, 8), 2, None)], None),
        ("0016", [("陈勇", date(1990, 5, 5), 1, None)], None),
    ]
    persons = {}
    for number, members, tag in families:
        made = [(person(n, b, s), rel) for n, b, s, rel in members]
        for p, _ in made:
            persons[p.name] = p
        create_household(admin, {"number": number, "region": GRID, "address": "交通巷社区12号楼"},
                         made[0][0], [(p, rel) for p, rel in made[1:]])
        if tag:
            add_tag(admin, made[0][0], tag, date(2024, 1, 1))
    add_tag(admin, persons["赵小明"], "disabled", date(2024, 1, 1))
    Command()._assistance()

    # grid events at several states
    def rep(desc):
        return report_event(description=desc, request_key=desc)

    rep("小区门口垃圾堆放三天未清运")
    c = act("township", rep("路灯不亮"), "accept", comment="属实，立案")
    c = act("township", rep("井盖缺失"), "accept")
    c = act("township", c, "dispatch", fields={"department": CITY_MGMT}, comment="请城管局处置")
    c = act("dept", c, "handle", comment="已处理", attachments=[photo("dept")])
    act("township", rep("占道经营"), "return", comment="请补充具体位置")
    c = act("township", act("township", rep("违章搭建"), "accept"), "park", comment="需纳入明年改造计划")
    # a service request, certificates, a community task
    create_case(Actor(more_users["community"], "page"), "service_request",
                {"item": "jz.temporary_assistance", "person": persons["陈勇"].pk, "materials": ["申请人身份证"]})
    issue_certificate(Actor(more_users["community"], "page"), persons["张建国"], "居（租）住证明", "子女入学")
    try:
        assign_community_task(Actor(more_users["dept"], "page"), Region.objects.get(code=OWNER_COMMUNITY),
                              title="开展防诈骗宣传", kind="activity", occurs_on=date(2026, 12, 20),
                              department=depts[CITY_MGMT])
    except Exception:  # noqa: BLE001  (the task is optional for the crawl)
        pass
    # an import with errors
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号", "性别", "出生日期", "联系电话", "户号", "与户主关系", "现住址"])
    ws.append(["孙丽", make_id_number(date(1988, 1, 1), 2), "女", "1988-01-01", "13800000000", "0020", "户主", "东街1号"])
    ws.append(["错号", "620702198801010000", "男", "1988-01-01", "", "0021", "户主", "东街2号"])
    buf = io.BytesIO()
    wb.save(buf)
    job = import_services.create_job(Actor(more_users["community"], "page"), Region.objects.get(code=GRID),
                                     "花名册.xlsx", buf.getvalue())
    import_services.run_job(job.pk)
    # each module's own records for the crawl: ``jiayuan.<app>.tests.crawl_data.seed(users,
    # persons)`` (a module adds its pages' data there, not here)
    from importlib import import_module

    from django.apps import apps
    from django.utils.module_loading import module_has_submodule

    for config in apps.get_app_configs():
        if config.name.startswith("jiayuan.") and module_has_submodule(config.module, "tests"):
            tests = import_module(f"{config.name}.tests")
            if module_has_submodule(tests, "crawl_data"):
                import_module(f"{config.name}.tests.crawl_data").seed(more_users, persons)
    return persons


def test_every_page_shows_labels_not_codes(city, more_users, capsys):
    from jiayuan.accounts.models import User
    from jiayuan.people.models import Household

    household_numbers = set(Household.objects.values_list("number", flat=True))
    usernames = set(User.objects.values_list("username", flat=True))
    all_patterns = _patterns()
    reached: set[str] = set()
    problems: list[str] = []
    stats = []
    seen_tokens: set[tuple] = set()   # each finding reported once (for the first role and language showing it)
    started = time.monotonic()
    for who in ROLES:
        for lang in LANGS:
            data = stored_texts()   # again: the crawl itself writes (audit entries of views, their purpose texts)
            t0 = time.monotonic()
            client = Client()
            client.force_login(more_users[who])
            n, per_route, findings, downloads = crawl(client, lang, data, household_numbers, usernames)
            reached |= set(per_route)
            stats.append(f"{ROLES[who]:<18} {lang:<7} {n:>4} pages {len(per_route):>3} patterns "
                         f"{time.monotonic() - t0:5.1f} s")
            for route, path, check, token, context in findings:
                if (route, check) in KNOWN or (route, check, token) in KNOWN or (route, check, token) in seen_tokens:
                    continue
                seen_tokens.add((route, check, token))
                problems.append(f"[{ROLES[who]} {lang}] {path} {check}: {token!r} … {context}")
            # parameterless pages the role may open were all reached by links
            for route, has_params in all_patterns:
                if has_params or route in per_route or route in UNREACHED_OK:
                    continue
                resp = client.get("/" + route)
                if resp.status_code == 200 and resp.get("Content-Type", "").startswith("text/html"):
                    problems.append(f"[{ROLES[who]} {lang}] /{route} opens but no link reaches it")
    for route, has_params in all_patterns:
        if has_params and route not in reached and route not in UNREACHED_OK:
            problems.append(f"pattern never reached by any role: {route}")
    with capsys.disabled():
        print("\n" + "\n".join(stats) + f"\ncrawl total {time.monotonic() - started:.1f} s")
    assert not problems, f"{len(problems)} findings:\n" + "\n".join(problems)
