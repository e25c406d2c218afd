"""Forms of the pages that set home care up: a provider's contract, a staff member's duty,
an elder's monthly care plan. They only shape input; every rule is in the services
(:mod:`.services`: prices above zero, items of the county's catalogue, the plan never
above the entitlement's monthly amount …)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ...web.forms import BootstrapMixin
from .. import rules as care_rules
from . import rules

DATE = {"widget": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})}


class ContractForm(BootstrapMixin, forms.Form):
    """Number, provider, period and a price per catalogue item (``price_<item id>``,
    blank for an item the contract does not buy)."""

    provider = forms.ChoiceField(label=gettext_lazy("服务机构"))
    number = forms.CharField(label=gettext_lazy("合同编号"), max_length=50)
    start = forms.DateField(label=gettext_lazy("起始日期"), **DATE)
    end = forms.DateField(label=gettext_lazy("截止日期"), **DATE)

    def __init__(self, *args, providers=(), items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", "—")] + [(str(p.pk), p.name) for p in providers]
        self.item_fields = []
        for item in items:
            name = f"price_{item.pk}"
            self.fields[name] = forms.DecimalField(
                label=_("%(name)s（元/%(unit)s）") % {"name": item.name, "unit": _(care_rules.HOMECARE_UNITS.get(item.unit, item.unit))},
                required=False, min_value=0, max_digits=10, decimal_places=2,
                help_text=_("目录单价 %(price)s 元") % {"price": item.price})
            self.item_fields.append(self[name])
        self._style()

    def prices(self) -> dict:
        """``{item id: price}`` of the items given a price."""
        return {int(k.removeprefix("price_")): v for k, v in self.cleaned_data.items()
                if k.startswith("price_") and v is not None}


class DutyForm(BootstrapMixin, forms.Form):
    """A member of a provider (``<organization id>:<user id>``) and the duty given."""

    member = forms.ChoiceField(label=gettext_lazy("机构人员"))
    duty = forms.ChoiceField(label=gettext_lazy("职责"))

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [("", "—")] + [
            (f"{m.organization_id}:{m.user_id}", f"{m.organization.name} · {m.user.full_name or m.user.username}"
             f"（{m.user.username}）") for m in members]
        self.fields["duty"].choices = [(k, _(v)) for k, v in rules.DUTIES.items()]
        self._style()


class PlanForm(BootstrapMixin, forms.Form):
    """The home's location and address, and for each item of the plan's contract
    the quantity a visit (``qty_<item id>``) and the days of the month
    (``days_<item id>``: ``3, 10, 17, 24``)."""

    address = forms.CharField(label=gettext_lazy("服务地址"), max_length=200, required=False)
    home_lat = forms.CharField(label=gettext_lazy("住址纬度"), max_length=20,
                               help_text=gettext_lazy("WGS-84，如 38.932100；签到时据此核对护理员位置"))
    home_lon = forms.CharField(label=gettext_lazy("住址经度"), max_length=20,
                               help_text=gettext_lazy("WGS-84，如 100.455600"))

    def __init__(self, *args, contract_items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = []
        for ci in contract_items:
            q, d = f"qty_{ci.item_id}", f"days_{ci.item_id}"
            self.fields[q] = forms.DecimalField(label=_("每次数量"), required=False, min_value=0, max_digits=6,
                                                decimal_places=1)
            self.fields[d] = forms.CharField(label=_("服务日期"), required=False, max_length=100,
                                             help_text=_("本月几号，用逗号分隔，如 3, 10, 17, 24"))
            self.lines.append((ci, self[q], self[d]))
        self._style()

    def plan_lines(self) -> list[dict]:
        """The lines filled in, as :func:`.services.make_plan` takes them; ValueError
        (with the item's name) for days that are not numbers."""
        out = []
        for ci, q, d in self.lines:
            qty, days = self.cleaned_data.get(q.name), (self.cleaned_data.get(d.name) or "").strip()
            if not qty and not days:
                continue
            parts = [p for p in days.replace("，", ",").replace("、", ",").replace(" ", ",").split(",") if p]
            if not all(p.isdigit() for p in parts):
                raise ValueError(d.name)
            out.append({"item": ci.item_id, "quantity": str(qty or 1), "days": [int(p) for p in parts]})
        return out
