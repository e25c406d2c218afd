import pytest


@pytest.fixture(autouse=True)
def _uploads_in_tmp(media_root):
    """Every test of this app stores its uploads under a temporary MEDIA_ROOT
    (``media_root``, jiayuan/tests/fixtures/cases.py)."""
