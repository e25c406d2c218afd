"""The shape of the code, checked over its import graph (issue 18; DESIGN.md, "The shape
every module follows"; docs/architecture.md, "Layers").

Every module of ``src/jiayuan`` is parsed with :mod:`ast` (nothing is imported), and the
test fails, naming the module, the line and the import, when

(a) a **selectors** module (``selectors.py``, ``*_selectors.py`` or a module of a
    ``selectors/`` package) imports a **services** module (``services.py``,
    ``*_services.py`` or a module of a ``services/`` package) of any app, at module level
    or inside a function: reads flow one way, views/api and services → selectors →
    models, so a selector never depends on a writer;
(b) a module of one app uses a **private name** (``_name``, not ``__dunder__``) of
    another app — imported (``from jiayuan.people.services import _x``) or reached
    through an imported module (``people_rules._X``) — or imports another app's private
    module. What apps share is public and documented. Top-level modules
    (``jiayuan.errors``, ``jiayuan.security`` …) count as an app of their own;
(c) a services or selectors module imports or names Django's ``Http404`` or
    ``get_object_or_404``: they raise :class:`jiayuan.errors.NotFound` (helper:
    :func:`jiayuan.errors.get_or_not_found`), which the pages' middleware and the API's
    error handler map to 404; ``Http404`` stays in views and API modules.

Test modules and ``conftest.py`` files are exempt from (b): a test may pin another app's
internals on purpose (clearing a cache between tests, checking a derived key, a private
helper's edge cases), and breaking loudly when they change is what it is for; the rule
protects the product code's dependencies. They are not services or selectors, so (a)
and (c) do not concern them.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

import jiayuan

ROOT = Path(jiayuan.__file__).resolve().parent

# Known exceptions, each with the reason and who removes it. An entry no longer needed
# fails the test too (so the list only shrinks): delete it then.
PENDING: dict[tuple[str, str], str] = {
    # (importing module, "target module:name") → why it is still allowed; none left
}


@dataclass(frozen=True)
class Module:
    name: str        # dotted: "jiayuan.cases.selectors"
    path: Path
    is_package: bool  # an __init__.py


@dataclass(frozen=True)
class Violation:
    rule: str        # "a", "b" or "c"
    module: str
    path: str
    line: int
    target: str      # "module:name" (or "module" for a whole module)
    message: str

    def __str__(self) -> str:
        return f"({self.rule}) {self.module} ({self.path}:{self.line}): {self.message}"


def find_modules(root: Path, package: str) -> dict[str, Module]:
    """Every ``.py`` file under ``root`` (the directory of ``package``) by dotted name."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        name = ".".join([package, *parts])
        out[name] = Module(name, path, is_package)
    return out


def app_of(name: str) -> str:
    """The app of a dotted module name: its second part (``jiayuan.cases.views`` → cases;
    a top-level module such as ``jiayuan.errors`` is its own unit); "" for the root."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def _layer(name: str, layer: str) -> bool:
    parts = name.split(".")[2:]
    return any(p == layer or p.endswith("_" + layer) for p in parts)


def is_selectors(name: str) -> bool:
    return _layer(name, "selectors")


def is_services(name: str) -> bool:
    return _layer(name, "services")


def is_test(module: Module) -> bool:
    parts = module.name.split(".")
    return "tests" in parts or parts[-1] == "conftest" or parts[-1].startswith("test_")


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _resolve_from(module: Module, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` reads from."""
    if not node.level:
        return node.module or ""
    base = module.name.split(".")
    if not module.is_package:
        base = base[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def check(modules: dict[str, Module], package: str = "jiayuan",
          pending: dict[tuple[str, str], str] | None = None) -> tuple[list[Violation], list[tuple[str, str]]]:
    """(violations, unused pending entries) of the rules of the module docstring over
    ``modules`` (see :func:`find_modules`); ``pending`` as :data:`PENDING`."""
    pending = pending or {}
    found: list[Violation] = []
    used: set[tuple[str, str]] = set()
    prefix = package + "."

    def ours(name: str) -> bool:
        return name == package or name.startswith(prefix)

    for module in modules.values():
        tree = ast.parse(module.path.read_text(encoding="utf-8"), filename=str(module.path))
        rel = module.path.as_posix()
        rel = rel[rel.rfind("/" + package + "/") + 1:] if ("/" + package + "/") in rel else rel
        app = app_of(module.name)
        test = is_test(module)
        selectors, services = not test and is_selectors(module.name), not test and is_services(module.name)
        module_aliases: dict[str, str] = {}   # local name -> one of our modules

        def report(rule, line, target, message):
            key = (module.name, target)
            if key in pending:
                used.add(key)
                return
            found.append(Violation(rule, module.name, rel, line, target, message))

        def imported(line, target_module, name=None, local=None):
            """One imported thing: ``target_module`` itself (name None) or its ``name``."""
            if local is not None and name is None and target_module in modules:
                module_aliases[local] = target_module
            if not ours(target_module):
                return
            shown = f"{target_module}:{name}" if name else target_module
            if selectors and is_services(target_module):
                report("a", line, shown,
                       f"imports {shown.replace(':', '.')}: a selector must not import a service "
                       f"(reads flow one way, services → selectors → models: move the read into selectors)")
            other_app = app_of(target_module) != app
            if not test and other_app:
                private_module = next((p for p in target_module.split(".")[2:] if _private(p)), None)
                if private_module:
                    report("b", line, target_module,
                           f"imports {target_module}, a private module of the app "
                           f"'{app_of(target_module)}': make what it shares public")
                elif name and _private(name):
                    report("b", line, shown,
                           f"imports {name} from {target_module}: a private name of the app "
                           f"'{app_of(target_module)}' — make it public there (and document it) or keep "
                           f"the code in its own app")

        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        imported(node.lineno, alias.name, local=alias.asname)
                    else:
                        imported(node.lineno, alias.name)
            elif isinstance(node, ast.ImportFrom):
                source = _resolve_from(module, node)
                for alias in node.names:
                    if (services or selectors) and alias.name in ("Http404", "get_object_or_404"):
                        report("c", node.lineno, f"{source}:{alias.name}",
                               f"imports {alias.name} from {source}: services and selectors raise "
                               f"jiayuan.errors.NotFound (lookups: jiayuan.errors.get_or_not_found); "
                               f"Http404 belongs to views and API modules")
                    if alias.name == "*":
                        imported(node.lineno, source)
                        continue
                    sub = f"{source}.{alias.name}"
                    if sub in modules:       # "from . import services": a module
                        imported(node.lineno, sub, local=alias.asname or alias.name)
                    else:
                        imported(node.lineno, source, alias.name)
        for node in ast.walk(tree):
            if (services or selectors) and isinstance(node, (ast.Name, ast.Attribute)):
                ident = node.id if isinstance(node, ast.Name) else node.attr
                if ident in ("Http404", "get_object_or_404"):
                    report("c", node.lineno, ident,
                           f"uses {ident}: services and selectors raise jiayuan.errors.NotFound")
            if (not test and isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and _private(node.attr) and node.value.id in module_aliases):
                target = module_aliases[node.value.id]
                if app_of(target) != app:
                    report("b", node.lineno, f"{target}:{node.attr}",
                           f"uses {node.value.id}.{node.attr}, a private name of {target} (app "
                           f"'{app_of(target)}'): make it public there (and document it) or keep the "
                           f"code in its own app")
    # one report per (module, line, target, rule): an import also walked as a Name
    unique = {(v.rule, v.module, v.line, v.target): v for v in found}
    return sorted(unique.values(), key=lambda v: (v.module, v.line, v.rule)), sorted(set(pending) - used)


# --- the project ---------------------------------------------------------------------------

def test_the_import_graph_keeps_reads_one_way_private_names_private_and_http404_out_of_services():
    violations, unused = check(find_modules(ROOT, "jiayuan"), "jiayuan", PENDING)
    lines = [str(v) for v in violations]
    lines += [f"PENDING entry no longer needed (delete it from tests/test_architecture.py): {k[0]} → {k[1]}"
              for k in unused]
    assert not lines, "The code breaks the layering rules (docs/architecture.md, \"Layers\"):\n  " + "\n  ".join(lines)


def test_the_walk_sees_the_apps_their_layers_and_their_tests():
    """Guards the guard: a walk that found nothing would pass vacuously."""
    modules = find_modules(ROOT, "jiayuan")
    assert {"jiayuan.cases.selectors", "jiayuan.cases.services", "jiayuan.assistance.selectors.applications",
            "jiayuan.assistance.services", "jiayuan.errors", "jiayuan.cases.tests.test_engine"} <= set(modules)
    assert is_selectors("jiayuan.assistance.selectors.applications") and is_selectors("jiayuan.cases.calendar_selectors")
    assert is_services("jiayuan.assistance.services") and is_services("jiayuan.cases.calendar_services")
    assert is_test(modules["jiayuan.disability.tests.test_services"])   # a test, not a services module
    assert len(modules) > 200


# --- the checker, on a made-up tree ----------------------------------------------------------

def _tree(tmp_path: Path, files: dict[str, str]) -> dict[str, Module]:
    root = tmp_path / "proj"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for d in [p for p in root.rglob("*") if p.is_dir()] + [root]:
        (d / "__init__.py").touch()
    return find_modules(root, "proj")


def _found(modules, pending=None):
    violations, unused = check(modules, "proj", pending)
    return {(v.rule, v.module, v.target) for v in violations}, unused


def test_a_selector_importing_a_service_fails_naming_both(tmp_path):
    modules = _tree(tmp_path, {
        "a/selectors.py": "from .services import write\n",
        "a/calendar_selectors.py": "def f():\n    from . import services\n",
        "b/selectors/things.py": "from ...a import services as a_services\n",
        "b/views.py": "from ..a.services import write\nfrom ..a import selectors\n",
        "a/services.py": "from .selectors import *\ndef write(): pass\n",   # services may read
    })
    found, _ = _found(modules)
    assert found == {
        ("a", "proj.a.selectors", "proj.a.services:write"),
        ("a", "proj.a.calendar_selectors", "proj.a.services"),
        ("a", "proj.b.selectors.things", "proj.a.services"),
    }
    violations, _ = check(modules, "proj")
    text = str(next(v for v in violations if v.module == "proj.a.selectors"))
    assert "proj.a.selectors" in text and "a/selectors.py:1" in text and "proj.a.services.write" in text


def test_a_private_name_of_another_app_fails_imported_or_reached_through_its_module(tmp_path):
    modules = _tree(tmp_path, {
        "a/rules.py": "_X = 1\ndef _f(): pass\ndef g(): pass\n",
        "a/_engine.py": "",
        "a/views.py": "from .rules import _f\n",                         # same app: allowed
        "b/views.py": "from ..a.rules import _f, g\n",
        "b/rules.py": "from ..a import rules as a_rules\nY = a_rules._X + a_rules.__name__.count('')\n",
        "b/services.py": "import proj.a._engine\n",
        "b/tests/test_it.py": "from proj.a.rules import _f\nfrom proj.a import rules\nrules._X\n",
        "b/conftest.py": "from ..a.rules import _X\n",
        "tools.py": "from .a.rules import _X\n",                            # a top-level module is its own unit
    })
    found, _ = _found(modules)
    assert found == {
        ("b", "proj.b.views", "proj.a.rules:_f"),
        ("b", "proj.b.rules", "proj.a.rules:_X"),
        ("b", "proj.b.services", "proj.a._engine"),
        ("b", "proj.tools", "proj.a.rules:_X"),
    }


def test_http404_or_get_object_or_404_in_a_service_or_selector_fails_but_not_in_a_view(tmp_path):
    modules = _tree(tmp_path, {
        "a/services.py": "from django.http import Http404\ndef f():\n    raise Http404\n",
        "a/selectors.py": "import django.http\ndef f():\n    raise django.http.Http404\n",
        "b/selectors/things.py": "from django.shortcuts import get_object_or_404\n",
        "b/views.py": "from django.http import Http404\nfrom django.shortcuts import get_object_or_404\n",
        "b/api.py": "from django.http import Http404\n",
    })
    found, _ = _found(modules)
    assert found == {
        ("c", "proj.a.services", "django.http:Http404"),
        ("c", "proj.a.services", "Http404"),                 # the raise, line 3
        ("c", "proj.a.selectors", "Http404"),
        ("c", "proj.b.selectors.things", "django.shortcuts:get_object_or_404"),
    }


def test_a_pending_entry_silences_its_violation_and_an_unneeded_one_is_reported(tmp_path):
    modules = _tree(tmp_path, {
        "a/rules.py": "_X = 1\n",
        "b/views.py": "from ..a.rules import _X\n",
    })
    pending = {("proj.b.views", "proj.a.rules:_X"): "being fixed", ("proj.b.views", "proj.a.rules:_Y"): "fixed"}
    found, unused = _found(modules, pending)
    assert found == set()
    assert unused == [("proj.b.views", "proj.a.rules:_Y")]


@pytest.mark.parametrize("name, selectors, services", [
    ("jiayuan.cases.selectors", True, False),
    ("jiayuan.assistance.selectors", True, False),
    ("jiayuan.assistance.selectors.ledgers", True, False),
    ("jiayuan.cases.calendar_services", False, True),
    ("jiayuan.assistance.services.batches", False, True),
    ("jiayuan.cases.views", False, False),
    ("jiayuan.servicecenter.rules", False, False),     # "servicecenter" is an app, not a layer
])
def test_layers_are_told_by_module_name(name, selectors, services):
    assert (is_selectors(name), is_services(name)) == (selectors, services)
