"""The upload store (jiayuan.storage.AtomicFileSystemStorage): whole files under their
names, a free name when one is taken, nothing left behind by a failed write."""

import errno
import os

import pytest
from django.core.files.base import ContentFile

from jiayuan.storage import AtomicFileSystemStorage, StorageFull


def _listing(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_saves_whole_files_and_takes_a_free_name(tmp_path):
    store = AtomicFileSystemStorage(location=tmp_path)
    a = store.save("cases/a.jpg", ContentFile(b"first"))
    b = store.save("cases/a.jpg", ContentFile(b"second"))
    assert a == "cases/a.jpg" and b != a and b.startswith("cases/a_") and b.endswith(".jpg")
    assert (tmp_path / a).read_bytes() == b"first" and (tmp_path / b).read_bytes() == b"second"
    assert _listing(tmp_path) == sorted([a, b])  # no .partial- file left


class Broken(ContentFile):
    def __init__(self, err):
        super().__init__(b"x" * 10)
        self.err = err

    def chunks(self, chunk_size=None):
        yield b"half"
        raise OSError(self.err, os.strerror(self.err))


def test_a_full_disk_raises_storage_full_and_leaves_nothing(tmp_path):
    store = AtomicFileSystemStorage(location=tmp_path)
    with pytest.raises(StorageFull) as exc:
        store.save("imports/r.csv", Broken(errno.ENOSPC))
    assert exc.value.status == 507 and "磁盘空间不足" in exc.value.message
    assert _listing(tmp_path) == []


def test_another_write_error_is_raised_as_it_is_and_leaves_nothing(tmp_path):
    store = AtomicFileSystemStorage(location=tmp_path)
    with pytest.raises(OSError) as exc:
        store.save("imports/r.csv", Broken(errno.EIO))
    assert exc.value.errno == errno.EIO and not isinstance(exc.value, StorageFull)
    assert _listing(tmp_path) == []
