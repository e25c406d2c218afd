from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "jiayuan.assistance"
    verbose_name = _("社会救助")

    def ready(self):
        # A person marked deceased or moved out in the registry: flag their enrollments.
        from ..people.signals import life_status_changed
        from .services.enrollments import on_life_status_changed

        life_status_changed.connect(on_life_status_changed, dispatch_uid="assistance.flag_enrollments")
        from .services import applications  # noqa: F401  (registers the application guards and effects)
