"""Signals of elderly care.

``capacity_assessed``: sent by :func:`jiayuan.eldercare.services.record_assessment`
inside its transaction (a receiver's failure undoes the assessment), with ``actor``,
``person``, ``before`` (the level of the person's latest assessment before this one, or
None) and ``after`` (the new latest level; an assessment dated before the latest one
leaves it unchanged). Assistance flags the person's open 养老服务补贴 enrollments when
the level changes.
"""

from django.dispatch import Signal

capacity_assessed = Signal()
