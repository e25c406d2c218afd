"""Forms of the case pages. A transition's form is built from its declaration (comment,
photos, typed fields); the forms only parse what was sent and keep it for redisplay —
the engine (:func:`jiayuan.cases.services.transition`) checks every rule and its
messages are put under the fields (``field_map``)."""

import re
import uuid
from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from ..web.forms import BootstrapMixin


def new_request_key() -> str:
    """A fresh form token: a repeated submit of the same form carries the same token,
    and the engine records one case / one timeline line per token."""
    return uuid.uuid4().hex


class MultiplePhotoInput(forms.ClearableFileInput):
    """``<input type=file multiple>``; the pages render it themselves (camera and album
    buttons, see ``cases/_photo_input.html``)."""

    allow_multiple_selected = True


class PhotosField(forms.Field):
    """Uploaded photos (a list); checked by the engine's store_attachment (format, size)."""

    widget = MultiplePhotoInput

    def clean(self, value):
        return [f for f in (value or []) if f]


class OpenChoiceField(forms.ChoiceField):
    """A <select> whose value is checked by the service, not the form (so the service's
    message — "请选择…下的具体类别", "不在您的管辖范围内" — is the one shown)."""

    def valid_value(self, value):
        return True


def parse_ids(text: str) -> list[int]:
    """"12,15" → [12, 15] (ids of photos already uploaded with an earlier try)."""
    out = []
    for part in str(text or "").replace(" ", "").split(","):
        if part.isdigit():
            out.append(int(part))
    return out


class TokenMixin(forms.Form):
    """Hidden form token and the ids of photos uploaded on an earlier try of the form."""

    request_key = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)
    uploaded = forms.CharField(required=False, widget=forms.HiddenInput, max_length=500)

    def uploaded_ids(self) -> list[int]:
        return parse_ids(self.cleaned_data.get("uploaded", "") if hasattr(self, "cleaned_data") else "")


class TransitionForm(BootstrapMixin, TokenMixin):
    """The form of one transition (``prefix`` = its action), built from its declaration:
    ``version`` (hidden: optimistic concurrency), the comment under its declared label,
    photos, and each declared field (``field_<name>``). ``departments``: the departments
    that may take this case (for ``department`` / ``departments`` fields)."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    comment = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(required=False, label=_("现场照片"))
    comment_required = False

    def __init__(self, transition, *args, departments=(), suggested=(), **kwargs):
        kwargs.setdefault("prefix", transition.action)
        super().__init__(*args, **kwargs)
        self.transition = t = transition
        if t.comment == "none":
            del self.fields["comment"]
        else:
            self.fields["comment"].label = t.comment_label
            self.fields["comment"].required = False  # the engine says what is missing
            self.comment_required = t.comment == "required"
        self.photos_required = t.min_attachments
        dept_choices = [(str(d.pk), d.name) for d in departments]
        for spec in t.fields:
            name = f"field_{spec.name}"
            label = spec.label
            if spec.type == "department":
                field = OpenChoiceField(label=label, required=False,
                                          choices=[("", _("请选择"))] + dept_choices)
            elif spec.type == "departments":
                field = forms.MultipleChoiceField(label=label, required=False, choices=dept_choices,
                                                  widget=forms.CheckboxSelectMultiple)
                if suggested and not self.is_bound:
                    field.initial = [str(s) for s in suggested]
            elif spec.type == "choice":
                field = forms.ChoiceField(label=label, required=False, choices=[("", _("请选择"))] + [(v, _(text)) for v, text in spec.choices])
            elif spec.type == "int" and spec.min is not None and spec.max is not None and spec.max - spec.min <= 10:
                # a small scale (评分 1–5): buttons to tap rather than digits to type
                field = OpenChoiceField(label=label, required=False, widget=forms.RadioSelect,
                                        choices=[(str(i), str(i)) for i in range(spec.min, spec.max + 1)])
            elif spec.type == "int":
                attrs = {"inputmode": "numeric"}
                if spec.min is not None:
                    attrs["min"] = spec.min
                if spec.max is not None:
                    attrs["max"] = spec.max
                field = forms.CharField(label=label, required=False, widget=forms.NumberInput(attrs=attrs))
            elif spec.type == "bool":
                field = forms.BooleanField(label=label, required=False)
            elif spec.type == "date":
                field = forms.CharField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))
            else:
                field = forms.CharField(label=label, required=False, max_length=spec.max_length)
            field.decl_required = spec.required
            self.fields[name] = field
        self._style()

    @property
    def typed_fields(self):
        return [self[f"field_{spec.name}"] for spec in self.transition.fields]

    def field_map(self) -> dict:
        """Service field names → form field names (for apply_service_error)."""
        m = {spec.name: f"field_{spec.name}" for spec in self.transition.fields}
        m.update(attachments="photos", file="photos", comment="comment" if "comment" in self.fields else None,
                 version=None)
        return m

    def service_fields(self) -> dict:
        d = self.cleaned_data
        return {spec.name: d.get(f"field_{spec.name}") for spec in self.transition.fields}


class UrgeForm(BootstrapMixin, forms.Form):
    """督办意见."""

    note = forms.CharField(label=_("督办意见"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "urge")
        super().__init__(*args, **kwargs)
        self._style()


class QueueFilterForm(BootstrapMixin, forms.Form):
    """Filters of the queue page: case type and deadline flag."""

    type = forms.ChoiceField(label=_("类型"), required=False)
    flag = forms.ChoiceField(label=_("期限"), required=False, choices=[
        ("", _("全部期限")), ("overdue", _("已超期")), ("due_soon", _("即将到期"))])
    q = forms.CharField(label=_("编号"), required=False, max_length=40,
                        widget=forms.TextInput(attrs={"placeholder": _("案件编号或开头部分"), "inputmode": "numeric"}))

    def __init__(self, type_choices, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # case type names are declared data: shown in the page's language
        self.fields["type"].choices = [("", _("全部类型"))] + [(c, _(n)) for c, n in type_choices]
        self._style()


_DATE_TEXT = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")


def _parse_day(text: str) -> date | None:
    m = _DATE_TEXT.fullmatch(text.strip())
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


class CalendarYearForm(BootstrapMixin, forms.Form):
    """录入年度节假日安排: the year, the notice's 文号, one line per holiday (name, first
    day, last day: ``春节 2027-02-05 2027-02-11``; a one-day holiday may give one date) and
    the make-up working days (dates separated by spaces, commas or lines). Parses only;
    :func:`jiayuan.cases.calendar_services.enter_year` checks the arrangement."""

    year = forms.IntegerField(label=_("年度"), min_value=1900, max_value=2200)
    source = forms.CharField(label=_("通知文号"), max_length=100,
                             help_text=_("如 国办发明电〔2025〕7号（国务院办公厅关于某年部分节假日安排的通知）"))
    holidays = forms.CharField(label=_("放假安排（每行一个节日：名称 开始日期 结束日期）"),
                               widget=forms.Textarea(attrs={"rows": 8}),
                               help_text=_("例：春节 2027-02-05 2027-02-11；只放一天的可只写一个日期"))
    workdays = forms.CharField(label=_("调休上班日（周六或周日，日期之间用空格、逗号或换行分隔）"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    def clean_holidays(self):
        from .statutory import HolidayLine

        lines = []
        for n, raw in enumerate(self.cleaned_data["holidays"].splitlines(), start=1):
            parts = [p for p in re.split(r"[\s,，、至到~]+", raw.strip()) if p]
            if not parts:
                continue
            if len(parts) not in (2, 3):
                raise forms.ValidationError(_("第 %(n)s 行应为“名称 开始日期 结束日期”：%(line)s") % {"n": n, "line": raw})
            first, last = _parse_day(parts[1]), _parse_day(parts[-1])
            if first is None or last is None:
                raise forms.ValidationError(_("第 %(n)s 行的日期格式错误（应为 2027-02-05）：%(line)s") % {"n": n, "line": raw})
            lines.append(HolidayLine(parts[0], first, last))
        return lines

    def clean_workdays(self):
        days = []
        for part in re.split(r"[\s,，、;；]+", self.cleaned_data.get("workdays") or ""):
            if not part:
                continue
            d = _parse_day(part)
            if d is None:
                raise forms.ValidationError(_("调休上班日格式错误（应为 2027-02-20）：%(text)s") % {"text": part})
            days.append(d)
        return days
