"""Writes of the facilities module (the only writers): facilities and rooms
(:mod:`.facilities`), work funds (:mod:`.funds`)."""

from .facilities import (FIELDS, add_room, as_date, create_facility, remove_room, set_also_serves,
                         update_facility, village_unit)
from . import funds
from .funds import add_entry, checked_year, set_budget, set_standard

__all__ = ["FIELDS", "add_room", "as_date", "create_facility", "remove_room", "set_also_serves", "update_facility", "village_unit",
           "add_entry", "checked_year", "funds", "set_budget", "set_standard"]
