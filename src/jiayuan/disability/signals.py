"""Signals of the disability app, for other apps to act on without it knowing them.

``certificate_changed``: sent by :mod:`jiayuan.disability.services` inside its
transaction when a person's valid certificate changes: recorded (``status``
``recorded`` — first one — or ``replaced`` when it replaces another), revoked
(``revoked``), or its long-term care need changed (``care_need``). Keyword arguments:
``actor`` (audit Actor), ``person``, ``before`` and ``after``: the facts of the
person's valid certificate before and after (``{"disability_type", "grade",
"long_term_care_need"}``, or None when there is none), ``status``. Receivers run in the
same transaction; e.g. the assistance app flags the person's open 两项补贴 enrollments.
"""

from django.dispatch import Signal

certificate_changed = Signal()
