"""The roster import engine, in stages, each a function (or a small class) that takes
and returns a dataclass; :func:`jiayuan.imports.services.run_import` runs them in order:

1. :mod:`.read` — bytes → :class:`~.read.Read` (sheet, header, rows);
2. :mod:`.validate` — :class:`~.read.Read` → :class:`~.validate.Checked` (each row's
   cells by the spine's rules, duplicates in the file);
3. :mod:`.plan` — :class:`~.validate.Checked` → :class:`~.plan.Plan` (against the
   registry: scope, grids, households; create / update / unchanged);
4. :mod:`.write` — :class:`~.plan.Plan` → the registry, in chunks
   (:class:`~.write.Writer`).

:mod:`.common` holds what they pass to each other (:class:`~.common.Row`,
:class:`~.common.Issue`, :class:`~.common.Header`, the configuration); the database
work in bulk is :mod:`jiayuan.imports.bulk`'s. See ``docs/import.md``.
"""
