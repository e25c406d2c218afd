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


# --- images --------------------------------------------------------------------------------

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
IMAGE_MAX_BYTES = 10 * 1024 * 1024
IMAGE_MAX_PIXELS = 40_000_000


def check_image(uploaded, *, field: str, code: str = "photo", max_bytes: int = IMAGE_MAX_BYTES,
                max_pixels: int = IMAGE_MAX_PIXELS) -> tuple[bytes, str, int, int]:
    """``(data, format, width, height)`` of an uploaded photo: JPEG, PNG or WebP up to
    ``max_bytes`` (10 MiB) and ``max_pixels`` (40 million), checked by decoding it with
    Pillow, never by its name (as the case engine's photos are). Otherwise
    :class:`ValidationFailed` on ``field`` with codes ``{code}.too_large``, ``.empty``,
    ``.not_image``, ``.too_many_pixels``."""
    import io

    from PIL import Image, UnidentifiedImageError

    from .errors import ValidationFailed, field_error

    def fail(kind: str, message: str) -> ValidationFailed:
        return ValidationFailed(field_error(field, f"{code}.{kind}", message))

    data = uploaded.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise fail("too_large", _("照片不能超过 %(mb)s MB") % {"mb": max_bytes // (1024 * 1024)})
    if not data:
        raise fail("empty", _("上传的文件是空的"))
    bad = fail("not_image", _("只能上传 JPEG、PNG 或 WebP 格式的照片"))
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt, (width, height) = img.format, img.size
            if fmt not in IMAGE_TYPES:
                raise bad
            if width * height > max_pixels:
                raise fail("too_many_pixels", _("照片像素过大，请压缩后再上传"))
            img.verify()
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise bad from None
    return data, fmt, width, height
