"""Case types as declared data.

A case type is a plain dict (written in Python in an app's ``case_types.py`` as
``CASE_TYPES = [...]``, or as a JSON file in an app's ``case_types/`` folder) that this
module checks and turns into :class:`CaseTypeDecl`. The engine never names a case type
in its code: a new module (home-care orders, mediation, tips …) adds its own
declaration, plus, where it needs them, its own intake function, guards and effects
registered by name (:mod:`jiayuan.cases.effects`). The format is documented in
``docs/cases.md``; in short::

    {
      "code": "grid_event", "version": 1, "name": "网格事件",
      "intake": "jiayuan.grid.services.event_intake",     # dotted path (optional)
      "create_roles": ["grid_member", "community_worker"], # who may open one
      "read_permission": "view_cases",                     # who may read one (required)
      "initial_state": "reported",
      "states": [
        {"code": "reported", "name": "已上报", "status": "open",
         "queue": "township_officer",                    # whose queue it waits in
         "limit": "1wd", "on_exceed": "warn"},            # or "24h"; escalate
        {"code": "closed", "name": "已结案", "status": "closed"}, …
      ],
      "transitions": [
        {"action": "accept", "name": "立案", "from": ["reported"], "to": "accepted",
         "roles": ["township_officer"],                   # or "@reporter", "@department"
         "comment": "optional" | "required" | "none", "comment_label": "立案意见",
         "min_attachments": 0,
         "fields": {"department": {"type": "department", "required": true, "label": "承办部门"}},
         "guards": ["…"], "effects": ["assign_department"],
         "routes": [{"if": "all_tasks_done", "to": "completed"}]}, …
      ]
    }

A declaration is versioned: ``version`` is stored with it (:class:`CaseType` rows), each
case keeps the version it was opened under, and changing a stored version's content
without raising ``version`` is refused at start-up.

``read_permission`` (required; need-to-know, DESIGN.md principle 8) names the permission
(:class:`jiayuan.accounts.permissions.Perm`) a user must hold to read cases of the type
inside their region scope: every list, count, search, page, attachment and export of
cases goes through :func:`jiayuan.cases.selectors.cases_for`, which applies it.
Department staff read the cases given to their department (a task) whatever the type:
being given the work is their need to know. It belongs to the type, not to a version:
it is left out of the checksum and read from the registered (latest) declaration, so a
change of who reads applies to the cases of every version at once. Every role the
declaration names (``create_roles``, transition roles, state queues) must hold it — a
role that could act on a case it may not read is refused at declaration time.

``read_filter`` (optional; per-record need-to-know) names, by dotted path, a function
``(user) -> Q`` over :class:`jiayuan.cases.models.Case` that narrows the cases of the
type a holder of ``read_permission`` reads to some of them — e.g. a children's referral
is read only by who reads that child's file (``jiayuan.children.referrals.readers``).
:func:`jiayuan.cases.selectors.cases_for` adds it to the query for every user but a
superuser (department staff included: a task on the case does not open it), so every
route, list, count, search, attachment and to-do source inherits it and a case outside
the filter answers 404 like an unknown one. The function must not run a query itself
(it is called for every list): it returns a lazy Q (``Exists``/subqueries). Like
``read_permission`` it belongs to the type (:data:`TYPE_KEYS`).
"""

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..accounts.permissions import Perm, role_has
from .rules import ON_EXCEED, Limit

COMMENT_MODES = ("none", "optional", "required")
FIELD_TYPES = ("text", "int", "choice", "bool", "date", "department", "departments")
STATUSES = ("open", "closed")
RELATION_ROLES = ("@reporter", "@department")
# Keys of a declaration that belong to the type rather than to one version of it: left
# out of the checksum (changing them needs no new version) and read from the registry.
TYPE_KEYS = ("read_permission", "read_filter")


class DeclarationError(ValueError):
    """A case-type declaration that does not hold together; the message says where."""


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    required: bool = False
    label: str = ""
    max_length: int = 500
    min: int | None = None
    max: int | None = None
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class StateDecl:
    code: str
    name: str
    status: str = "open"
    queue: str = ""
    limit: Limit | None = None
    on_exceed: str = "warn"
    public_name: str = ""


@dataclass(frozen=True)
class TransitionDecl:
    action: str
    name: str
    sources: tuple[str, ...]
    to: str
    roles: tuple[str, ...]
    comment: str = "optional"
    comment_label: str = "意见"
    min_attachments: int = 0
    fields: tuple[FieldSpec, ...] = ()
    guards: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()
    routes: tuple[tuple[str, str], ...] = ()
    style: str = ""


@dataclass(frozen=True)
class CaseTypeDecl:
    code: str
    version: int
    name: str
    initial_state: str
    states: tuple[StateDecl, ...]
    transitions: tuple[TransitionDecl, ...]
    create_roles: tuple[str, ...] = ()
    intake: str = ""
    description: str = ""
    read_permission: str = ""
    read_filter: str = ""
    raw: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def checksum(self) -> str:
        return declaration_checksum(self.raw)

    def state(self, code: str) -> StateDecl:
        for s in self.states:
            if s.code == code:
                return s
        raise KeyError(code)

    def has_state(self, code: str) -> bool:
        return any(s.code == code for s in self.states)

    def transition(self, action: str) -> TransitionDecl | None:
        for t in self.transitions:
            if t.action == action:
                return t
        return None

    def transitions_from(self, state: str) -> list[TransitionDecl]:
        return [t for t in self.transitions if state in t.sources]

    def open_states(self) -> list[str]:
        return [s.code for s in self.states if s.status == "open"]


def declaration_checksum(raw: dict) -> str:
    """SHA-256 of the declaration's versioned content (:data:`TYPE_KEYS` left out)."""
    versioned = {k: v for k, v in raw.items() if k not in TYPE_KEYS}
    return hashlib.sha256(json.dumps(versioned, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def check_read_permission(raw: dict) -> str:
    """The declaration's ``read_permission`` (a :class:`Perm` value). Raises
    :class:`DeclarationError` when it is missing or names no permission: every case type
    must say who reads it (DESIGN.md principle 8)."""
    where = f"案件类型 {raw.get('code') or '?'}"
    value = raw.get("read_permission")
    if not value:
        raise DeclarationError(
            f"{where}: 缺少 read_permission（读取此类案件所需的权限，例如 view_cases、view_assistance；"
            f"见 docs/cases.md）")
    if value not in {p.value for p in Perm}:
        raise DeclarationError(f"{where}: read_permission {value!r} 不是已定义的权限（可用：{', '.join(Perm)}）")
    return value


def check_read_filter(raw: dict) -> str:
    """The declaration's optional ``read_filter`` (a dotted path, ``""`` when absent).
    Raises :class:`DeclarationError` when it is given but is not a dotted path
    (``package.module.function``); whether it imports is checked on first use
    (:func:`read_filter_of`) and by the tests, since a module's selectors may not be
    importable while declarations are being registered."""
    value = raw.get("read_filter", "")
    if value in ("", None):
        return ""
    if not isinstance(value, str) or "." not in value.strip(".") or " " in value:
        raise DeclarationError(
            f"案件类型 {raw.get('code') or '?'}: read_filter {value!r} 须为函数的完整路径"
            f"（如 jiayuan.children.referrals.readers，见 docs/cases.md）")
    return value


def _check_readers(decl: "CaseTypeDecl", where: str) -> None:
    """Every role the declaration names (create_roles, transitions, state queues) holds
    its read permission: a role must not act on, or wait for, a case it may not read."""
    named = {("create_roles", r) for r in decl.create_roles}
    named |= {(f"流转 {t.action}", r) for t in decl.transitions for r in t.roles}
    named |= {(f"状态 {s.code} 的 queue", s.queue) for s in decl.states if s.queue}
    for place, role in sorted(named):
        if role.startswith("@"):
            continue
        if not role_has(role, decl.read_permission):
            raise DeclarationError(
                f"{where}: {place} 中的角色 {role} 没有读取此类案件的权限 {decl.read_permission}")


def _need(d: dict, key: str, where: str, kind=str):
    if key not in d:
        raise DeclarationError(f"{where}: 缺少 {key}")
    value = d[key]
    if not isinstance(value, kind) or (kind is str and not value):
        raise DeclarationError(f"{where}: {key} 类型错误")
    return value


def _field(name: str, spec: dict, where: str) -> FieldSpec:
    ftype = spec.get("type", "text")
    if ftype not in FIELD_TYPES:
        raise DeclarationError(f"{where}: 字段 {name} 的类型 {ftype!r} 无效（可用：{', '.join(FIELD_TYPES)}）")
    choices = tuple((str(k), str(v)) for k, v in spec.get("choices", []))
    if ftype == "choice" and not choices:
        raise DeclarationError(f"{where}: 选择字段 {name} 缺少 choices")
    return FieldSpec(name=name, type=ftype, required=bool(spec.get("required", False)),
                     label=spec.get("label", name), max_length=int(spec.get("max_length", 500)),
                     min=spec.get("min"), max=spec.get("max"), choices=choices)


def parse_declaration(raw: dict, known_roles: frozenset[str] | None = None, *, stored: bool = False) -> CaseTypeDecl:
    """Check a declaration dict and build a :class:`CaseTypeDecl`.

    Raises :class:`DeclarationError` naming the first problem: unknown state in a
    transition, duplicate codes, an unreachable state, a bad limit, an unknown role
    (when ``known_roles`` is given), an initial state missing, ``read_permission``
    missing or unknown, a named role without it …

    ``stored``: the definition of a stored version (``CaseType.definition``), parsed to
    run its cases; versions stored before ``read_permission`` existed lack it, and who
    reads is taken from the registered declaration anyway (:func:`read_permissions`).
    """
    if not isinstance(raw, dict):
        raise DeclarationError("案件类型声明须为字典")
    code = _need(raw, "code", "案件类型")
    where = f"案件类型 {code}"
    version = _need(raw, "version", where, int)
    if version < 1:
        raise DeclarationError(f"{where}: version 须为正整数")
    states: list[StateDecl] = []
    seen: set[str] = set()
    for i, s in enumerate(_need(raw, "states", where, list)):
        sw = f"{where} 状态 #{i + 1}"
        scode = _need(s, "code", sw)
        if scode in seen:
            raise DeclarationError(f"{where}: 状态 {scode} 重复")
        seen.add(scode)
        status = s.get("status", "open")
        if status not in STATUSES:
            raise DeclarationError(f"{sw}: status 须为 open 或 closed")
        try:
            limit = Limit.parse(s.get("limit"))
        except (ValueError, TypeError) as exc:
            raise DeclarationError(f"{sw}: {exc}") from None
        on_exceed = s.get("on_exceed", "warn")
        if on_exceed not in ON_EXCEED:
            raise DeclarationError(f"{sw}: on_exceed 须为 warn 或 escalate")
        states.append(StateDecl(code=scode, name=_need(s, "name", sw), status=status, queue=s.get("queue", ""),
                                limit=limit, on_exceed=on_exceed, public_name=s.get("public_name", "")))
    if not states:
        raise DeclarationError(f"{where}: 至少需要一个状态")
    initial = _need(raw, "initial_state", where)
    if initial not in seen:
        raise DeclarationError(f"{where}: 初始状态 {initial} 未声明")

    transitions: list[TransitionDecl] = []
    actions: set[str] = set()
    for i, t in enumerate(_need(raw, "transitions", where, list)):
        tw = f"{where} 流转 #{i + 1}"
        action = _need(t, "action", tw)
        tw = f"{where} 流转 {action}"
        if action in actions:
            raise DeclarationError(f"{where}: 动作 {action} 重复")
        actions.add(action)
        sources = t.get("from")
        sources = [sources] if isinstance(sources, str) else sources
        if not sources or not isinstance(sources, list):
            raise DeclarationError(f"{tw}: 缺少 from")
        for src in sources:
            if src not in seen:
                raise DeclarationError(f"{tw}: 起始状态 {src} 未声明")
        to = _need(t, "to", tw)
        if to not in seen:
            raise DeclarationError(f"{tw}: 目标状态 {to} 未声明")
        roles = t.get("roles")
        if not roles or not isinstance(roles, list):
            raise DeclarationError(f"{tw}: 缺少 roles")
        for r in roles:
            if r.startswith("@"):
                if r not in RELATION_ROLES:
                    raise DeclarationError(f"{tw}: 关系角色 {r} 无效（可用：{', '.join(RELATION_ROLES)}）")
            elif known_roles is not None and r not in known_roles:
                raise DeclarationError(f"{tw}: 角色 {r} 不存在")
        comment = t.get("comment", "optional")
        if comment not in COMMENT_MODES:
            raise DeclarationError(f"{tw}: comment 须为 none、optional 或 required")
        routes = []
        for r in t.get("routes", []):
            if r.get("to") not in seen or not r.get("if"):
                raise DeclarationError(f"{tw}: routes 的 if/to 无效")
            routes.append((r["if"], r["to"]))
        fields = tuple(_field(n, spec, tw) for n, spec in (t.get("fields") or {}).items())
        min_att = t.get("min_attachments", 0)
        if not isinstance(min_att, int) or min_att < 0:
            raise DeclarationError(f"{tw}: min_attachments 须为非负整数")
        transitions.append(TransitionDecl(
            action=action, name=_need(t, "name", tw), sources=tuple(sources), to=to, roles=tuple(roles),
            comment=comment, comment_label=t.get("comment_label", "意见"), min_attachments=min_att,
            fields=fields, guards=tuple(t.get("guards", [])), effects=tuple(t.get("effects", [])),
            routes=tuple(routes), style=t.get("style", ""),
        ))
    # every state but the initial one must be reachable
    reachable = {initial}
    changed = True
    while changed:
        changed = False
        for t in transitions:
            if reachable.intersection(t.sources):
                for target in (t.to, *(r[1] for r in t.routes)):
                    if target not in reachable:
                        reachable.add(target)
                        changed = True
    unreachable = [s.code for s in states if s.code not in reachable]
    if unreachable:
        raise DeclarationError(f"{where}: 状态 {', '.join(unreachable)} 无法到达")
    create_roles = tuple(raw.get("create_roles", []))
    if known_roles is not None:
        for r in create_roles:
            if r not in known_roles:
                raise DeclarationError(f"{where}: create_roles 中的角色 {r} 不存在")
    read_permission = raw.get("read_permission", "") if stored else check_read_permission(raw)
    decl = CaseTypeDecl(code=code, version=version, name=_need(raw, "name", where), initial_state=initial,
                        states=tuple(states), transitions=tuple(transitions), create_roles=create_roles,
                        intake=raw.get("intake", ""), description=raw.get("description", ""),
                        read_permission=read_permission, read_filter=check_read_filter(raw), raw=raw)
    if not stored:
        _check_readers(decl, where)
    return decl


# --- registry ------------------------------------------------------------------------

_REGISTRY: dict[str, dict] = {}


def register(raw: dict) -> None:
    """Register a declaration dict (the latest version of its code wins). Raises
    :class:`DeclarationError` at once when it does not say who reads it
    (:func:`check_read_permission`)."""
    check_read_permission(raw)
    check_read_filter(raw)
    code = raw.get("code")
    cur = _REGISTRY.get(code)
    if cur is None or raw.get("version", 0) >= cur.get("version", 0):
        _REGISTRY[code] = raw


def load_json(path: Path) -> None:
    """Register every ``*.json`` declaration in a folder (or one file)."""
    paths = sorted(path.glob("*.json")) if path.is_dir() else [path]
    for p in paths:
        with p.open(encoding="utf-8") as fh:
            register(json.load(fh))


def autodiscover() -> None:
    """Register the declarations of every installed app: ``CASE_TYPES`` in its
    ``case_types`` module and JSON files in its ``case_types/`` folder."""
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps

    for app in apps.get_app_configs():
        name = f"{app.name}.case_types"
        if find_spec(app.name) is None:
            continue
        folder = Path(app.path) / "case_types"
        if folder.is_dir() and not (folder / "__init__.py").exists():
            load_json(folder)
            continue
        try:
            spec = find_spec(name)
        except ModuleNotFoundError:
            spec = None
        if spec is None:
            continue
        module = import_module(name)
        for raw in getattr(module, "CASE_TYPES", []):
            register(raw)
        if folder.is_dir():
            load_json(folder)


def registered() -> dict[str, dict]:
    """{code: raw declaration} of the registered (latest) versions."""
    return dict(_REGISTRY)


def read_permissions() -> dict[str, str]:
    """{type code: its declared read permission} of the registered case types. A type
    stored in the database but no longer registered is absent: nobody but a superuser
    reads its cases (fail closed)."""
    return {code: raw["read_permission"] for code, raw in _REGISTRY.items()}


def read_filters() -> dict[str, str]:
    """{type code: dotted path of its per-record read filter} of the registered case types
    that declare one (most declare none)."""
    return {code: raw["read_filter"] for code, raw in _REGISTRY.items() if raw.get("read_filter")}


_FILTER_CACHE: dict[str, object] = {}


def read_filter_of(path: str):
    """The function a ``read_filter`` path names, imported once. Raises ImportError /
    AttributeError (a start-up defect, not a user's error) when it does not exist."""
    fn = _FILTER_CACHE.get(path)
    if fn is None:
        from django.utils.module_loading import import_string

        fn = _FILTER_CACHE[path] = import_string(path)
    return fn
