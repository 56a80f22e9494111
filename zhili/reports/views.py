"""The 上报 pages (see views' owner)."""
