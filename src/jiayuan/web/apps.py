from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "jiayuan.web"
    verbose_name = _("页面")

    def ready(self):
        from .todo import autodiscover

        # every installed app's to-do sources (its todo.py), for the to-do page, the
        # home page and the API
        autodiscover()
