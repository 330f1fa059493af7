"""Maintenance scripts for the pack's data files (not loaded by the pack itself)."""
