from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "jiayuan.assistance"
    verbose_name = _("社会救助")

    def ready(self):
        # Registry changes that need a decision on enrollments: a person marked deceased
        # or moved out, a disability certificate changed, a person moved (the region of
        # the enrollment follows within the county; another county is flagged).
        from ..disability.signals import certificate_changed
        from ..people.signals import life_status_changed, person_moved
        from .services.enrollments import on_certificate_changed, on_life_status_changed, on_person_moved

        life_status_changed.connect(on_life_status_changed, dispatch_uid="assistance.flag_enrollments")
        certificate_changed.connect(on_certificate_changed, dispatch_uid="assistance.flag_certificate")
        person_moved.connect(on_person_moved, dispatch_uid="assistance.follow_moves")
        from .services import applications  # noqa: F401  (registers the application guards and effects)
