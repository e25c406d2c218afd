"""Forms of the import pages: the upload form (file, target community/village or grid
from the user's scope, options) and the confirmation of a previewed import."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..regions.forms import region_choices
from ..web.forms import BootstrapMixin

ACCEPT = ".xlsx,.xls,.ods,.csv,.txt"


class UploadForm(BootstrapMixin, forms.Form):
    """Choose a roster file and the community/village (or grid) it belongs to. The
    file's content is checked by the engine (format, limits), not here."""

    file = forms.FileField(label=_("台账文件"), help_text=_(
        "Excel（.xlsx、.xls）、WPS/LibreOffice（.ods）或 CSV、TXT 文本文件，最大 50 MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        error_messages={"required": _("请选择要导入的台账文件")})
    region = forms.ChoiceField(label=_("导入到哪个社区（村）或网格"), error_messages={
        "required": _("请选择导入范围"), "invalid_choice": _("请选择您管辖范围内的社区（村）或网格")},
        help_text=_("表格中没有填写“所属网格”的居民，登记到这里。"))
    all_or_nothing = forms.BooleanField(label=_("有任何一行出错就全部不导入（默认：导入正确的行，列出出错的行）"),
                                        required=False)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(user, ("village", "grid"), blank=_("请选择"))
        self._style()


class ConfirmForm(forms.Form):
    all_or_nothing = forms.BooleanField(required=False)
