"""The file store of uploads (``STORAGES["default"]``): Django's file-system storage,
written atomically, with a clear error when the disk is full.

Django's ``FileSystemStorage`` creates the file under its final name and streams into
it: a write that fails half-way (disk full, quota) leaves a truncated file that a row
may then name. :class:`AtomicFileSystemStorage` writes into a hidden ``.partial-…``
file beside it, syncs it to disk, and only then links it under the final name; on any
error the partial file is removed, so a stored file is either whole or absent. A full
disk (``ENOSPC``), a quota (``EDQUOT``) or a file-size limit (``EFBIG``) raises
:class:`StorageFull` (a ``ServiceError``, 507), which the API answers with its error
body and pages with a plain page (``web.middleware.FaultMiddleware``); the caller's
transaction is rolled back with it, so no row names a file that is not there.
"""

import errno
import os
import posixpath
import uuid

from django.core.files.storage import FileSystemStorage
from django.utils.translation import gettext as _

from .errors import ServiceError

FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


class StorageFull(ServiceError):
    """The server's disk (or quota) is full: nothing was stored."""

    status = 507

    def __init__(self):
        super().__init__("storage_full", _("服务器磁盘空间不足，文件没有保存，本次操作未完成。请通知系统管理员清理空间后重试。"))


class AtomicFileSystemStorage(FileSystemStorage):
    """See the module's docstring. Returns the final name, as Django's does."""

    def _save(self, name, content):
        directory, base = posixpath.split(name)
        partial = posixpath.join(directory, f".partial-{uuid.uuid4().hex}-{base}")
        try:
            written = super()._save(partial, content)
            with open(self.path(written), "rb") as f:
                os.fsync(f.fileno())
        except OSError as exc:
            self._discard(partial)
            if exc.errno in FULL:
                raise StorageFull() from exc
            raise
        except BaseException:
            self._discard(partial)
            raise
        src = self.path(written)
        while True:
            final = self.get_available_name(name)
            try:
                os.link(src, self.path(final))
            except FileExistsError:
                continue  # taken meanwhile by another writer: the next free name
            except OSError:
                if os.path.exists(self.path(final)):
                    continue
                os.rename(src, self.path(final))  # a file system without hard links
                return final
            os.unlink(src)
            return final

    def _discard(self, name: str) -> None:
        try:
            os.unlink(self.path(name))
        except OSError:
            pass
