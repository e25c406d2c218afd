"""Signals the registry sends for other apps to act on, without the registry knowing them.

``life_status_changed``: sent by :func:`jiayuan.people.services.set_life_status` inside
its transaction, after a person was marked deceased, moved out or alive again. Keyword
arguments: ``actor`` (audit Actor), ``person`` (the saved Person), ``status``
(``alive``/``deceased``/``moved_out``), ``on`` (the date it happened, or None).
Receivers run in the same transaction (a failure undoes the change); e.g. the
assistance app flags the person's open enrollments.
"""

from django.dispatch import Signal

life_status_changed = Signal()
