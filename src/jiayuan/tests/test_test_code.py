"""Test-only code stays test-only (issue 18 §4): the shared fixtures and helpers live in
``jiayuan.tests`` and reach tests through ``pytest_plugins`` and named imports, never
through a product module."""

import ast
from pathlib import Path

import jiayuan
from jiayuan import conftest

SRC = Path(jiayuan.__file__).resolve().parent
TEST_ONLY = ("jiayuan.tests", "jiayuan.conftest")


def _is_test_code(path: Path) -> bool:
    rel = path.relative_to(SRC)
    return "tests" in rel.parts[:-1] or rel.name == "conftest.py" or rel.name.startswith("test_")


def _imported_modules(source: str, package: list[str]) -> set[str]:
    """Absolute names of the modules (and imported names) a module of ``package``
    imports, relative imports resolved."""
    out = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            mod = ".".join([*base, node.module] if node.module else base)
            out.add(mod)
            out.update(f"{mod}.{alias.name}" for alias in node.names)
    return out


def _package_of(path: Path) -> list[str]:
    return ["jiayuan", *path.relative_to(SRC).parts[:-1]]


def test_no_product_module_imports_test_code():
    offenders = sorted(
        f"{path.relative_to(SRC)} imports {name}"
        for path in SRC.rglob("*.py") if not _is_test_code(path) and "migrations" not in path.parts
        for name in _imported_modules(path.read_text(encoding="utf-8"), _package_of(path)) if name.startswith(TEST_ONLY)
    )
    assert offenders == []


def test_the_import_resolver_sees_relative_and_absolute_imports():
    # the check above would pass vacuously if the resolver missed imports: a product
    # module of jiayuan.cases importing test code three ways is caught each time
    source = ("from ..tests.helpers import png_bytes\n"
              "import jiayuan.conftest\n"
              "from jiayuan.tests import fixtures\n"
              "from . import selectors\n")
    assert _imported_modules(source, ["jiayuan", "cases"]) == {
        "jiayuan.tests.helpers", "jiayuan.tests.helpers.png_bytes", "jiayuan.conftest",
        "jiayuan.tests", "jiayuan.tests.fixtures", "jiayuan.cases", "jiayuan.cases.selectors"}


def test_every_fixture_module_of_the_test_package_is_registered_as_a_plugin():
    shipped = {f"jiayuan.tests.fixtures.{p.stem}" for p in (SRC / "tests" / "fixtures").glob("*.py")
               if p.name != "__init__.py"}
    assert set(conftest.pytest_plugins) == shipped == {"jiayuan.tests.fixtures.cases"}


def test_the_case_fixtures_reach_a_test_that_imports_nothing(more_users, depts, act, photo, report_event, media_root):
    # requested by name only: pytest finds them through the root conftest's pytest_plugins
    assert sorted(depts) == ["dj-cgzd", "gz-cgj", "gz-mzj", "gz-rsj"]
    assert depts["gz-cgj"].members.get().user == more_users["dept"]
    assert media_root.name == "media" and str(media_root) != str(SRC)


def test_no_test_code_imports_everything_of_another_module():
    # fixtures reach tests through pytest (conftest.py, pytest_plugins), names by name: a
    # star import hides where a fixture comes from and which one wins. (A product
    # package's __init__ re-exporting its areas, each with __all__, is another matter.)
    offenders = sorted(
        f"{path.relative_to(SRC)}: from {node.module} import *"
        for path in SRC.rglob("*.py") if _is_test_code(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names)
    )
    assert offenders == []
