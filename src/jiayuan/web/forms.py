"""Form helpers shared by the pages of every app."""

from django import forms


class OwnIdsMixin:
    """For a form shown on a page beside another with the same field names (a filter and
    a create form, two step forms with a hidden ``version``): its elements' ids start
    with ``ID_PREFIX`` (``close_version``) instead of ``id_``, so that no two elements
    share an id and each ``<label for>`` finds its own field. Put it first in the bases."""

    ID_PREFIX = ""

    def __init__(self, *args, **kwargs):
        if self.ID_PREFIX:
            kwargs.setdefault("auto_id", f"{self.ID_PREFIX}_%s")
        super().__init__(*args, **kwargs)


class BootstrapMixin:
    """Bootstrap classes on every widget and ``is-invalid`` on fields with errors, so
    templates render ``{{ field }}`` as is. Call ``self._style()`` at the end of
    ``__init__``; errors added later (from a service) restyle the form."""

    def _style(self):
        for name, field in self.fields.items():
            w = field.widget
            if isinstance(w, forms.HiddenInput):
                continue
            extra = getattr(w, "_jy_extra", None)
            if extra is None:
                extra = w._jy_extra = w.attrs.get("class", "")
            if isinstance(w, (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)):
                css = "form-check-input"
            elif isinstance(w, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            if self.is_bound and self._errors is not None and name in self._errors:
                css += " is-invalid"
            w.attrs["class"] = f"{css} {extra}".strip()

    def full_clean(self):
        super().full_clean()
        self._style()

    def add_error(self, field, error):
        super().add_error(field, error)
        self._style()
