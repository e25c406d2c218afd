"""To-do sources of the stats module (found by ``web.todo.autodiscover``)."""

from .yibiaotong import todo as yibiaotong_todo  # noqa: F401  (一表通: orders 130–139)
