"""Pages of the assistance app, one module per area (see urls.py)."""
