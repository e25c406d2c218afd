from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChildrenConfig(AppConfig):
    name = "jiayuan.children"
    verbose_name = _("儿童关爱")

    def ready(self):
        # Registry changes re-derive the files they touch; a difference flags the file for
        # its 儿童主任 (never changed silently): a child or parent deceased or moved out, a
        # certificate changed (重残, own disability), a child moved to another village.
        from ..disability.signals import certificate_changed
        from ..people.signals import life_status_changed, person_moved
        from .services import on_certificate_changed, on_life_status_changed, on_person_moved

        life_status_changed.connect(on_life_status_changed, dispatch_uid="children.rederive_life")
        certificate_changed.connect(on_certificate_changed, dispatch_uid="children.rederive_certificate")
        person_moved.connect(on_person_moved, dispatch_uid="children.follow_moves")
