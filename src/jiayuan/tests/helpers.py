"""Names shared by the tests of the case-engine apps (cases, grid, servicecenter,
open311, their API and page tests), imported by name:
``from jiayuan.tests.helpers import CITY_MGMT, png_bytes``.

The scope layout itself (``GRID``, ``OWNER_COMMUNITY``, ``PASSWORD`` …) lives in
``jiayuan/conftest.py``; the departments below are made, staffed, by the ``depts``
fixture (``jiayuan/tests/fixtures/cases.py``).
"""

import io

CITY_MGMT = "gz-cgj"        # 甘州区城市管理局 (county)
CIVIL_AFFAIRS = "gz-mzj"    # 甘州区民政局 (county)
HR_SOCIAL = "gz-rsj"        # 甘州区人力资源和社会保障局 (county)
STREET_TEAM = "dj-cgzd"     # 东街街道城管中队 (street)


def png_bytes(size=(8, 6), color=(200, 30, 30), fmt="PNG") -> bytes:
    """A small image of one colour in the given format (PNG unless told), as bytes."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, fmt)
    return buf.getvalue()
