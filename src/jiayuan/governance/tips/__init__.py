"""Confidential tips (线索): collected → verified → transferred → concluded, read only by
the county handlers designated for them (see ``docs/governance.md``)."""
