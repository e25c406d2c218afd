"""A working day of the platform, for locust (``make loadtest``; bench/loadtest/run.py).

Users of every role in proportion: many grid members (网格员) and community workers
(社区工作者), fewer street officers (街道干部), department staff (职能部门), and few
county and city staff (区县民政、市级、审计). Each signs in once (the login page for the
pages, ``POST /api/v1/auth/token`` for the API) with an account of its role from
``LOADTEST_ACCOUNTS`` (a JSON file the runner writes: ``{"password", "accounts": {role:
[{"username", "scope", "grids"?}]}, "rosters": [paths], "photo": path}``) and then, with
a think time between actions, does what that role does in a day:

- grid members: search persons, open person and household pages, report grid events
  with a photo (upload, then ``POST /api/v1/cases``), work their queue (verify handled
  events), look at their home page;
- community workers: search pages, person and household pages, service-desk intake
  (``service_request`` cases), roster imports of 5,000 rows (``POST /api/v1/imports``, then
  polled until finished), roster exports of their community, their case queue;
- street officers: their queue (accept, dispatch to a department, close), case board,
  dashboards; department staff: their queue (handle, with a photo);
- county staff: batch review (list, detail, lines, review and reopen), dashboards,
  statistics, a township export; city staff: dashboards, the city report, case counts;
  auditors: the audit log.

Request kinds are named (``name=``) so that locust's statistics are per kind; imports and
exports are also reported as their own kinds (``import 5000 rows (queued→finished)``,
the whole streamed export). Refuses any host but 127.0.0.1 or localhost.
"""

import json
import os
import random
import re
import time
from itertools import count

from locust import HttpUser, between, events, task

CONFIG = json.loads(open(os.environ["LOADTEST_ACCOUNTS"]).read())
PASSWORD = CONFIG["password"]
PHOTO = open(CONFIG["photo"], "rb").read()
ROSTERS = list(CONFIG.get("rosters", []))
SURNAMES = "张王李刘陈杨赵黄周吴徐孙马胡朱郭何罗高林"
GIVEN = "建国军伟强磊秀英芳娜敏静丽"
_next = {role: count() for role in CONFIG["accounts"]}
_rosters_taken = 0
_first_start: float | None = None
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
WAIT = (float(os.environ.get("LOADTEST_WAIT_MIN", "4")), float(os.environ.get("LOADTEST_WAIT_MAX", "12")))
IMPORT_WAIT = float(os.environ.get("LOADTEST_IMPORT_MAX_SECONDS", "900"))
POLL = float(os.environ.get("LOADTEST_POLL_SECONDS", "5"))
SMOKE = os.environ.get("LOADTEST_EVERY_TASK_FIRST") == "1"  # the smoke test: every role, every kind once


def account(role: str) -> dict:
    pool = CONFIG["accounts"][role]
    return pool[next(_next[role]) % len(pool)]


def fire(environment, kind: str, started: float, length: int = 0, exc: Exception | None = None) -> None:
    """Report a kind that is not one request (an import queued → finished)."""
    environment.events.request.fire(request_type="JOB", name=kind, response_time=(time.perf_counter() - started) * 1000,
                                    response_length=length, exception=exc, context={})


class Platform(HttpUser):
    abstract = True
    role = ""
    wait_time = between(*WAIT)

    def on_start(self):
        self.me = account(self.role)
        self.scope = self.me["scope"]
        r = self.client.get("/login/", name="page login")
        m = CSRF.search(r.text)
        self.client.post("/login/", data={"username": self.me["username"], "password": PASSWORD,
                                          "csrfmiddlewaretoken": m.group(1) if m else ""},
                         headers={"Referer": self.host + "/login/"}, name="page login (post)")
        r = self.client.post("/api/v1/auth/token", json={"username": self.me["username"], "password": PASSWORD},
                             name="api auth token")
        self.api_headers = {"Authorization": f"Bearer {r.json().get('token', '')}"} if r.ok else {}
        self.persons: list[dict] = []
        self.role_start()
        if SMOKE:
            self.search_api("张")
            for t in dict.fromkeys(self.tasks):
                t(self)

    def role_start(self):
        """What a role loads once after signing in (catalogs)."""

    # --- helpers ---------------------------------------------------------------------
    def api_get(self, path, name, **params):
        with self.client.get(path, params=params, headers=self.api_headers, name=name, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}: {r.text[:200]}")
                return None
            return r.json()

    def api_post(self, path, name, ok=(200, 201, 202), **kw):
        with self.client.post(path, headers=self.api_headers, name=name, catch_response=True, **kw) as r:
            if r.status_code not in ok:
                r.failure(f"{r.status_code}: {r.text[:300]}")
                return None
            return r.json()

    def query(self) -> str:
        r = random.random()
        if r < 0.35:
            return random.choice(SURNAMES)
        if r < 0.7:
            return random.choice(SURNAMES) + random.choice(GIVEN)
        if r < 0.9:
            return random.choice(GIVEN) + random.choice(GIVEN)
        return random.choice("zwlcyhgs") + random.choice("jgwqxml")  # pinyin initials

    def search_api(self, q: str = ""):
        page = self.api_get("/api/v1/persons", "api persons search", q=q or self.query(), page_size=20)
        if page and page["results"]:
            self.persons = page["results"]

    def search_page(self):
        self.client.get("/persons/", params={"q": self.query()}, name="page persons search")

    def person_and_household(self):
        if not self.persons:
            self.search_api()
        if not self.persons:
            return
        p = random.choice(self.persons)
        self.client.get(f"/persons/{p['id']}/", name="page person")
        if p.get("household"):
            self.client.get(f"/households/{p['household']}/", name="page household")

    def dashboard_panels(self):
        panels = self.api_get("/api/v1/dashboards", "api dashboards list")
        if panels and panels["panels"]:
            self.api_get(f"/api/v1/dashboards/{random.choice(panels['panels'])}", "api dashboard panel")
        self.client.get("/stats/dashboards/", name="page dashboards")

    def photo(self) -> int | None:
        out = self.api_post("/api/v1/attachments", "api attachment upload (photo)",
                            files={"file": ("现场照片.jpg", PHOTO, "image/jpeg")})
        return out["id"] if out else None

    def work_queue(self, prefer: list[str], kind: str = ""):
        """Open the queue (mine=1), take one case and do the first preferred action it
        offers, filling the action's fields."""
        params = {"mine": "true", "page_size": 20}
        if kind:
            params["type"] = kind
        page = self.api_get("/api/v1/cases", "api cases queue (mine)", **params)
        if not page or not page["results"]:
            return
        case = random.choice(page["results"])
        detail = self.api_get(f"/api/v1/cases/{case['number']}", "api case detail")
        if not detail:
            return
        actions = {a["action"]: a for a in detail["actions"]}
        action = next((actions[a] for a in prefer if a in actions), None)
        if action is None:
            return
        fields = {}
        for f in action["fields"]:
            if f["type"] == "department":
                depts = self.api_get("/api/v1/departments", "api departments (for dispatch)", case=case["number"])
                if not depts:
                    return
                fields[f["name"]] = random.choice(depts)["code"]
            elif f["choices"]:
                fields[f["name"]] = f["choices"][0][0]
            elif f["type"] == "int":
                fields[f["name"]] = 5
            elif f["required"]:
                return
        attachments = []
        for _ in range(action["min_attachments"]):
            pk = self.photo()
            if pk is None:
                return
            attachments.append(pk)
        name = f"api case transition ({action['action']})"
        with self.client.post(f"/api/v1/cases/{case['number']}/transitions", headers=self.api_headers, name=name,
                              catch_response=True, json={"action": action["action"], "version": detail["version"],
                                                         "comment": "压力测试：已办理", "fields": fields,
                                                         "attachments": attachments}) as r:
            if r.status_code == 200:
                return
            if r.status_code in (403, 409):
                # several officers share a street's (a department's) queue: another took the
                # case first. A conflict when the case has changed since it was read.
                now = self.api_get(f"/api/v1/cases/{case['number']}", "api case detail (after a refusal)")
                if now and now["version"] != detail["version"]:
                    r.success()
                    fire(self.environment, "case taken by another user first (409/403, expected)", time.perf_counter())
                    return
            r.failure(f"{r.status_code}: {r.text[:300]}")


class GridMember(Platform):
    role = "grid_member"
    weight = 50

    def role_start(self):
        cats = self.api_get("/api/v1/grid/event-categories", "api grid event categories") or []
        self.categories = [c["code"] for top in cats for c in top["children"]] or ["sanitation.garbage"]

    @task(6)
    def search(self):
        self.search_api()

    @task(4)
    def pages(self):
        self.person_and_household()

    @task(2)
    def report_event(self):
        pk = self.photo()
        if pk is None:
            return
        self.api_post("/api/v1/cases", "api case create (grid_event, photo)", json={
            "type": "grid_event", "category": random.choice(self.categories), "region": self.scope,
            "description": "压力测试：楼道堆放杂物，影响通行", "address": "压力测试地址", "attachments": [pk]})

    @task(2)
    def queue(self):
        self.work_queue(["verify"], kind="grid_event")

    @task(2)
    def home(self):
        self.client.get("/", name="page home")


class CommunityWorker(Platform):
    role = "community_worker"
    weight = 30

    def role_start(self):
        items = self.api_get("/api/v1/service-items", "api service items") or []
        self.items = [i for i in items if i["materials"]] or items

    @task(5)
    def search(self):
        self.search_page()

    @task(4)
    def pages(self):
        self.person_and_household()

    @task(3)
    def intake(self):
        if not self.persons:
            self.search_api()
        if not self.persons or not self.items:
            return
        item = random.choice(self.items)
        brought = item["materials"] if random.random() < 0.7 else item["materials"][:-1]
        self.api_post("/api/v1/cases", "api case create (service_request)", json={
            "type": "service_request", "item": item["code"], "person": random.choice(self.persons)["id"],
            "materials": brought, "description": "压力测试：窗口受理"})

    @task(2)
    def queue(self):
        self.client.get("/cases/", name="page cases queue")
        self.work_queue(["accept", "complete", "handle"], kind="service_request")

    @task(1)
    def export(self):
        t = time.perf_counter()
        with self.client.get("/api/v1/persons/export", params={"format": "xlsx", "region": self.scope},
                             headers=self.api_headers, name="export community roster (xlsx)",
                             catch_response=True) as r:
            if r.status_code != 200 or not r.content.startswith(b"PK"):
                r.failure(f"{r.status_code}: {r.text[:200]}")

    @task(1)
    def roster_import(self):
        """Upload a 5,000-row roster and poll the job until it is finished (reported as
        its own kind). Each workbook is imported once: the pool is finite."""
        global _rosters_taken, _first_start
        now = time.monotonic()
        _first_start = _first_start or now
        i = _rosters_taken
        mine = [r for r in ROSTERS if r["region"] == self.scope and not r.get("taken")]
        if not mine or now - _first_start < i * CONFIG.get("import_every", 0):
            return  # the pool is finite and spread over the run: about one upload per import_every s
        _rosters_taken += 1
        mine[0]["taken"] = True  # a roster of the worker's own community
        path, region = mine[0]["path"], mine[0]["region"]
        started = time.perf_counter()
        job = self.api_post("/api/v1/imports", "api import upload (5000 rows)", ok=(202,),
                            files={"file": (os.path.basename(path), open(path, "rb").read(),
                                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")},
                            data={"region": region})
        if not job:
            return
        while time.perf_counter() - started < IMPORT_WAIT:
            time.sleep(POLL)
            job = self.api_get(f"/api/v1/imports/{job['id']}", "api import status (poll)")
            if job is None:
                return
            if job["status"] in ("done", "failed"):
                result = job.get("result") or {}
                bad = job["status"] == "failed" or "error" in result
                created = result.get("created", 0) if isinstance(result, dict) else 0
                fire(self.environment, "import 5000 rows (queued→finished)", started, created,
                     RuntimeError(f"import {job['id']} {job['status']}: {str(result)[:200]}") if bad else None)
                return
        fire(self.environment, "import 5000 rows (queued→finished)", started, 0,
             RuntimeError(f"import {job['id']} not finished after {IMPORT_WAIT:.0f} s"))


class TownshipOfficer(Platform):
    role = "township_officer"
    weight = 8

    @task(5)
    def queue(self):
        self.work_queue(["accept", "dispatch", "close"], kind="grid_event")

    @task(2)
    def board(self):
        self.client.get("/cases/", name="page cases queue")

    @task(2)
    def dashboard(self):
        self.client.get("/stats/dashboards/", name="page dashboards")

    @task(2)
    def search(self):
        self.search_api()
        self.person_and_household()

    @task(1)
    def home(self):
        self.client.get("/", name="page home")


class DepartmentStaff(Platform):
    role = "department_staff"
    weight = 4

    @task(4)
    def queue(self):
        self.work_queue(["handle"], kind="grid_event")

    @task(1)
    def home(self):
        self.client.get("/", name="page home")


class CountyStaff(Platform):
    role = "county_officer"
    weight = 4

    @task(3)
    def batch_review(self):
        page = self.api_get("/api/v1/assistance/batches", "api batches list", page_size=20)
        if not page or not page["results"]:
            return
        b = random.choice(page["results"])
        detail = self.api_get(f"/api/v1/assistance/batches/{b['id']}", "api batch detail")
        self.api_get(f"/api/v1/assistance/batches/{b['id']}/lines", "api batch lines", page_size=50)
        if not detail:
            return
        if detail["status"] == "generated":
            self.api_post(f"/api/v1/assistance/batches/{b['id']}/review", "api batch review", ok=(200,),
                          json={"version": detail["version"], "note": "压力测试：审核"})
        elif detail["status"] == "reviewed" and detail.get("exported_at") is None:
            self.api_post(f"/api/v1/assistance/batches/{b['id']}/reopen", "api batch reopen", ok=(200,),
                          json={"version": detail["version"], "reason": "压力测试：重开复核"})

    @task(3)
    def dashboards(self):
        self.dashboard_panels()

    @task(2)
    def statistics(self):
        self.client.get("/stats/indicators/", name="page indicators")

    @task(2)
    def search(self):
        self.search_api()
        self.person_and_household()

    @task(1)
    def export(self):
        with self.client.get("/api/v1/persons/export", params={"format": "csv", "region": "620702001"},
                             headers=self.api_headers, name="export township roster (csv)",
                             catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}: {r.text[:200]}")


class CityStaff(Platform):
    role = "city_admin"
    weight = 1

    @task(3)
    def dashboards(self):
        self.dashboard_panels()

    @task(1)
    def report(self):
        self.client.get("/stats/report/", name="page city report")

    @task(1)
    def cases(self):
        self.api_get("/api/v1/case-counts", "api case counts")


class Auditor(Platform):
    role = "auditor"
    weight = 1

    @task
    def audit(self):
        self.client.get("/audit/", name="page audit log")


if SMOKE:  # one user of each role (locust spreads users over the classes by weight)
    for _cls in (GridMember, CommunityWorker, TownshipOfficer, DepartmentStaff, CountyStaff, CityStaff, Auditor):
        _cls.weight = 1
    del _cls  # a module-level User class would be taken for another user class


@events.test_start.add_listener
def _only_this_machine(environment, **_kw):
    """The load runs only against this machine (127.0.0.1 / localhost)."""
    from urllib.parse import urlparse

    if urlparse(environment.host or "").hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"refusing to load {environment.host!r}: only 127.0.0.1 or localhost")


@events.init_command_line_parser.add_listener
def _args(parser):
    parser.add_argument("--loadtest-note", default="", help="free text printed with the results")
