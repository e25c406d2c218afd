"""Test-only code shared by the apps' test suites: helper modules imported by name
(``jiayuan.tests.helpers``) and fixture plugins (``jiayuan.tests.fixtures``) registered
through ``pytest_plugins`` in the root conftest (``jiayuan/conftest.py``). No product
module imports this package (``jiayuan/tests/test_test_code.py`` checks)."""
