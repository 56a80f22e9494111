"""Households and assistance (民生户籍, 两不愁三保障): see docs/ARCHITECTURE.md "Households and assistance"."""
