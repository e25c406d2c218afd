"""Forms of the evaluation pages (parse only)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ...people.forms import DATE_INPUT
from ...regions.forms import region_choices
from ...web.forms import BootstrapMixin

ITEMS_EXAMPLE = "社区治理实绩,40\n群众满意度,30\n案件按期办结率,10,cases_on_time\n调解协议履行率,10,mediation_performed\n居民信息入户率,10,registry_households"


class RoundForm(BootstrapMixin, forms.Form):
    township = forms.ChoiceField(label=_("乡镇（街道）"), required=False)
    title = forms.CharField(label=_("名称"), required=False, max_length=100)
    start = forms.DateField(label=_("考核期起"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=_("考核期止"), required=False, widget=DATE_INPUT)
    items = forms.CharField(label=_("考核指标（每行：指标名称,权重,评分方式）"), required=False,
                            widget=forms.Textarea(attrs={"rows": 6}), initial=ITEMS_EXAMPLE)
    FIELD_MAP = {"township": "township", "title": "title", "start": "start", "end": "end", "items": "items"}

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = region_choices(user, ("township",), blank=_("请选择"))
        if user.scope and user.scope.level == "township":
            choices = [("", _("请选择")), (user.scope.code, user.scope.name)]
        self.fields["township"].choices = choices
        self._style()


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
    text = forms.CharField(label=_("异议的事实和理由"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
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
