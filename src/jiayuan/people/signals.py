"""Signals the registry sends for other apps to act on, without the registry knowing them.

``life_status_changed``: sent by :func:`jiayuan.people.services.set_life_status` inside
its transaction, after a person was marked deceased, moved out or alive again. Keyword
arguments: ``actor`` (audit Actor), ``person`` (the saved Person), ``status``
(``alive``/``deceased``/``moved_out``), ``on`` (the date it happened, or None).
Receivers run in the same transaction (a failure undoes the change); e.g. the
assistance app flags the person's open enrollments.

``person_moved``: sent inside the transaction that changed persons' region (grid or
community): :func:`jiayuan.people.services.update_person` (a person without a
household), joining a household in another region (``create_household`` /
``add_member``), :func:`jiayuan.regions.services.move_households`. Keyword arguments:
``actor``, ``moves`` (list of ``(person_id, old region code, new region code)``).
E.g. the assistance app moves the person's enrollments within the county, or flags
them when the person moved to another county.
"""

from django.dispatch import Signal

life_status_changed = Signal()
person_moved = Signal()
