"""Zhili (治理): the work of a township or subdistrict government in one place."""

__version__ = "0.1.0"
