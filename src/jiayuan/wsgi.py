"""WSGI entry point (gunicorn ``jiayuan.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiayuan.settings")
application = get_wsgi_application()
