"""Logging filters of the project (configured in ``settings.LOGGING``)."""

from __future__ import annotations

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """Keep a request's 4xx answer to one line in the server log.

    Django logs a refused permission (``PermissionDenied`` → 403) and other client
    errors on ``django.request`` with the exception's traceback attached, so every
    403 a user meets fills the log with a stack trace that says nothing about a fault
    of the server. Records with a ``status_code`` below 500 lose their ``exc_info``,
    and so do 503s and 507s (database unavailable, disk full: one line says it, see
    ``web.middleware.FaultMiddleware``); other 5xx records keep it.
    Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and (status < 500 or status in (503, 507)):
            record.exc_info = None
            record.exc_text = None
        return True
