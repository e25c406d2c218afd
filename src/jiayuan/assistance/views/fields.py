"""Form fields shared by the assistance pages."""

import datetime
import re

from django import forms
from django.utils.translation import gettext_lazy as _lazy

_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


class MonthInput(forms.DateInput):
    """``<input type="month">`` showing a date as ``YYYY-MM``."""

    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m")


class MonthField(forms.Field):
    """A month, as the first day of it (``datetime.date``). Accepts ``YYYY-MM`` (what
    ``<input type="month">`` sends) and, for older forms and scripts, ``YYYY-MM-DD``
    (kept as given: the service says when it is not the 1st). Empty → None. Anything
    else → "请按 年-月 填写月份，如 2025-07"."""

    widget = MonthInput
    default_error_messages = {"invalid": _lazy("请按 年-月 填写月份，如 2025-07")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.date):
            return value
        text = str(value).strip()
        try:
            if m := _MONTH.fullmatch(text):
                return datetime.date(int(m[1]), int(m[2]), 1)
            if m := _DAY.fullmatch(text):
                return datetime.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
