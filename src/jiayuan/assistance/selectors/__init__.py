"""Scoped reads of the assistance app (a package for the same reason as services):
:mod:`.programs`, :mod:`.enrollments`, :mod:`.batches`, :mod:`.ledgers`,
:mod:`.applications`. Every function takes the user and returns only their subtree."""
