from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceCenterConfig(AppConfig):
    name = "jiayuan.servicecenter"
    verbose_name = _("便民服务中心")

    def ready(self):
        from . import services  # noqa: F401  (registers the service-request guards)
