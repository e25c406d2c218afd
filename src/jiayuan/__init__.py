"""家园 Jiayuan: urban and rural community governance and social services platform."""

__version__ = "0.1.0"
