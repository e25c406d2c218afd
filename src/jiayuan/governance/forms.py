"""Form pieces shared by the governance pages (tips, mediation)."""

from django import forms
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from ..people.forms import DATE_INPUT
from ..regions.forms import region_choices
from ..web.forms import BootstrapMixin, OwnIdsMixin


def table_choices(table: dict, blank=None) -> list:
    """Choices from a rules table ``{code: untranslated label}``, translated, after a
    blank choice labelled ``blank`` when given."""
    head = [("", blank)] if blank is not None else []
    return head + [(k, _g(v)) for k, v in table.items()]


class RegionPeriodForm(OwnIdsMixin, BootstrapMixin, forms.Form):
    """A region in scope (county, township or community; the whole scope when blank)
    and a period: the filter of the tip counts and the mediation results (ids
    ``filter_…``: it stands beside forms with their own region)."""

    ID_PREFIX = "filter"

    region = forms.ChoiceField(label=_("区域"), required=False)
    start = forms.DateField(label=_("起始日期"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=_("截止日期"), required=False, widget=DATE_INPUT)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        extra = user.scope if not user.is_superuser else None
        self.fields["region"].choices = region_choices(user, ("county", "township", "village"),
                                                       blank=_("整个管辖范围"), extra=extra)
        self._style()
