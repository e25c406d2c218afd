"""docs/import.md lists every stable code with its message (the catalogue of
imports/rules.py; field-rule codes come from people.rules)."""

import re
from pathlib import Path

from jiayuan.imports import rules

DOC = Path(__file__).resolve().parents[4] / "docs" / "import.md"


def _shown(template: str) -> str:
    return re.sub(r"%\((\w+)\)[sd]", r"{\1}", template)


def test_every_import_code_is_documented_with_its_message():
    text = DOC.read_text(encoding="utf-8")
    for key, template in rules.MESSAGES.items():
        code = "birth_date.mismatch" if key == "birth_date.mismatch_month" else key
        assert f"`{code}`" in text, code
        assert _shown(template) in text, code
