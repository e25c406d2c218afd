"""Forms of the evaluation pages (parse only)."""

from django import forms
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from ...people.forms import DATE_INPUT
from ...regions.forms import region_choices
from ...web.forms import BootstrapMixin
from . import rules

ROWS = 6
DEFAULT_ITEMS = [(_("社区治理实绩"), 40, "scored"), (_("群众满意度"), 30, "scored"), (_("案件按期办结率"), 10, "cases_on_time"),
                 (_("调解协议履行率"), 10, "mediation_performed"), (_("居民信息入户率"), 10, "registry_households")]


class RoundForm(BootstrapMixin, forms.Form):
    """A round and up to :data:`ROWS` items (name, weight, scoring); rows without a
    name are left out."""

    township = forms.ChoiceField(label=_("乡镇（街道）"), required=False)
    title = forms.CharField(label=_("名称"), required=False, max_length=100)
    start = forms.DateField(label=_("考核期起"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=_("考核期止"), required=False, widget=DATE_INPUT)
    FIELD_MAP = {"township": "township", "title": "title", "start": "start", "end": "end", "items": "__all__"}

    def __init__(self, user, *args, **kwargs):
        kwargs.setdefault("initial", {}).update(
            {f"name_{i}": str(n) for i, (n, _w, _s) in enumerate(DEFAULT_ITEMS)}
            | {f"weight_{i}": w for i, (_n, w, _s) in enumerate(DEFAULT_ITEMS)}
            | {f"source_{i}": s for i, (_n, _w, s) in enumerate(DEFAULT_ITEMS)})
        super().__init__(*args, **kwargs)
        choices = region_choices(user, ("township",), blank=_("请选择"))
        if user.scope and user.scope.level == "township":
            choices = [("", _("请选择")), (user.scope.code, user.scope.name)]
        self.fields["township"].choices = choices
        sources = [(k, _g(v)) for k, v in rules.SOURCES.items()]
        for i in range(ROWS):
            self.fields[f"name_{i}"] = forms.CharField(label=_("考核指标"), required=False, max_length=100)
            self.fields[f"weight_{i}"] = forms.DecimalField(label=_("权重（分）"), required=False, max_digits=5,
                                                            decimal_places=2)
            self.fields[f"source_{i}"] = forms.ChoiceField(label=_("评分方式"), required=False, choices=sources)
        self._style()

    def rows(self):
        """The bound fields of each item row, for the template."""
        return [(self[f"name_{i}"], self[f"weight_{i}"], self[f"source_{i}"]) for i in range(ROWS)]

    def items(self) -> list[tuple]:
        """``[(name, weight, source)]`` of the rows with a name (after is_valid)."""
        d = self.cleaned_data
        return [(d[f"name_{i}"].strip(), d[f"weight_{i}"], d[f"source_{i}"] or rules.SCORED)
                for i in range(ROWS) if (d.get(f"name_{i}") or "").strip()]


class ScoreForm(BootstrapMixin, forms.Form):
    item = forms.ChoiceField(label=_("考核指标"), required=False)
    community = forms.ChoiceField(label=_("社区（村）"), required=False)
    score = forms.DecimalField(label=_("得分（百分制）"), required=False, max_digits=5, decimal_places=2)
    comment = forms.CharField(label=_("评语"), required=False, max_length=300)
    FIELD_MAP = {"item": "item", "community": "community", "score": "score", "comment": "comment"}

    def __init__(self, items, communities, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(str(i.pk), i.name) for i in items]
        self.fields["community"].choices = [(c.code, c.name) for c in communities]
        self._style()


class ObjectionForm(BootstrapMixin, forms.Form):
    text = forms.CharField(label=_("异议的事实和理由"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    FIELD_MAP = {"text": "text"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class AnswerForm(BootstrapMixin, forms.Form):
    objection = forms.IntegerField(widget=forms.HiddenInput)
    upheld = forms.ChoiceField(label=_("结论"), choices=[("0", _("异议不成立")), ("1", _("异议成立"))])
    answer = forms.CharField(label=_("答复"), required=False, max_length=1000)
    FIELD_MAP = {"answer": "answer"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()
