from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "jiayuan.assistance"
    verbose_name = _("社会救助")

    def ready(self):
        # Registry changes that need a decision on enrollments: a person marked deceased
        # or moved out, a disability certificate changed, a person moved (the region of
        # the enrollment follows within the county; another county is flagged), a capacity
        # assessment changed the level the 养老服务补贴 reads.
        from ..disability.signals import certificate_changed
        from ..eldercare.signals import capacity_assessed
        from ..people.signals import life_status_changed, person_moved
        from .services.enrollments import (on_capacity_assessed, on_certificate_changed, on_life_status_changed,
                                           on_person_moved)

        life_status_changed.connect(on_life_status_changed, dispatch_uid="assistance.flag_enrollments")
        certificate_changed.connect(on_certificate_changed, dispatch_uid="assistance.flag_certificate")
        person_moved.connect(on_person_moved, dispatch_uid="assistance.follow_moves")
        capacity_assessed.connect(on_capacity_assessed, dispatch_uid="assistance.flag_capacity")
        from .services import applications  # noqa: F401  (registers the application guards and effects)
